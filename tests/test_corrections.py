"""Not this person: a recognition corrected through the websocket command and the service.

The worker pool is the fake of fake_pool.py; it records the galleries it is
sent, so the counter-example the workers get can be checked. Time is Home
Assistant's frozen clock.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.openeye.const import (
    DOMAIN,
    EVENT_FACE_RECOGNIZED,
    EVENT_RECOGNITION_WITHDRAWN,
    EVENT_UNKNOWN_FACE,
)
from custom_components.openeye.errors import OpenEyeValidationError
from custom_components.openeye.gallery_records import Person
from custom_components.openeye.gallery_store import MAX_COUNTER_EXAMPLES_PER_PERSON
from custom_components.openeye.hub import OpenEyeHub
from custom_components.openeye.pipeline.gallery import KnownPerson
from tests.fake_pool import FakePool, recognized, unknown

STORAGE = f"{DOMAIN}.gallery"
# The look-alike's face, and the person's own (every value of the encoding).
LOOK_ALIKE, OWN = 0.3, 0.0


def _teach(hub: OpenEyeHub) -> Person:
    """Put Eileen straight into the gallery, as an enrollment would."""
    person = Person("p1", "Eileen", [[OWN] * 128], b"\xff\xd8", dt_util.utcnow())
    hub.gallery.people[person.person_id] = person
    return person


def _sent_person(fake_pool: FakePool) -> KnownPerson:
    """Return the one person of the gallery last sent to the workers."""
    assert fake_pool.mock is not None
    [person] = fake_pool.mock.async_set_gallery.await_args.args[0].people
    assert isinstance(person, KnownPerson)
    return person


async def _call(
    client: Any,  # noqa: ANN401
    pushes: list[dict[str, Any]] | None = None,
    **message: Any,  # noqa: ANN401
) -> dict[str, Any]:
    """Send one command and return its result; pushes before it go to ``pushes``."""
    await client.send_json_auto_id(message)
    while True:
        response: dict[str, Any] = await client.receive_json()
        if response["type"] == "result":
            return response
        if pushes is not None:
            pushes.append(response["event"])


async def _recognise(hass: HomeAssistant, fake_pool: FakePool, track_id: int) -> str:
    """Emit a recognition of Eileen's look-alike at the door; return its recognition id."""
    events = async_capture_events(hass, EVENT_FACE_RECOGNIZED)
    fake_pool.emit(recognized("door", track_id, "p1", value=LOOK_ALIKE))
    await hass.async_block_till_done()
    [event] = events
    recognition_id: str = event.data["recognition_id"]
    return recognition_id


async def test_not_this_person_withdraws_the_visit_and_teaches_the_workers(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    hass_ws_client: WebSocketGenerator,
    hass_storage: dict[str, Any],
) -> None:
    """A correction: withdrawn event and push, counters back, an unknown face, a counter-example."""
    hub: OpenEyeHub = init_integration.runtime_data
    person = _teach(hub)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "openeye/subscribe", "event_types": ["camera_event"]})
    assert (await client.receive_json())["success"]
    assert (await client.receive_json())["event"]["type"] == "connection_status"
    recognition_id = await _recognise(hass, fake_pool, 1)
    pushed = (await client.receive_json())["event"]
    assert (pushed["event_type"], pushed["data"]["recognition_id"]) == (
        "face_recognized",
        recognition_id,
    )
    state = hass.states.get("event.door_face_event")
    assert state is not None
    assert state.attributes["recognition_id"] == recognition_id
    assert hub.statistics.recognitions_today == 1
    assert hub.is_present(person)
    withdrawn = async_capture_events(hass, EVENT_RECOGNITION_WITHDRAWN)

    pushes: list[dict[str, Any]] = []
    result = await _call(
        client, pushes, type="openeye/recognitions/correct", recognition_id=recognition_id
    )

    assert result["success"], result
    unknown_id = result["result"]["unknown_id"]
    # The face joined a stranger, as every unknown face does.
    stranger_id = hub.gallery.unknown[unknown_id].stranger_id
    assert stranger_id in hub.gallery.strangers
    assert result["result"] == {
        "recognition_id": recognition_id,
        "person_id": "p1",
        "unknown_id": unknown_id,
        "stranger_id": stranger_id,
    }
    [event] = withdrawn
    assert {key: event.data[key] for key in ("recognition_id", "person_id", "person_name")} == {
        "recognition_id": recognition_id,
        "person_id": "p1",
        "person_name": "Eileen",
    }
    assert (event.data["camera_id"], event.data["camera_name"]) == ("door", "Door")
    # Announced once the correction is saved, before the answer.
    [pushed] = pushes
    assert pushed["event_type"] == "recognition_withdrawn"
    assert pushed["data"]["recognition_id"] == recognition_id
    # The counts and the presence are taken back; the face is now an unknown face.
    assert hub.statistics.recognitions_today == 0
    assert hub.statistics.unknown_faces_today == 1
    assert hub.statistics.strangers_seen == {stranger_id}
    assert hub.statistics.last_recognition is None
    assert not hub.is_present(person)
    assert hub.gallery.unknown[unknown_id].encoding == [LOOK_ALIKE] * 128
    # The workers compare with the counter-example now.
    sent = _sent_person(fake_pool)
    assert sent.counter_examples == ((LOOK_ALIKE,) * 128,)
    assert sent.encodings == ((OWN,) * 128,)
    # Saved before the answer, not on a delay.
    stored = hass_storage[STORAGE]["data"]
    assert stored["people"][0]["counter_examples"] == [[LOOK_ALIKE] * 128]
    assert [record["id"] for record in stored["unknown"]] == [unknown_id]
    assert stored["recognitions"] == []
    # The next recognition at the door is a new visit again.
    assert await _recognise(hass, fake_pool, 2) != recognition_id
    assert hub.statistics.recognitions_today == 1
    # The same correction twice is refused, translated.
    again = await _call(client, type="openeye/recognitions/correct", recognition_id=recognition_id)
    assert again["error"]["translation_key"] == "unknown_recognition"


