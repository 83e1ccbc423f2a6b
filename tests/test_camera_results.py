"""A camera from first stranger to taught friend, with no shared media needed.

A looping video shows the astronaut's face (scikit-image's photo) for two
seconds, then an empty scene. With an empty gallery the face is unknown; once
it is taught from the stored unknown face, its next appearance is recognised.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.openeye.const import (
    CONF_SOURCE_TYPE,
    CONF_URL,
    DOMAIN,
    EVENT_FACE_RECOGNIZED,
    EVENT_UNKNOWN_FACE,
    SOURCE_TYPE_URL,
    SUBENTRY_CAMERA,
)
from custom_components.openeye.hub import OpenEyeHub
from tests.faces import write_face_video
from tests.helpers import flush_entity_writes


async def _wait_for(condition: Callable[[], Any], timeout: float = 40.0) -> Any:  # noqa: ANN401
    """Wait until ``condition()`` is truthy while Home Assistant runs; return its value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := condition()):
        assert loop.time() < deadline, "the awaited result did not arrive in time"
        await asyncio.sleep(0.1)
    return value


async def test_unknown_face_taught_then_recognised(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Unknown first, then recognised after teaching; events, entities and pushes follow."""
    video = media_dir / "porch.mp4"
    write_face_video(str(video), frames=20, fps=10, absent_frames=20)
    hub: OpenEyeHub = loaded_entry.runtime_data
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    recognized = async_capture_events(hass, EVENT_FACE_RECOGNIZED)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "openeye/subscribe", "event_types": ["camera_event", "alert"]}
    )
    assert (await client.receive_json())["success"]
    assert (await client.receive_json())["event"]["type"] == "connection_status"

    hass.config_entries.async_add_subentry(
        loaded_entry,
        ConfigSubentry(
            data={CONF_SOURCE_TYPE: SOURCE_TYPE_URL, CONF_URL: str(video)},
            subentry_type=SUBENTRY_CAMERA,
            title="Porch",
            unique_id=str(video),
        ),
    )
    await _wait_for(lambda: unknown)
    data = unknown[0].data
    assert data["camera_name"] == "Porch"
    assert data["person_name"] is None
    assert data["distance"] is None  # nobody is taught yet
    assert data["image_url"].startswith("/api/image_proxy/image.porch_latest_face")
    await flush_entity_writes(hass)
    assert hass.states.get("sensor.openeye_unknown_faces_today").state == "1"
    event_state = hass.states.get("event.porch_face_event")
    assert event_state.attributes["event_type"] in ("unknown_face", "motion_detected")

    # The stranger was pushed to the subscriber once, as an alert.
    kinds: set[tuple[str, str]] = set()
    while ("camera_event", "unknown_face") not in kinds:
        event = (await client.receive_json())["event"]
        kinds.add((event["type"], event.get("alert_type") or event.get("event_type")))
        if event["type"] == "camera_event" and event["event_type"] == "unknown_face":
            assert event["data"]["alert"] is True
            # The push carries this very face, not just the camera's latest.
            assert base64.b64decode(event["data"]["thumbnail"]).startswith(b"\xff\xd8")
    assert ("camera_event", "face_detected") in kinds
    assert ("alert", "unknown_face") not in kinds

    # Teach the stored unknown face; it is no longer offered as unknown.
    await hass.services.async_call(
        DOMAIN,
        "enroll_face",
        {"name": "Eileen", "unknown_face_id": data["unknown_face_id"]},
        blocking=True,
    )
    assert data["unknown_face_id"] not in hub.gallery.unknown

    await _wait_for(lambda: recognized)
    assert recognized[0].data["person_name"] == "Eileen"
    await flush_entity_writes(hass)
    assert hass.states.get("sensor.porch_last_recognized_person").state == "Eileen"
    assert hass.states.get("binary_sensor.eileen_presence").state == "on"
    assert hass.states.get("sensor.openeye_recognitions_today").state == "1"
    last = hass.states.get("sensor.openeye_last_recognition")
    assert last.attributes["person"] == "Eileen"
    assert last.attributes["camera"] == "Porch"
    image = await hass.data["image"].get_entity("image.porch_latest_face").async_image()
    assert image.startswith(b"\xff\xd8")

    # Seen again within the presence time: the same visit, counted once.
    visits = len(recognized)
    await asyncio.sleep(4.5)
    assert len(recognized) == visits
    assert hub.statistics.recognitions_today == 1
    assert hass.states.get("sensor.porch_stream_status").state == "streaming"

    # Purging leaves no unknown face behind.
    response = await hass.services.async_call(
        DOMAIN, "purge_unknown_faces", {"older_than_days": 0}, blocking=True, return_response=True
    )
    assert response == {"removed": len(unknown) - 1}
    assert hub.gallery.unknown == {}
