"""What worker results mean: visits, strangers, late results, worker logs and camera health.

The worker pool is the fake of fake_pool.py: results are the pipeline's own
messages, emitted as a worker would send them, and time is Home Assistant's
frozen clock.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from pathlib import Path
import time

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.openeye.const import DOMAIN, EVENT_FACE_RECOGNIZED, EVENT_UNKNOWN_FACE
from custom_components.openeye.gallery_records import Person
from custom_components.openeye.hub import OpenEyeHub
from custom_components.openeye.pipeline.messages import (
    EngineFailed,
    FaceDetected,
    FaceLost,
    FaceRecognized,
    Figures,
    MotionStarted,
    SourceStatus,
    SourceStatusChanged,
    UnknownFace,
    WorkerLog,
)
from tests.fake_pool import FakePool, detected, lost, recognized, status, unknown
from tests.helpers import flush_entity_writes


async def _teach_astro(hass: HomeAssistant, media_dir: Path) -> None:
    """Teach "Astro" through the action; the fake pool finds one face in any image."""
    photo = media_dir / "astro.jpg"
    photo.write_bytes(b"\xff\xd8 any bytes")
    await hass.services.async_call(
        DOMAIN, "enroll_face", {"name": "Astro", "image_path": str(photo)}, blocking=True
    )


def _person(hub: OpenEyeHub, person_id: str = "p1", name: str = "Eileen") -> Person:
    """Put a person straight into the gallery, as an enrollment would."""
    person = Person(person_id, name, [[0.0] * 128], b"\xff\xd8", dt_util.utcnow())
    hub.gallery.people[person_id] = person
    return person


async def test_a_visit_counts_once(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Tracks of the same person within the presence time are one recognition."""
    hub: OpenEyeHub = init_integration.runtime_data
    _person(hub)
    events = async_capture_events(hass, EVENT_FACE_RECOGNIZED)
    fake_pool.emit(
        detected("door", 1),
        recognized("door", 1, "p1"),
        lost("door", 1, "p1"),
        recognized("door", 2, "p1"),
    )
    await hass.async_block_till_done()
    assert len(events) == 1
    assert hub.statistics.recognitions_today == 1
    assert hub.cameras["door"].faces_in_view == 1

    freezer.tick(timedelta(seconds=301))
    fake_pool.emit(recognized("door", 3, "p1"))
    await hass.async_block_till_done()
    assert len(events) == 2
    assert hub.statistics.recognitions_today == 2
    assert hub.statistics.last_recognition is not None
    assert hub.statistics.last_recognition.confidence == 0.71


async def test_the_same_stranger_counts_once(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_pool: FakePool
) -> None:
    """An unknown face close to one stored within the presence time is the same stranger."""
    hub: OpenEyeHub = init_integration.runtime_data
    events = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    fake_pool.emit(
        unknown("door", 1, 0.10),
        unknown("door", 2, 0.11),  # 0.11 from the first: the same face
        unknown("door", 3, 0.50),  # 4.5 away: somebody else
    )
    await hass.async_block_till_done()
    assert len(events) == 2
    assert len(hub.gallery.unknown) == 2
    assert hub.statistics.unknown_faces_today == 2
    assert hub.cameras["door"].latest_face is not None


