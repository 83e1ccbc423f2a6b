"""Real frames through real workers into entities, bus events and a websocket subscriber.

The Hamilton clip plays as a looping camera at its own frame rate, as a live
camera would deliver it; the gallery holds the two reference photos.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
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
    EVENT_MOTION_DETECTED,
    EVENT_UNKNOWN_FACE,
    SOURCE_TYPE_URL,
    SUBENTRY_CAMERA,
)
from custom_components.openeye.hub import OpenEyeHub
from tests.media import MEDIA, media, requires_media

LIN = "Lin-Manuel Miranda"
ALEX = "Alex Lacamoire"


async def _wait_for(condition: Callable[[], Any], timeout: float = 45.0) -> Any:  # noqa: ANN401
    """Wait until ``condition()`` is truthy while Home Assistant runs; return its value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := condition()):
        assert loop.time() < deadline, "the awaited result did not arrive in time"
        await asyncio.sleep(0.1)
    return value


@requires_media
async def test_clip_drives_entities_events_and_subscribers(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> None:
    """Lin-Manuel Miranda is recognised, the stranger is unknown, Alex is never reported."""
    hass.config.allowlist_external_dirs = {str(MEDIA)}
    hub: OpenEyeHub = loaded_entry.runtime_data
    for name, photo in ((LIN, "lin-manuel-miranda.png"), (ALEX, "alex-lacamoire.png")):
        await hass.services.async_call(
            DOMAIN, "enroll_face", {"name": name, "image_path": str(media(photo))}, blocking=True
        )
    recognized = async_capture_events(hass, EVENT_FACE_RECOGNIZED)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    motion = async_capture_events(hass, EVENT_MOTION_DETECTED)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "openeye/subscribe"})
    assert (await client.receive_json())["success"]

    clip = str(media("short_hamilton_clip.mp4"))
    hass.config_entries.async_add_subentry(
        loaded_entry,
        ConfigSubentry(
            data={CONF_SOURCE_TYPE: SOURCE_TYPE_URL, CONF_URL: clip},
            subentry_type=SUBENTRY_CAMERA,
            title="Stage",
            unique_id=clip,
        ),
    )
    await _wait_for(lambda: recognized and unknown)
    await hass.async_block_till_done()

    event = recognized[0].data
    assert event["person_name"] == LIN
    assert event["camera_name"] == "Stage"
    assert 0.5 <= event["confidence"] <= 1
    assert event["distance"] <= 0.6
    assert event["camera_entity_id"] is None
    assert event["image_url"].startswith("/api/image_proxy/image.stage_latest_face?token=")
    top, right, bottom, left = event["box"]
    assert 0 <= left < right <= 640
    assert 0 <= top < bottom <= 360
    assert all(e.data["person_name"] != ALEX for e in recognized)
    assert unknown[0].data["unknown_face_id"] in hub.gallery.unknown
    assert motion

    # Entities follow, pushed by the hub.
    assert int(hass.states.get("sensor.openeye_recognitions_today").state) >= 1
    assert hass.states.get("sensor.openeye_last_recognized_person").state == LIN
    assert hass.states.get("sensor.stage_stream_status").state == "streaming"
    assert hass.states.get("binary_sensor.lin_manuel_miranda_presence").state == "on"
    assert hass.states.get("binary_sensor.alex_lacamoire_presence").state == "off"
    assert hass.states.get("sensor.lin_manuel_miranda_last_seen").attributes["camera"] == "Stage"
    assert hass.states.get("image.stage_latest_face").state != "unknown"
    face_event = hass.states.get("event.stage_face_event")
    assert face_event.attributes["event_type"] in (
        "face_recognized",
        "unknown_face",
        "motion_detected",
    )

    # The subscriber saw the recognition and the counter move.
    seen: dict[str, Any] = {}
    while "recognition" not in seen or "counted" not in seen:
        message = (await client.receive_json())["event"]
        if message["type"] == "camera_event" and message["event_type"] == "face_recognized":
            assert message["data"]["person_name"] == LIN
            assert message["camera"]["name"] == "Stage"
            seen["recognition"] = message
        if message["type"] == "statistics_update" and (
            message["statistics"]["recognitions_today"] >= 1
        ):
            seen["counted"] = message

    # The stranger can be taught from the stored unknown face.
    unknown_id = unknown[0].data["unknown_face_id"]
    await client.send_json_auto_id(
        {"type": "openeye/unknown/assign", "unknown_id": unknown_id, "name": "Stranger"}
    )
    assigned = await _wait_for_result(client)
    assert assigned["result"]["created"] is True
    assert unknown_id not in hub.gallery.unknown
    assert {person.name for person in hub.gallery.people.values()} == {LIN, ALEX, "Stranger"}


async def _wait_for_result(client: Any) -> dict[str, Any]:  # noqa: ANN401
    """Skip subscription events until the next command result arrives."""
    while True:
        message: dict[str, Any] = await client.receive_json()
        if message["type"] == "result":
            return message
