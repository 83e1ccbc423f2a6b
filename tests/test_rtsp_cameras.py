"""RTSP cameras as users meet them in Home Assistant, against a real RTSP server.

GStreamer's RTSP server (tests/rtsp_camera.py) serves the astronaut's video
on 127.0.0.1; OpenEye reads it in real worker processes, and everything is
checked through Home Assistant: the add-camera form, entities, the repair
issue, diagnostics, pushes and logs. tests/pipeline/test_rtsp.py covers the
codecs, transports and back-off below Home Assistant.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
import json
import logging
from pathlib import Path
import time
from typing import Any

from homeassistant.components.camera import DATA_COMPONENT as CAMERA_COMPONENT
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.openeye.camera_health import CAMERA_FAILED_ISSUE_AFTER
from custom_components.openeye.const import (
    CONF_CAMERA_ENTITY_ID,
    CONF_URL,
    DOMAIN,
    EVENT_FACE_RECOGNIZED,
    SUBENTRY_CAMERA,
)
from custom_components.openeye.pipeline.settings import SourceSettings
from custom_components.openeye.pipeline.sources import WATCHDOG_GRACE
from tests.faces import one_face_jpeg
from tests.helpers import camera_entry, flush_entity_writes, hub_of, start_camera_reconfigure
from tests.rtsp_camera import EncodedStreams, RtspCamera

type StartCamera = Callable[..., RtspCamera]

USER = "viewer"
# Every password here ends in "Pa55", which is looked for in everything users see.
PASSWORD = "s3cret-Pa55"  # noqa: S105 - the test camera's password
WRONG_PASSWORD = "wrong-Pa55"  # noqa: S105
NEW_PASSWORD = "n3w-Pa55"  # noqa: S105
SECRET = "Pa55"  # noqa: S105 - what the three passwords have in common
ASTRONAUT = "Eileen Collins"
TRANSLATIONS = Path(__file__).parents[1] / "custom_components/openeye/translations/en.json"
# What a user is promised: a stream that returns is read again within 5 s.
BACK_WITHIN = 5.0


async def _wait_for(condition: Callable[[], Any], timeout: float = 60.0) -> float:
    """Wait until ``condition()`` holds while Home Assistant runs; return the seconds it took."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not condition():
        assert loop.time() - started < timeout, "the awaited state did not come in time"
        await asyncio.sleep(0.05)
    return loop.time() - started


async def _teach_the_astronaut(hass: HomeAssistant, media_dir: Path) -> None:
    """Teach OpenEye the astronaut's face from a photo."""
    photo = media_dir / "eileen.jpg"
    photo.write_bytes(one_face_jpeg())
    await hass.services.async_call(
        DOMAIN, "enroll_face", {"name": ASTRONAUT, "image_path": str(photo)}, blocking=True
    )


async def _url_form(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Open the add-camera flow at its stream address form; return the flow id."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CAMERA), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "url"}
    )
    return str(result["flow_id"])


async def test_an_rtsp_camera_is_added_in_the_form_and_recognises_a_taught_face(  # noqa: PLR0917 - fixtures
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
    socket_enabled: None,
    rtsp_camera: StartCamera,
    rtsp_streams: EncodedStreams,
) -> None:
    """An H.265 camera with digest authentication: a wrong password says so, the right one works."""
    camera = rtsp_camera(
        {"door": rtsp_streams.astronaut("h265")}, auth="digest", user=USER, password=PASSWORD
    )
    await _teach_the_astronaut(hass, media_dir)
    recognized = async_capture_events(hass, EVENT_FACE_RECOGNIZED)

    flow_id = await _url_form(hass, loaded_entry)
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Door", CONF_URL: camera.url("door", password=WRONG_PASSWORD)}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: "invalid_auth"}
    assert SECRET not in str(result)
    message = json.loads(TRANSLATIONS.read_text())["config_subentries"]["camera"]["error"]
    assert "refused the user name or password" in message["invalid_auth"]

    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Door", CONF_URL: camera.url("door")}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_URL] == camera.url("door")
    await _wait_for(lambda: recognized)
    assert recognized[0].data["person_name"] == ASTRONAUT
    assert recognized[0].data["camera_name"] == "Door"
    await flush_entity_writes(hass)
    assert hass.states.get("sensor.door_stream_status").state == "streaming"