async def test_a_stranger_who_keeps_coming_back_is_one_visit(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each sighting within the presence time extends the stranger's visit, as for a person."""
    hub: OpenEyeHub = init_integration.runtime_data
    events = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    # Every four minutes, one minute less than the presence time of five.
    for _ in range(4):
        fake_pool.emit(unknown("door", 1, 0.10))
        freezer.tick(timedelta(minutes=4))
    await hass.async_block_till_done()
    assert len(events) == 1
    assert hub.statistics.unknown_faces_today == 1

    # Away for longer than the presence time: a new visit.
    freezer.tick(timedelta(minutes=2))
    fake_pool.emit(unknown("door", 2, 0.10))
    await hass.async_block_till_done()
    assert len(events) == 2
    assert len(hub.gallery.unknown) == 2

    # A stranger taught or purged meanwhile is a new stranger when seen again.
    hub.gallery.unknown.clear()
    fake_pool.emit(unknown("door", 3, 0.10))
    await hass.async_block_till_done()
    assert len(events) == 3
    assert len(hub.gallery.unknown) == 1


async def test_late_results_are_ignored(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_pool: FakePool
) -> None:
    """Results for a removed camera or a removed person change nothing and raise nothing."""
    hub: OpenEyeHub = init_integration.runtime_data
    now = time.time()
    fake_pool.emit(
        SourceStatusChanged("gone", 0.0, now, status=SourceStatus.STREAMING),
        MotionStarted("gone", 0.0, now),
        FaceDetected("gone", 0.0, now, track_id=1),
        FaceRecognized("gone", 0.0, now, track_id=1, person_id="p1"),
        UnknownFace("gone", 0.0, now, track_id=1),
        FaceLost("gone", 0.0, now, track_id=1),
        Figures("gone", 0.0, now),
        recognized("door", 1, "removed"),
    )
    await hass.async_block_till_done()
    assert hub.statistics.recognitions_today == 0
    assert hub.statistics.unknown_faces_today == 0
    assert set(hub.cameras) == {"door"}
    assert hub.cameras["door"].last_person_name is None


async def test_results_after_unloading_change_nothing(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_pool: FakePool
) -> None:
    """A result still in flight while OpenEye stops starts no timer and fires no event."""
    hub: OpenEyeHub = init_integration.runtime_data
    _person(hub)
    events = async_capture_events(hass, EVENT_FACE_RECOGNIZED)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    fake_pool.emit(recognized("door", 1, "p1"), unknown("door", 2, 0.3))
    await hass.async_block_till_done()
    assert events == []
    assert hub.statistics.recognitions_today == 0
    assert hub.gallery.unknown == {}


async def test_worker_logs_and_engine_failure(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Worker log records reach Home Assistant's log; an engine failure is one repair issue."""
    hub: OpenEyeHub = init_integration.runtime_data
    with caplog.at_level(logging.WARNING):
        fake_pool.emit(
            WorkerLog(level=logging.WARNING, message="camera door: a bad image"),
            EngineFailed(detail="illegal instruction"),
            EngineFailed(detail="again"),
        )
    issue = issue_registry.async_get_issue(DOMAIN, "engine_unavailable")
    assert issue is not None
    assert issue.translation_placeholders == {"detail": "illegal instruction"}
    assert hub.engine_error == "illegal instruction"
    assert "camera door: a bad image" in caplog.text


async def test_failed_camera_issue_is_withdrawn_when_it_streams_again(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A camera failing for long raises a repair issue that goes when frames flow again."""
    fake_pool.emit(status("door", SourceStatus.FAILED, "refused", "refused"))
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=16))
    await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(DOMAIN, "camera_failed_door")
    assert issue is not None
    assert issue.translation_key == "camera_failed"
    assert issue.translation_placeholders == {
        "camera": "Door",
        "detail": "refused",
        "minutes": "15",
    }
    fake_pool.emit(status("door", SourceStatus.STREAMING))
    assert issue_registry.async_get_issue(DOMAIN, "camera_failed_door") is None

    # A failure that heals before the delay raises nothing.
    fake_pool.emit(
        status("door", SourceStatus.RECONNECTING), status("door", SourceStatus.STREAMING)
    )
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=40))
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, "camera_failed_door") is None

    # A refused password is said so, and what to do about it.
    fake_pool.emit(status("door", SourceStatus.FAILED, "401", "unauthorized"))
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=60))
    await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(DOMAIN, "camera_failed_door")
    assert issue is not None
    assert issue.translation_key == "camera_unauthorized"


async def test_a_camera_that_goes_forgets_its_faces_and_motion(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_pool: FakePool
) -> None:
    """Faces in view and motion end when the camera stops delivering frames."""
    hub: OpenEyeHub = init_integration.runtime_data
    fake_pool.emit(MotionStarted("door", 0.0, time.time()), detected("door", 1))
    camera = hub.cameras["door"]
    assert (camera.motion, camera.faces_in_view) == (True, 1)
    fake_pool.emit(status("door", SourceStatus.RECONNECTING, "lost", "lost"))
    await hass.async_block_till_done()
    assert (camera.motion, camera.faces_in_view, camera.available) == (False, 0, False)
    assert hass.states.get("binary_sensor.door_motion").state == "unavailable"  # type: ignore[union-attr]


async def test_presence_ends_after_the_presence_time(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    freezer: FrozenDateTimeFactory,
    media_dir: Path,
) -> None:
    """A person taught through the service is present for the presence time after a sighting."""
    await _teach_astro(hass, media_dir)
    hub: OpenEyeHub = init_integration.runtime_data
    [person] = hub.gallery.people.values()
    await flush_entity_writes(hass)
    assert hass.states.get("binary_sensor.astro_presence").state == "off"  # type: ignore[union-attr]

    fake_pool.emit(recognized("door", 1, person.person_id, "Astro"))
    await flush_entity_writes(hass)
    presence = hass.states.get("binary_sensor.astro_presence")
    assert presence is not None
    assert presence.state == "on"
    assert presence.attributes["camera"] == "Door"

    # (Not flushed here: flushing fires timers two seconds ahead, the presence
    # timer's among them, while the clock still says the person is present.)
    freezer.tick(timedelta(seconds=299))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hub.is_present(person)
    assert hass.states.get("binary_sensor.astro_presence").state == "on"  # type: ignore[union-attr]
    freezer.tick(timedelta(seconds=2))
    async_fire_time_changed(hass)
    await flush_entity_writes(hass)
    assert hass.states.get("binary_sensor.astro_presence").state == "off"  # type: ignore[union-attr]


async def test_a_visit_goes_on_across_a_restart(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    media_dir: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A person still in view when OpenEye restarts is the same visit, not a second one."""
    await _teach_astro(hass, media_dir)
    hub: OpenEyeHub = init_integration.runtime_data
    [person] = hub.gallery.people.values()
    events = async_capture_events(hass, EVENT_FACE_RECOGNIZED)
    fake_pool.emit(recognized("door", 1, person.person_id, "Astro"))
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    fake_pool.streaming("door")
    freezer.tick(timedelta(minutes=1))
    fake_pool.emit(recognized("door", 1, person.person_id, "Astro"))
    await hass.async_block_till_done()
    assert len(events) == 1

    # Removed, the person's visits and presence go with them.
    await hass.services.async_call(DOMAIN, "remove_person", {"person": "Astro"}, blocking=True)
    hub = init_integration.runtime_data
    assert person.person_id not in hub.cameras["door"].last_recognised
    freezer.tick(timedelta(minutes=10))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.astro_presence") is None