async def test_a_correction_survives_a_restart(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_pool: FakePool
) -> None:
    """A recognition kept over a restart can be corrected after it; the correction stays."""
    hub: OpenEyeHub = init_integration.runtime_data
    _teach(hub)
    await hub.gallery.async_save()
    recognition_id = await _recognise(hass, fake_pool, 1)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    hub = init_integration.runtime_data
    response = await hass.services.async_call(
        DOMAIN,
        "not_this_person",
        {"recognition_id": recognition_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["recognition_id"] == recognition_id
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    hub = init_integration.runtime_data
    assert hub.gallery.people["p1"].counter_examples == [[LOOK_ALIKE] * 128]
    assert response["unknown_id"] in hub.gallery.unknown
    assert recognition_id not in hub.gallery.recognitions
    assert _sent_person(fake_pool).counter_examples == ((LOOK_ALIKE,) * 128,)


async def test_bad_corrections_change_nothing(  # noqa: PLR0917 - pytest passes fixtures by position
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_access_token: str,
    hass_read_only_user: MockUser,
    hass_storage: dict[str, Any],
) -> None:
    """A non-admin is refused, an unknown id gets the translated error; nothing changes."""
    hub: OpenEyeHub = init_integration.runtime_data
    _teach(hub)
    recognition_id = await _recognise(hass, fake_pool, 1)
    await hub.gallery.async_save()
    before = copy.deepcopy(hass_storage[STORAGE])
    reader = await hass_ws_client(hass, hass_read_only_access_token)
    refused = await _call(
        reader, type="openeye/recognitions/correct", recognition_id=recognition_id
    )
    assert refused["error"]["code"] == "unauthorized"
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "not_this_person",
            {"recognition_id": recognition_id},
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    admin = await hass_ws_client(hass)
    unknown_id = await _call(admin, type="openeye/recognitions/correct", recognition_id="nope")
    assert unknown_id["error"]["translation_key"] == "unknown_recognition"
    assert unknown_id["error"]["translation_placeholders"] == {"recognition_id": "nope"}
    with pytest.raises(OpenEyeValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "not_this_person", {"recognition_id": "nope"}, blocking=True
        )
    assert err.value.translation_key == "unknown_recognition"
    assert "nope" in str(err.value)
    malformed = await _call(admin, type="openeye/recognitions/correct", recognition_id=7)
    assert malformed["error"]["code"] == "invalid_format"
    await hass.async_block_till_done()
    assert hass_storage[STORAGE] == before
    assert hub.gallery.people["p1"].counter_examples == []
    assert hub.gallery.unknown == {}
    assert hub.statistics.recognitions_today == 1
    assert recognition_id in hub.gallery.recognitions


async def test_counter_examples_are_capped(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_pool: FakePool
) -> None:
    """A person keeps only the newest counter-examples; every visit's correction withdraws it."""
    hub: OpenEyeHub = init_integration.runtime_data
    _teach(hub)
    for index in range(MAX_COUNTER_EXAMPLES_PER_PERSON + 2):
        events = async_capture_events(hass, EVENT_FACE_RECOGNIZED)
        fake_pool.emit(recognized("door", index, "p1", value=0.01 * (index + 1)))
        await hass.async_block_till_done()
        await hass.services.async_call(
            DOMAIN, "not_this_person", {"recognition_id": events[0].data["recognition_id"]}
        )
        await hass.async_block_till_done()
    counter_examples = hub.gallery.people["p1"].counter_examples
    assert len(counter_examples) == MAX_COUNTER_EXAMPLES_PER_PERSON
    assert counter_examples[-1] == [0.01 * (MAX_COUNTER_EXAMPLES_PER_PERSON + 2)] * 128
    assert hub.statistics.recognitions_today == 0


async def test_a_refused_look_alike_says_whom(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_pool: FakePool
) -> None:
    """An unknown face the workers refused for a person names that person on every door."""
    hub: OpenEyeHub = init_integration.runtime_data
    _teach(hub)
    events = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    refused = unknown("door", 1, LOOK_ALIKE)
    fake_pool.emit(
        replace(refused, refused_person_id="p1"),
        unknown("door", 2, 0.9),
    )
    await hass.async_block_till_done()
    assert [(e.data["refused_person_id"], e.data["refused_person_name"]) for e in events] == [
        ("p1", "Eileen"),
        (None, None),
    ]
