"""Tests for live subscriptions: filters, coalescing and surviving a reload.

Results are emitted by the fake worker pool (fake_pool.py) exactly as a worker
delivers them (the messages of the pipeline), so everything from the hub to
the websocket client is real.
"""

from __future__ import annotations

import time
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.openeye.const import (
    CONF_SOURCE_TYPE,
    CONF_URL,
    DOMAIN,
    OPTION_DEFAULTS,
    SOURCE_TYPE_URL,
    SUBENTRY_CAMERA,
)
from custom_components.openeye.pipeline.messages import (
    FaceDetected,
    FaceLost,
    Figures,
    MotionEnded,
    MotionStarted,
    SourceStatus,
    SourceStatusChanged,
)
from tests.fake_pool import FakePool


def _entry(*cameras: str) -> MockConfigEntry:
    """Return an entry with cameras reading addresses that do not answer."""
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id=DOMAIN,
        options=dict(OPTION_DEFAULTS),
        subentries_data=[
            ConfigSubentryData(
                data={CONF_SOURCE_TYPE: SOURCE_TYPE_URL, CONF_URL: f"rtsp://192.0.2.1/{name}"},
                subentry_id=name,
                subentry_type=SUBENTRY_CAMERA,
                title=name.title(),
                unique_id=name,
            )
            for name in cameras
        ],
    )


async def _next_event(client: Any) -> dict[str, Any]:  # noqa: ANN401
    """Return the next subscription event."""
    message: dict[str, Any] = await client.receive_json()
    assert message["type"] == "event"
    event: dict[str, Any] = message["event"]
    return event


async def test_camera_filter_and_coalescing(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, fake_pool: FakePool
) -> None:
    """A subscriber to one camera gets only its events, and statistics at most every 250 ms."""
    entry = _entry("front", "back")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "openeye/subscribe", "camera_ids": ["front"]})
    assert (await client.receive_json())["success"]
    assert (await _next_event(client))["type"] == "connection_status"
    snapshot = await _next_event(client)
    assert [c["camera_id"] for c in snapshot["statistics"]["cameras"]] == ["front"]

    now = time.time()
    for camera_id in ("back", "front"):
        fake_pool.emit(
            SourceStatusChanged(camera_id, 0.0, now, status=SourceStatus.STREAMING),
            MotionStarted(camera_id, 0.1, now),
            FaceDetected(camera_id, 0.2, now, track_id=1, box=(10, 60, 60, 10)),
            Figures(camera_id, 1.0, now, frames_analysed=5, analysis_rate=5.0, detections=2),
            FaceLost(camera_id, 2.0, now, track_id=1, duration=1.8),
            MotionEnded(camera_id, 3.0, now),
        )

    events: list[dict[str, Any]] = []
    while len([e for e in events if e["type"] == "camera_event"]) < 2:
        events.append(await _next_event(client))
    camera_events = [e for e in events if e["type"] == "camera_event"]
    assert [e["event_type"] for e in camera_events] == ["motion_detected", "face_detected"]
    assert {e["camera"]["camera_id"] for e in camera_events} == {"front"}
    assert camera_events[1]["data"] == {"track_id": 1, "box": [10, 60, 60, 10]}

    # Twelve changes produced at most a few statistics messages, each current.
    statistics = [e for e in events if e["type"] == "statistics_update"]
    latest = await _next_event(client)
    while latest["type"] != "statistics_update":
        latest = await _next_event(client)
    statistics.append(latest)
    assert 1 <= len(statistics) <= 3
    [front] = latest["statistics"]["cameras"]
    assert front == {
        "camera_id": "front",
        "name": "Front",
        "status": "streaming",
        "faces_in_view": 0,
        "motion": False,
        "last_person": None,
    }
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_subscription_outlives_a_reload(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, fake_pool: FakePool
) -> None:
    """A dashboard stays subscribed while the entry reloads, and hears the new hub."""
    entry = _entry("front")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "openeye/subscribe", "event_types": ["camera_event", "alert"]}
    )
    assert (await client.receive_json())["success"]
    assert (await _next_event(client))["type"] == "connection_status"

    assert await hass.config_entries.async_reload(entry.entry_id)
    now = time.time()
    fake_pool.emit(
        SourceStatusChanged("front", 0.0, now, status=SourceStatus.STREAMING),
        SourceStatusChanged("front", 1.0, now, status=SourceStatus.RECONNECTING, detail="gone"),
    )
    alert = await _next_event(client)
    assert alert["type"] == "alert"
    assert alert["alert_type"] == "camera_down"
    assert alert["camera"] == {"camera_id": "front", "name": "Front"}
    assert "gone" in alert["message"]
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_statistics_while_unloaded_are_skipped(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, fake_pool: FakePool
) -> None:
    """A subscriber keeps its connection while OpenEye is unloaded and hears it come back."""
    entry = _entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "openeye/subscribe"})
    assert (await client.receive_json())["success"]
    assert (await _next_event(client))["type"] == "connection_status"
    assert (await _next_event(client))["type"] == "statistics_update"
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # A second subscriber changes who is watching, which is in the statistics.
    other = await hass_ws_client(hass)
    await other.send_json_auto_id({"type": "openeye/subscribe", "event_types": ["alert"]})
    assert (await other.receive_json())["success"]
    update = await _next_event(client)
    while update["type"] != "statistics_update":
        update = await _next_event(client)
    assert update["statistics"]["known_people"] == 0
    await client.send_json_auto_id({"type": "openeye/statistics"})
    result = await client.receive_json()
    while result["type"] != "result":
        result = await client.receive_json()
    assert result["result"]["watching"] == {"subscriptions": 2, "users": 1}
    assert await hass.config_entries.async_unload(entry.entry_id)
