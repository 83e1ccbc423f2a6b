"""The hub's handling of worker results: visits, strangers, late results, repairs.

Results are the pipeline's own messages, as a worker sends them; the
encodings are plain vectors, since the hub only compares them.
"""

from __future__ import annotations

from datetime import timedelta
import time

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.openeye.const import (
    DOMAIN,
    EVENT_FACE_RECOGNIZED,
    EVENT_UNKNOWN_FACE,
)
from custom_components.openeye.gallery_store import Person
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
    WorkerReady,
)
from tests.helpers import camera_entry


async def _hub(hass: HomeAssistant) -> tuple[MockConfigEntry, OpenEyeHub]:
    """Set up OpenEye with one camera whose address never answers."""
    entry = camera_entry("rtsp://192.0.2.1/door", subentry_id="door")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    hub: OpenEyeHub = entry.runtime_data
    hub._handle_result(SourceStatusChanged("door", 0.0, time.time(), status=SourceStatus.STREAMING))
    return entry, hub


def _person(hub: OpenEyeHub, person_id: str = "p1", name: str = "Eileen") -> Person:
    """Put a person straight into the gallery, as an enrollment would."""
    person = Person(person_id, name, [[0.0] * 128], b"\xff\xd8", dt_util.utcnow())
    hub.gallery.people[person_id] = person
    return person


def _recognized(track_id: int, person_id: str = "p1", name: str = "Eileen") -> FaceRecognized:
    """Return a recognition of a person, now."""
    return FaceRecognized(
        "door",
        1.0,
        time.time(),
        track_id=track_id,
        person_id=person_id,
        person_name=name,
        best_distance=0.3,
        mean_distance=0.35,
        confidence=0.71,
        box=(10, 60, 60, 10),
        crop_jpeg=b"\xff\xd8crop",
    )


def _unknown(track_id: int, value: float) -> UnknownFace:
    """Return an unknown face whose encoding is ``value`` everywhere."""
    return UnknownFace(
        "door",
        1.0,
        time.time(),
        track_id=track_id,
        best_distance=0.9,
        box=(10, 60, 60, 10),
        encoding=(value,) * 128,
        crop_jpeg=b"\xff\xd8crop",
    )


