"""Tests for the hub: persistence, daily figures, live options, workers and camera health.

The worker pool is the fake of fake_pool.py, except where real processes are
the point (no worker left after a reload or an unload). A real camera that
drops and returns under Home Assistant is tested in tests/test_faults.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import logging
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.openeye import gallery_actions
from custom_components.openeye.const import (
    CONF_SOURCE_TYPE,
    CONF_TOLERANCE,
    CONF_URL,
    DOMAIN,
    SOURCE_TYPE_URL,
    SUBENTRY_CAMERA,
)
from custom_components.openeye.hub import OpenEyeHub
from custom_components.openeye.pipeline.messages import EngineFailed, SourceStatus
from custom_components.openeye.pipeline.pool import WorkerUnavailableError
from tests.faces import one_face_jpeg
from tests.fake_pool import FakePool, one_face, status, still_image
from tests.helpers import flush_entity_writes, hub_of


async def test_gallery_survives_a_restart(
    hass: HomeAssistant,
    fake_entry: MockConfigEntry,
    fake_pool: FakePool,
    hass_storage: dict[str, Any],
) -> None:
    """An acknowledged enrollment is in storage at once and loads again after a reload."""
    hub = hub_of(fake_entry)
    assert fake_pool.mock is not None
    fake_pool.mock.async_analyze_image.return_value = still_image(one_face(0.5))
    result = await hass.services.async_call(
        DOMAIN,
        "enroll_face",
        {"name": "Astronaut", "image_path": str(_face_file(hass))},
        blocking=True,
        return_response=True,
    )
    assert result is not None
    # Written before the action returned, not on a delay.
    stored = hass_storage[f"{DOMAIN}.gallery"]
    assert stored["version"] == 1
    [person] = stored["data"]["people"]
    assert person["name"] == "Astronaut"
    assert person["encodings"] == [[0.5] * 128]
    encodings = hub.gallery.people[person["id"]].encodings

    first_pool = fake_pool.mock
    assert await hass.config_entries.async_reload(fake_entry.entry_id)
    await hass.async_block_till_done()
    reloaded = hub_of(fake_entry)
    assert reloaded is not hub
    assert reloaded.gallery.people[person["id"]].encodings == encodings
    assert hass.states.get("binary_sensor.astronaut_presence") is not None
    # The new pool's workers know the person from the start.
    assert fake_pool.mock is not first_pool
    assert fake_pool.mock is not None
    fake_pool.mock.async_set_gallery.assert_awaited_once()
    [known] = fake_pool.mock.async_set_gallery.await_args.args[0].people
    assert (known.person_id, known.encodings) == (person["id"], ((0.5,) * 128,))


def _face_file(hass: HomeAssistant) -> Path:
    """Write a face photo into an allowed folder and return its path."""
    folder = Path(next(iter(hass.config.allowlist_external_dirs)))
    path = folder / "face.jpg"
    path.write_bytes(one_face_jpeg())
    return path


@pytest.fixture(autouse=True)
def _allowed_folder(media_dir: Path) -> None:
    """Every test here may read files from the media folder."""


async def test_stored_layout_is_migrated_and_checked(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    fake_pool: FakePool,
    hass_storage: dict[str, Any],
) -> None:
    """A file of an older minor layout gains its missing sections; a newer major is refused."""
    hass_storage[f"{DOMAIN}.gallery"] = {
        "version": 1,
        "minor_version": 0,
        "key": f"{DOMAIN}.gallery",
        "data": {"people": []},
    }
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    hub = hub_of(config_entry)
    assert hub.gallery.unknown == {}
    assert hub.gallery.statistics == {}
    assert await hass.config_entries.async_unload(config_entry.entry_id)

    hass_storage[f"{DOMAIN}.gallery"] = {
        "version": 2,
        "minor_version": 1,
        "key": f"{DOMAIN}.gallery",
        "data": {"people": [{"id": "x"}]},
    }
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    # The newer file is left as it was: nothing stored is lost.
    assert hass_storage[f"{DOMAIN}.gallery"]["version"] == 2
    assert hass_storage[f"{DOMAIN}.gallery"]["data"] == {"people": [{"id": "x"}]}


async def test_counters_reset_at_local_midnight_and_survive_restarts(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    fake_pool: FakePool,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Today's figures start again at local midnight and are kept across a restart."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    freezer.move_to(datetime(2026, 11, 25, 23, 59, 0, tzinfo=dt_util.get_default_time_zone()))
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    hub = hub_of(config_entry)
    hub.statistics.recognitions_today = 3
    hub.statistics.unknown_faces_today = 2
    hub.statistics.strangers_seen = {"s1", "s2"}

    # A restart before midnight keeps the day's figures.
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    hub = hub_of(config_entry)
    assert (hub.statistics.recognitions_today, hub.statistics.unknown_faces_today) == (3, 2)
    assert hub.statistics.strangers_today == 2
    await flush_entity_writes(hass)
    assert hass.states.get("sensor.openeye_recognitions_today").state == "3"

    freezer.move_to(datetime(2026, 11, 26, 0, 0, 1, tzinfo=dt_util.get_default_time_zone()))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await flush_entity_writes(hass)
    assert hass.states.get("sensor.openeye_recognitions_today").state == "0"
    assert hass.states.get("sensor.openeye_unknown_faces_today").state == "0"
    assert hass.states.get("sensor.openeye_strangers_today").state == "0"
    assert hub.statistics.day.isoformat() == "2026-11-26"
    assert await hass.config_entries.async_unload(config_entry.entry_id)


async def test_options_apply_without_restart(
    hass: HomeAssistant, fake_entry: MockConfigEntry, fake_pool: FakePool
) -> None:
    """New options reach the same workers at once, without reloading the entry."""
    hub = hub_of(fake_entry)
    pool = fake_pool.mock
    assert pool is not None
    pool.async_set_settings.assert_awaited_once_with(hub.settings)
    assert hub.settings.tolerance == 0.6
    hass.config_entries.async_update_entry(
        fake_entry, options={**fake_entry.options, CONF_TOLERANCE: 0.3}
    )
    await hass.async_block_till_done()
    assert hub_of(fake_entry) is hub
    assert fake_pool.mock is pool
    pool.async_start.assert_awaited_once()
    assert hub.settings.tolerance == 0.3
    assert pool.async_set_settings.await_count == 2
    assert pool.async_set_settings.await_args.args[0].tolerance == 0.3

    # Options that do not change the settings are not sent again.
    hass.config_entries.async_update_entry(fake_entry, options={**fake_entry.options})
    await hass.async_block_till_done()
    assert pool.async_set_settings.await_count == 2


async def _scan_file(
    hass: HomeAssistant, hub: OpenEyeHub, data: bytes | None = None
) -> dict[str, Any]:
    """Analyse a face photo through the hub's workers."""
    return await gallery_actions.async_scan(hub, data or one_face_jpeg())


