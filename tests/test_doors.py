"""Every fact leaves through every door at once, complete and in order, in one shape.

The doors are the event on Home Assistant's bus, the camera's event entity
and the websocket push; the announcer derives all three from one fact. The
worker pool is the fake of fake_pool.py.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import Event, HomeAssistant, State, callback
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.openeye.const import (
    EVENT_FACE_RECOGNIZED,
    EVENT_MOTION_DETECTED,
    EVENT_UNKNOWN_FACE,
)
from custom_components.openeye.gallery_records import Person
from custom_components.openeye.hub import OpenEyeHub
from custom_components.openeye.pipeline.messages import Figures
from tests.fake_pool import FakePool, detected, lost, motion, recognized, unknown

EVENT_ENTITY = "event.door_face_event"
PEOPLE = 12


def _teach(hub: OpenEyeHub, count: int) -> list[str]:
    """Put ``count`` people straight into the gallery, as enrollments would; return their ids."""
    ids = [f"p{index}" for index in range(count)]
    for person_id in ids:
        hub.gallery.people[person_id] = Person(
            person_id, f"Person {person_id}", [[0.0] * 128], b"\xff\xd8", dt_util.utcnow()
        )
    return ids


async def _subscribe(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, **filters: list[str]
) -> Any:  # noqa: ANN401
    """Return a websocket client subscribed to OpenEye, past its greeting."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "openeye/subscribe", **filters})
    assert (await client.receive_json())["success"]
    greeting = await client.receive_json()
    assert greeting["event"]["type"] == "connection_status"
    return client


async def _pushes(client: Any, count: int, kind: str) -> list[dict[str, Any]]:  # noqa: ANN401
    """Return the next ``count`` pushes of one kind, skipping others."""
    found: list[dict[str, Any]] = []
    while len(found) < count:
        event: dict[str, Any] = (await client.receive_json())["event"]
        if event["type"] == kind:
            found.append(event)
    return found


async def test_a_burst_of_recognitions_reaches_every_door_complete_and_in_order(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Twelve people recognised in the same instant: twelve of each, in the workers' order."""
    hub: OpenEyeHub = init_integration.runtime_data
    people = _teach(hub, PEOPLE)
    client = await _subscribe(hass, hass_ws_client, event_types=["camera_event"])
    # Captured in the event loop, in the order fired (a plain listener would
    # run in the executor, in any order).
    bus = async_capture_events(hass, EVENT_FACE_RECOGNIZED)
    entity_states: list[State] = []

    @callback
    def _entity_changed(event: Event[Any]) -> None:
        entity_states.append(event.data["new_state"])

    async_track_state_change_event(hass, EVENT_ENTITY, _entity_changed)

    fake_pool.emit(*(recognized("door", track, person) for track, person in enumerate(people)))
    await hass.async_block_till_done()

    assert [event.data["person_id"] for event in bus] == people
    assert [state.attributes["person_id"] for state in entity_states] == people
    assert {state.attributes["event_type"] for state in entity_states} == {"face_recognized"}
    pushes = await _pushes(client, PEOPLE, "camera_event")
    assert [push["data"]["person_id"] for push in pushes] == people

    # The three doors agree on what they say: one fact, three shapes.
    first_bus, first_state, first_push = bus[0].data, entity_states[0], pushes[0]
    for key in ("person_id", "person_name", "confidence", "distance", "track_id", "box"):
        assert first_bus[key] == first_state.attributes[key] == first_push["data"][key]
    assert first_bus["timestamp"] == first_push["timestamp"]
    assert first_push["event_type"] == "face_recognized"
    assert first_push["decided_at"]
    assert first_push["data"]["thumbnail"]


async def test_one_stranger_is_one_push_marked_as_an_alert(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A stranger is one unknown_face push carrying its alert flag, and no separate alert."""
    client = await _subscribe(hass, hass_ws_client, event_types=["camera_event", "alert"])
    # Captured in the event loop, in the order fired (a plain listener would
    # run in the executor, in any order).
    bus = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    fake_pool.emit(unknown("door", 1, 0.2), unknown("door", 2, 0.21))  # the same stranger
    fake_pool.emit(motion("door"))  # something after it, to know the stranger's pushes are all in
    await hass.async_block_till_done()

    events: list[dict[str, Any]] = []
    while not events or events[-1].get("event_type") != "motion_detected":
        events.append((await client.receive_json())["event"])
    assert [(e["type"], e.get("event_type")) for e in events] == [
        ("camera_event", "unknown_face"),
        ("camera_event", "motion_detected"),
    ]
    stranger = events[0]["data"]
    assert stranger["alert"] is True
    assert stranger["unknown_face_id"] == bus[0].data["unknown_face_id"]
    assert len(bus) == 1
    state = hass.states.get(EVENT_ENTITY)
    assert state is not None
    assert state.attributes["event_type"] == "motion_detected"


async def test_motion_has_one_name_on_every_door(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Motion is motion_detected on the bus (openeye_motion_detected), the entity and the push."""
    client = await _subscribe(hass, hass_ws_client, event_types=["camera_event"])
    # Captured in the event loop, in the order fired (a plain listener would
    # run in the executor, in any order).
    bus = async_capture_events(hass, EVENT_MOTION_DETECTED)
    fake_pool.emit(motion("door"), motion("door", started=False), motion("door"))
    await hass.async_block_till_done()
    assert len(bus) == 2
    assert bus[0].data["camera_id"] == "door"
    state = hass.states.get(EVENT_ENTITY)
    assert state is not None
    assert state.attributes["event_type"] == "motion_detected"
    pushes = await _pushes(client, 2, "camera_event")
    assert {push["event_type"] for push in pushes} == {"motion_detected"}


async def test_statistics_go_out_when_a_dashboard_would_show_a_change(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Figures alone wake no dashboard; they go, as camera_figures, to clients that ask."""
    plain = await _subscribe(hass, hass_ws_client, event_types=["statistics_update"])
    figures = await _subscribe(hass, hass_ws_client, event_types=["camera_figures"])
    await _pushes(plain, 1, "statistics_update")  # the subscription's first figures
    for second in range(5):
        fake_pool.emit(
            Figures(
                "door",
                float(second),
                0.0,
                frames_analysed=5,
                detections=5,
                analysis_rate=4.9 + second / 100,
                detection_ms=30.0,
            )
        )
    fake_pool.emit(detected("door", 1))
    await hass.async_block_till_done()

    update = (await plain.receive_json())["event"]
    assert update["type"] == "statistics_update"
    assert update["statistics"]["cameras"][0]["faces_in_view"] == 1
    assert "analysis_rate" not in update["statistics"]["cameras"][0]

    pushed = await _pushes(figures, 5, "camera_figures")
    assert [push["analysis_rate"] for push in pushed] == [4.9, 4.91, 4.92, 4.93, 4.94]
    assert pushed[0]["camera"] == {"camera_id": "door", "name": "Door"}
    assert pushed[0]["detection_ms"] == 30.0

    # Changes within one coalescing wait reach a dashboard as one message,
    # with the figures as they are when it leaves.
    fake_pool.emit(lost("door", 1), detected("door", 2), detected("door", 3))
    await hass.async_block_till_done()
    update = (await plain.receive_json())["event"]
    assert update["statistics"]["cameras"][0]["faces_in_view"] == 2