async def test_a_visit_counts_once(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Tracks of the same person within the presence time are one recognition."""
    entry, hub = await _hub(hass)
    _person(hub)
    events = async_capture_events(hass, EVENT_FACE_RECOGNIZED)
    hub._handle_result(FaceDetected("door", 0.5, time.time(), track_id=1, box=(1, 2, 3, 0)))
    hub._handle_result(_recognized(1))
    hub._handle_result(FaceLost("door", 2.0, time.time(), track_id=1, person_id="p1"))
    hub._handle_result(_recognized(2))
    await hass.async_block_till_done()
    assert len(events) == 1
    assert hub.statistics.recognitions_today == 1
    assert hub.cameras["door"].faces_in_view == 1

    freezer.tick(timedelta(seconds=301))
    hub._handle_result(_recognized(3))
    await hass.async_block_till_done()
    assert len(events) == 2
    assert hub.statistics.recognitions_today == 2
    assert hub.statistics.last_recognition is not None
    assert hub.statistics.last_recognition.confidence == 0.71
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_the_same_stranger_counts_once(hass: HomeAssistant) -> None:
    """An unknown face close to one stored within the presence time is the same stranger."""
    entry, hub = await _hub(hass)
    events = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    hub._handle_result(_unknown(1, 0.10))
    hub._handle_result(_unknown(2, 0.11))  # 0.11 from the first: the same face
    hub._handle_result(_unknown(3, 0.50))  # 4.5 away: somebody else
    await hass.async_block_till_done()
    assert len(events) == 2
    assert len(hub.gallery.unknown) == 2
    assert hub.statistics.unknown_faces_today == 2
    assert hub.cameras["door"].latest_face is not None
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_stranger_who_keeps_coming_back_is_one_visit(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Each sighting within the presence time extends the stranger's visit, as for a person."""
    entry, hub = await _hub(hass)
    events = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    # Every four minutes, one minute less than the presence time of five.
    for _ in range(4):
        hub._handle_result(_unknown(1, 0.10))
        freezer.tick(timedelta(minutes=4))
    await hass.async_block_till_done()
    assert len(events) == 1
    assert hub.statistics.unknown_faces_today == 1

    # Away for longer than the presence time: a new visit.
    freezer.tick(timedelta(minutes=2))
    hub._handle_result(_unknown(2, 0.10))
    await hass.async_block_till_done()
    assert len(events) == 2
    assert len(hub.gallery.unknown) == 2

    # A stranger taught or purged meanwhile is forgotten with the record.
    hub.gallery.unknown.clear()
    hub._handle_result(_unknown(3, 0.10))
    await hass.async_block_till_done()
    assert len(events) == 3
    assert set(hub._stranger_seen) <= set(hub.gallery.unknown)
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_late_results_are_ignored(hass: HomeAssistant) -> None:
    """Results for a removed camera or a removed person change nothing and raise nothing."""
    entry, hub = await _hub(hass)
    now = time.time()
    for result in (
        SourceStatusChanged("gone", 0.0, now, status=SourceStatus.STREAMING),
        MotionStarted("gone", 0.0, now),
        FaceDetected("gone", 0.0, now, track_id=1),
        FaceRecognized("gone", 0.0, now, track_id=1, person_id="p1"),
        UnknownFace("gone", 0.0, now, track_id=1),
        FaceLost("gone", 0.0, now, track_id=1),
        Figures("gone", 0.0, now),
        WorkerReady(pid=1),
        _recognized(1, person_id="removed"),
    ):
        hub._handle_result(result)
    await hass.async_block_till_done()
    assert hub.statistics.recognitions_today == 0
    assert hub.statistics.unknown_faces_today == 0
    assert set(hub.cameras) == {"door"}
    assert hub.cameras["door"].last_person_name is None
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_worker_logs_and_engine_failure(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry, caplog: object
) -> None:
    """Worker log records reach Home Assistant's log; an engine failure is one repair issue."""
    entry, hub = await _hub(hass)
    hub._handle_result(WorkerLog(level=30, message="camera door: a bad image"))
    hub._handle_result(EngineFailed(detail="illegal instruction"))
    hub._handle_result(EngineFailed(detail="again"))
    issue = issue_registry.async_get_issue(DOMAIN, "engine_unavailable")
    assert issue is not None
    assert issue.translation_placeholders == {"detail": "illegal instruction"}
    assert hub.engine_error == "illegal instruction"
    assert "camera door: a bad image" in caplog.text  # type: ignore[attr-defined]
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_failed_camera_issue_is_withdrawn_when_it_streams_again(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry
) -> None:
    """A camera failing for long raises a repair issue that goes when frames flow again."""
    entry, hub = await _hub(hass)
    now = time.time()
    hub._handle_result(
        SourceStatusChanged("door", 1.0, now, status=SourceStatus.FAILED, detail="refused")
    )
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=16))
    await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(DOMAIN, "camera_failed_door")
    assert issue is not None
    assert issue.translation_placeholders == {
        "camera": "Door",
        "detail": "refused",
        "minutes": "15",
    }
    hub._handle_result(SourceStatusChanged("door", 2.0, now, status=SourceStatus.STREAMING))
    assert issue_registry.async_get_issue(DOMAIN, "camera_failed_door") is None

    # A failure that heals before the delay raises nothing.
    hub._handle_result(SourceStatusChanged("door", 3.0, now, status=SourceStatus.RECONNECTING))
    hub._handle_result(SourceStatusChanged("door", 4.0, now, status=SourceStatus.STREAMING))
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=40))
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, "camera_failed_door") is None
    assert await hass.config_entries.async_unload(entry.entry_id)