async def test_camera_drop_and_return(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    caplog: pytest.LogCaptureFixture,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A camera that stops makes its entities unavailable once, with one log line, and recovers."""
    hub = hub_of(init_integration)
    camera = hub.cameras["door"]
    assert camera.available
    await flush_entity_writes(hass)
    assert hass.states.get("binary_sensor.door_motion").state != "unavailable"
    alerts = _subscribe_alerts(hass)

    caplog.set_level(logging.INFO, logger="custom_components.openeye")
    # What a worker reports while its camera is gone: reconnecting, again, then failed.
    fake_pool.emit(
        status("door", SourceStatus.RECONNECTING, "the connection was refused", "refused"),
        status("door", SourceStatus.RECONNECTING, "the connection was refused", "refused"),
        status("door", SourceStatus.FAILED, "the connection was refused", "refused"),
    )
    await hass.async_block_till_done()
    assert not camera.available
    await flush_entity_writes(hass)
    assert hass.states.get("binary_sensor.door_motion").state == "unavailable"
    assert hass.states.get("sensor.door_faces_in_view").state == "unavailable"
    assert hass.states.get("sensor.door_stream_status").state == "failed"
    assert [a["alert_type"] for a in alerts] == ["camera_down"]

    # Long failures raise a repair issue.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=16))
    await hass.async_block_till_done()
    issue_id = "camera_failed_door"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    fake_pool.streaming("door")
    await hass.async_block_till_done()
    assert camera.available
    await flush_entity_writes(hass)
    assert hass.states.get("sensor.door_stream_status").state == "streaming"
    assert hass.states.get("binary_sensor.door_motion").state != "unavailable"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    went = [r for r in caplog.records if "is unavailable" in r.getMessage()]
    back = [r for r in caplog.records if "available again" in r.getMessage()]
    assert len(went) == 1
    assert len(back) == 1


def _subscribe_alerts(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Collect the alerts the hub pushes to subscribers."""
    from homeassistant.helpers.dispatcher import async_dispatcher_connect  # noqa: PLC0415

    from custom_components.openeye.signals import SIGNAL_PUSH, Push  # noqa: PLC0415

    alerts: list[dict[str, Any]] = []

    def _push(push: Push) -> None:
        if push.kind == "alert" and push.message is not None:
            alerts.append(dict(push.message))

    async_dispatcher_connect(hass, SIGNAL_PUSH, _push)
    return alerts


async def test_camera_added_while_unreachable_recovers(
    hass: HomeAssistant, fake_entry: MockConfigEntry, fake_pool: FakePool
) -> None:
    """A camera that is down when added does not hold the rest of OpenEye back."""
    url = "http://127.0.0.1:9/video.mjpg"
    hass.config_entries.async_add_subentry(
        fake_entry,
        ConfigSubentry(
            data={CONF_SOURCE_TYPE: SOURCE_TYPE_URL, CONF_URL: url},
            subentry_type=SUBENTRY_CAMERA,
            title="Porch",
            unique_id=url,
        ),
    )
    await hass.async_block_till_done()
    hub = hub_of(fake_entry)
    [camera] = hub.cameras.values()
    assert fake_pool.added_cameras == [camera.camera_id]
    fake_pool.emit(status(camera.camera_id, SourceStatus.RECONNECTING, "refused", "refused"))
    await hass.async_block_till_done()
    assert camera.status is SourceStatus.RECONNECTING
    # The rest works: statistics and still images.
    assert hub.statistics_snapshot()["cameras"][0]["status"] == "reconnecting"
    assert (await _scan_file(hass, hub))["faces"]
    fake_pool.streaming(camera.camera_id)
    await hass.async_block_till_done()
    assert camera.available
    assert hub.statistics_snapshot()["cameras"][0]["status"] == "streaming"


async def test_engine_that_cannot_load_raises_a_repair_issue(
    hass: HomeAssistant,
    fake_entry: MockConfigEntry,
    fake_pool: FakePool,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Model files missing in the worker: a repair issue, and clear errors instead of hangs."""
    hub = hub_of(fake_entry)
    assert fake_pool.mock is not None
    detail = "the shape predictor is missing"
    # What the pool does once a worker found that the engine cannot load
    # (tests/pipeline/test_pool.py): it reports it once and refuses work.
    fake_pool.mock.async_analyze_image.side_effect = WorkerUnavailableError(
        f"The face engine cannot load: {detail}"
    )
    fake_pool.emit(EngineFailed(detail))
    await hass.async_block_till_done()

    with pytest.raises(HomeAssistantError) as err:
        await _scan_file(hass, hub)
    assert err.value.translation_key == "analysis_failed"
    issue = issue_registry.async_get_issue(DOMAIN, "engine_unavailable")
    assert issue is not None
    assert issue.translation_key == "engine_unavailable"
    assert issue.translation_placeholders == {"detail": detail}
    assert hub.engine_error == detail