async def test_a_changed_password_shows_in_the_status_and_repair_and_never_anywhere_else(  # noqa: PLR0917 - fixtures
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    socket_enabled: None,
    rtsp_camera: StartCamera,
    rtsp_streams: EncodedStreams,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The camera's password is changed on the camera: OpenEye says so, and no password leaks.

    The stream status sensor gets the reason ``unauthorized``; the repair
    issue raised after 15 minutes says the password was refused. Neither
    password appears in the logs, states, diagnostics, pushes, ids or forms.
    """
    caplog.set_level(logging.DEBUG)
    assert await async_setup_component(hass, "diagnostics", {})
    camera = rtsp_camera(
        {"door": rtsp_streams.astronaut("h264")}, auth="basic", user=USER, password=PASSWORD
    )
    entry = camera_entry(camera.url("door"))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "openeye/subscribe"})
    assert (await client.receive_json())["success"]
    [state] = hub_of(entry).cameras.values()
    await _wait_for(lambda: state.available)

    camera.change_password(NEW_PASSWORD)
    camera.drop()
    await _wait_for(lambda: state.status_reason == "unauthorized", timeout=30)
    await flush_entity_writes(hass)
    status = hass.states.get("sensor.door_stream_status")
    assert status.state in {"reconnecting", "failed"}
    assert status.attributes["reason"] == "unauthorized"
    assert hass.states.get("binary_sensor.door_motion").state == "unavailable"

    async_fire_time_changed(hass, dt_util.utcnow() + CAMERA_FAILED_ISSUE_AFTER + timedelta(1))
    await hass.async_block_till_done()
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"camera_failed_{state.camera_id}")
    assert issue is not None
    assert issue.translation_key == "camera_unauthorized"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["camera"] == "Door"

    # Everything a user, an integration or a support request can see.
    pushes = []
    while True:
        try:
            async with asyncio.timeout(0.5):
                pushes.append(await client.receive_json())
        except TimeoutError:
            break
    assert any(p["event"]["type"] == "alert" for p in pushes), "the camera going was pushed"
    subentry = next(iter(entry.subentries.values()))
    reconfigure = await start_camera_reconfigure(hass, entry, subentry.subentry_id)
    seen = {
        "logs": caplog.text,
        "states": repr(hass.states.async_all()),
        "diagnostics": json.dumps(await get_diagnostics_for_config_entry(hass, hass_client, entry)),
        "pushes": json.dumps(pushes),
        "ids": repr(
            [
                subentry.unique_id,
                [
                    (e.entity_id, e.unique_id)
                    for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
                ],
                [
                    d.identifiers
                    for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
                ],
            ]
        ),
        "repair": repr(issue),
        "form": repr(reconfigure),
    }
    assert {where: SECRET in text for where, text in seen.items()} == dict.fromkeys(seen, False)
    assert "127.0.0.1" in seen["logs"] or "Door" in seen["logs"], "the logs were captured"
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.long
async def test_a_stalled_or_restarted_server_goes_unavailable_on_time_and_comes_back_within_5_s(
    hass: HomeAssistant,
    socket_enabled: None,
    rtsp_camera: StartCamera,
    rtsp_streams: EncodedStreams,
) -> None:
    """With the settings users have: the watchdog time for a stall, 5 s to come back each time.

    The stall is noticed by the read timeout (10 s), which the watchdog backs
    up one second later; a server that restarts is noticed at once.
    """
    camera = rtsp_camera(
        {"door": rtsp_streams.astronaut("h264")}, auth="digest", user=USER, password=PASSWORD
    )
    entry = camera_entry(camera.url("door"))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    [state] = hub_of(entry).cameras.values()
    await _wait_for(lambda: state.available)

    camera.stall()
    read_timeout = SourceSettings().read_timeout
    seconds = await _wait_for(lambda: not state.available, timeout=3 * read_timeout)
    assert read_timeout - 1 < seconds < read_timeout + WATCHDOG_GRACE + 1
    await flush_entity_writes(hass)
    assert hass.states.get("sensor.door_stream_status").attributes["reason"] == "timeout"
    assert hass.states.get("sensor.door_faces_in_view").state == "unavailable"
    camera.resume()
    assert await _wait_for(lambda: state.available, timeout=30) < BACK_WITHIN

    camera.stop()
    await _wait_for(lambda: not state.available, timeout=10)
    await asyncio.sleep(2.0)  # The server is away for a while, as a rebooting camera is.
    restarted = time.monotonic()
    camera.start()
    await _wait_for(lambda: state.available, timeout=30)
    assert time.monotonic() - restarted < BACK_WITHIN
    await flush_entity_writes(hass)
    assert hass.states.get("sensor.door_stream_status").state == "streaming"
    assert await hass.config_entries.async_unload(entry.entry_id)


# The form asks for a snapshot first; the generic camera, having no still
# image, has Home Assistant's own stream take one, and that stream keeps an
# idle timer of five minutes that outlives the test: Home Assistant's, not OpenEye's.
@pytest.mark.parametrize("expected_lingering_timers", [True])
async def test_a_generic_camera_entity_is_read_from_its_rtsp_stream_not_its_snapshots(  # noqa: PLR0917 - fixtures
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
    socket_enabled: None,
    rtsp_camera: StartCamera,
    rtsp_streams: EncodedStreams,
    monkeypatch: pytest.MonkeyPatch,
    expected_lingering_timers: bool,
) -> None:
    """Home Assistant's own generic camera, with its stream source and password: read directly.

    The generic camera keeps the user name and password in fields of its
    own and adds them to the address it gives as its stream source; OpenEye's
    worker opens that address itself. No snapshot is asked of the camera.
    """
    camera = rtsp_camera(
        {"porch": rtsp_streams.astronaut("h264")}, auth="digest", user=USER, password=PASSWORD
    )
    generic = MockConfigEntry(
        domain="generic",
        title="Porch",
        options={
            "stream_source": camera.url("porch", user=""),
            "username": USER,
            "password": PASSWORD,
            "authentication": "digest",
            "framerate": 2,
            "content_type": "image/jpeg",
            "verify_ssl": False,
            "limit_refetch_to_url_change": False,
        },
    )
    generic.add_to_hass(hass)
    assert await hass.config_entries.async_setup(generic.entry_id)
    await hass.async_block_till_done()
    entity = hass.data[CAMERA_COMPONENT].get_entity("camera.porch")
    assert entity is not None
    assert await entity.stream_source() == camera.url("porch")
    await _teach_the_astronaut(hass, media_dir)
    recognized = async_capture_events(hass, EVENT_FACE_RECOGNIZED)

    result = await hass.config_entries.subentries.async_init(
        (loaded_entry.entry_id, SUBENTRY_CAMERA), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "camera_entity"}
    )
    snapshots: list[float] = []
    original = entity.async_camera_image

    async def counted(width: int | None = None, height: int | None = None) -> bytes | None:
        """Count the snapshots asked of the camera, and take them."""
        snapshots.append(time.monotonic())
        return await original(width, height)

    monkeypatch.setattr(entity, "async_camera_image", counted)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Porch", CONF_CAMERA_ENTITY_ID: "camera.porch"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    added = len(snapshots)  # The form tried a snapshot first, which has none to give.
    await _wait_for(lambda: recognized)
    assert recognized[0].data["camera_entity_id"] == "camera.porch"
    assert len(snapshots) == added, "OpenEye read the stream, not snapshots"
    assert any(s["path"].startswith("/porch") for s in camera.sessions())
    assert await hass.config_entries.async_unload(generic.entry_id)
