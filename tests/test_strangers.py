"""Recurring strangers and naming the past, on the fake worker pool.

Unknown faces are emitted as a worker sends them, with encodings that are one
value everywhere: two faces ``a`` and ``b`` are ``|a - b| * sqrt(128)``
(about 11.3 |a - b|) apart, so 0.04 apart in value is 0.45 in face distance
(within the grouping tolerance of 0.48 at the default tolerance of 0.6) and
0.06 is 0.68 (somebody else). A stranger's second visit needs more than the
presence time (five minutes) between sightings at the same camera.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.openeye.const import DOMAIN, EVENT_PAST_NAMED, EVENT_UNKNOWN_FACE
from custom_components.openeye.gallery_records import Person
from custom_components.openeye.gallery_store import MAX_ENCODINGS_PER_PERSON
from custom_components.openeye.hub import OpenEyeHub
from custom_components.openeye.pipeline.messages import UnknownFace
from tests.fake_pool import FakePool, one_face, still_image, unknown
from tests.helpers import flush_entity_writes, hub_of, ws_result

VISIT_GAP = timedelta(minutes=6)


def _face(value: float, size: int = 50) -> UnknownFace:
    """Return an unknown face at the door whose box is ``size`` pixels square."""
    return dataclasses.replace(unknown("door", 1, value), box=(10, 10 + size, 10 + size, 10))


async def _visits(
    hass: HomeAssistant, fake_pool: FakePool, freezer: FrozenDateTimeFactory, *faces: UnknownFace
) -> None:
    """Emit each face as a visit of its own: more than the presence time apart."""
    for face in faces:
        fake_pool.emit(dataclasses.replace(face, timestamp=dt_util.utcnow().timestamp()))
        freezer.tick(VISIT_GAP)
    await hass.async_block_till_done()


def _stranger_of(hub: OpenEyeHub, value: float) -> str:
    """Return the stranger id of the kept face whose encoding is ``value``."""
    (record,) = (r for r in hub.gallery.unknown.values() if abs(r.encoding[0] - value) < 1e-9)
    return record.stranger_id


async def test_a_stranger_who_comes_back_is_one_stranger(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Visits of the same face are one stranger on every door; somebody else is another."""
    hub = hub_of(init_integration)
    events = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "openeye/subscribe", "event_types": ["camera_event"]})
    assert (await client.receive_json())["success"]
    await client.receive_json()  # connection_status
    await _visits(hass, fake_pool, freezer, _face(0.10), _face(0.13), _face(0.50))

    first, second, other = (event.data for event in events)
    assert first["stranger_id"] == second["stranger_id"] != other["stranger_id"]
    assert (first["stranger_label"], first["stranger_visits"]) == ("Unknown 1", 1)
    assert (second["stranger_label"], second["stranger_visits"]) == ("Unknown 1", 2)
    assert (other["stranger_label"], other["stranger_visits"]) == ("Unknown 2", 1)
    assert second["stranger_cameras"] == ["Door"]
    pushes = [(await client.receive_json())["event"]["data"] for _ in range(3)]
    assert [push["stranger_visits"] for push in pushes] == [1, 2, 1]
    assert pushes[1]["stranger_id"] == first["stranger_id"]
    await flush_entity_writes(hass)
    entity = hass.states.get("event.door_face_event")
    assert entity is not None
    assert entity.attributes["stranger_label"] == "Unknown 2"
    assert entity.attributes["stranger_cameras"] == ["Door"]

    assert hub.statistics.strangers_today == 2
    assert hub.statistics.unknown_faces_today == 3
    assert hass.states.get("sensor.openeye_strangers_today").state == "2"
    statistics = await ws_result(client, type="openeye/statistics")
    assert statistics["result"]["strangers_today"] == 2
    listed = (await ws_result(client, type="openeye/strangers/list"))["result"]["strangers"]
    assert [s["label"] for s in listed] == ["Unknown 2", "Unknown 1"]
    assert listed[1]["visits"] == 2
    assert listed[1]["cameras"] == [{"camera_id": "door", "camera_name": "Door"}]
    assert len(listed[1]["face_ids"]) == 2
    assert listed[1]["thumbnail"]
    assert listed[1]["first_seen"] < listed[1]["last_seen"]
    unknown_list = (await ws_result(client, type="openeye/unknown/list"))["result"]["unknown_faces"]
    assert {(face["stranger_id"], face["stranger_label"]) for face in unknown_list} == {
        (first["stranger_id"], "Unknown 1"),
        (other["stranger_id"], "Unknown 2"),
    }


async def test_a_stranger_still_in_view_is_seen_later_not_again(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Within the same visit a stranger's last sighting moves on, its visits do not."""
    hub = hub_of(init_integration)
    fake_pool.emit(_face(0.10))
    freezer.tick(timedelta(minutes=2))
    fake_pool.emit(dataclasses.replace(_face(0.10), timestamp=dt_util.utcnow().timestamp()))
    await hass.async_block_till_done()
    (stranger,) = hub.gallery.strangers.values()
    assert stranger.visits == 1
    assert stranger.last_seen - stranger.first_seen == timedelta(minutes=2)


async def test_a_pair_of_strangers_stays_two(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Faces in between never chain two people into one stranger, nor merge two strangers.

    0.10 and 0.135 are one stranger (0.40 apart). 0.17 is 0.40 from 0.135 but
    0.79 from 0.10: grouping by the closest face alone would chain it in; the
    rule on the farthest face starts a second stranger, which 0.20 joins. A
    face between the two joins one of them, and two stay two.
    """
    hub = hub_of(init_integration)
    await _visits(hass, fake_pool, freezer, *map(_face, (0.10, 0.135, 0.17, 0.20, 0.1525)))
    first, second = _stranger_of(hub, 0.10), _stranger_of(hub, 0.20)
    assert first != second
    assert _stranger_of(hub, 0.135) == first
    assert _stranger_of(hub, 0.17) == second
    assert _stranger_of(hub, 0.1525) in {first, second}
    assert len(hub.gallery.strangers) == 2


async def test_assigning_a_stranger_teaches_its_best_faces_and_names_the_past(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """The five largest faces are taught; the stranger and a look-alike sighting become Zoe's."""
    hub = hub_of(init_integration)
    # The clients connect first: their token would expire during the visits.
    client = await hass_ws_client(hass)
    watcher = await hass_ws_client(hass)
    values = [0.100, 0.101, 0.102, 0.103, 0.104, 0.105, 0.106]
    sizes = [20, 90, 30, 80, 70, 60, 10]
    # 0.15 is 0.50 from 0.106: beyond grouping, another stranger; but within
    # recognition of what Zoe is taught.
    await _visits(
        hass,
        fake_pool,
        freezer,
        *(_face(v, s) for v, s in zip(values, sizes, strict=True)),
        _face(0.15),
        _face(0.50),
    )
    stranger_id = _stranger_of(hub, 0.100)
    assert len(hub.gallery.strangers) == 3
    await watcher.send_json_auto_id({"type": "openeye/subscribe", "event_types": ["past_named"]})
    assert (await watcher.receive_json())["success"]
    assert (await watcher.receive_json())["event"]["type"] == "connection_status"
    past_events = async_capture_events(hass, EVENT_PAST_NAMED)

    response = await ws_result(
        client, type="openeye/strangers/assign", stranger_id=stranger_id, name="Zoe"
    )
    assert response["success"], response
    result = response["result"]
    person = hub.gallery.people[result["person_id"]]
    assert result == {
        "person_id": person.person_id,
        "name": "Zoe",
        "faces_taught": 5,
        "past_named": {"sightings": 8, "cameras": ["Door"]},
    }
    # The five largest boxes, largest first: 90, 80, 70, 60, 30.
    assert [round(e[0], 3) for e in person.encodings] == [0.101, 0.103, 0.104, 0.105, 0.102]
    assert stranger_id not in hub.gallery.strangers
    assert [round(r.encoding[0], 3) for r in hub.gallery.unknown.values()] == [0.5]
    assert len(hub.gallery.strangers) == 1
    # The look-alike's sighting was the latest of hers: it is her last sighting now.
    look_alike_time = dt_util.utcnow() - 2 * VISIT_GAP
    assert person.last_seen == look_alike_time
    (event,) = past_events
    assert event.data == {
        "person_id": person.person_id,
        "person_name": "Zoe",
        "sightings": 8,
        "cameras": ["Door"],
        "last_seen": look_alike_time.isoformat(),
    }
    push = (await watcher.receive_json())["event"]
    assert push == {"type": "past_named", "timestamp": event.data["last_seen"], "data": event.data}

    again = await ws_result(
        client, type="openeye/strangers/assign", stranger_id=stranger_id, name="Y"
    )
    assert again["error"]["code"] == "unknown_stranger"


async def test_teaching_a_photo_names_the_past(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    freezer: FrozenDateTimeFactory,
    media_dir: Path,
) -> None:
    """An enrollment re-labels the kept faces that are the new person now, and only those."""
    hub = hub_of(init_integration)
    await _visits(hass, fake_pool, freezer, _face(0.02), _face(0.50))
    past_events = async_capture_events(hass, EVENT_PAST_NAMED)
    photo = media_dir / "astro.jpg"
    photo.write_bytes(b"\xff\xd8 any bytes")
    # The fake pool finds one face whose encoding is 0.0 everywhere: 0.23 from 0.02.
    await hass.services.async_call(
        DOMAIN, "enroll_face", {"name": "Astro", "image_path": str(photo)}, blocking=True
    )
    (person,) = hub.gallery.people.values()
    assert [round(r.encoding[0], 2) for r in hub.gallery.unknown.values()] == [0.5]
    assert len(hub.gallery.strangers) == 1
    (event,) = past_events
    assert (event.data["person_name"], event.data["sightings"]) == ("Astro", 1)
    assert person.last_seen == dt_util.utcnow() - 2 * VISIT_GAP
    assert not hub.is_present(person)

    # Another photo of nobody kept names nothing, and says nothing.
    fake_pool.mock.async_analyze_image.return_value = still_image(one_face(0.9))  # type: ignore[union-attr]
    await hass.services.async_call(
        DOMAIN, "enroll_face", {"person": "Astro", "image_path": str(photo)}, blocking=True
    )
    assert len(past_events) == 1


async def test_a_past_sighting_within_the_presence_time_makes_the_person_present(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Named a minute after they were seen, a person is present until the presence time ends."""
    hub = hub_of(init_integration)
    fake_pool.emit(_face(0.10))
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=1))
    client = await hass_ws_client(hass)
    stranger_id = _stranger_of(hub, 0.10)
    assert (
        await ws_result(
            client, type="openeye/strangers/assign", stranger_id=stranger_id, name="Zoe"
        )
    )["success"]
    (person,) = hub.gallery.people.values()
    assert hub.is_present(person)
    freezer.tick(timedelta(minutes=4, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert not hub.is_present(person)


async def test_assign_stranger_action_to_a_known_person_keeps_the_cap(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Assigned to someone with 18 photos, the person keeps the newest 20 encodings."""
    hub = hub_of(init_integration)
    hub.gallery.people["p1"] = Person(
        "p1", "Ann", [[0.9] * 128] * 18, b"\xff\xd8", dt_util.utcnow()
    )
    await _visits(hass, fake_pool, freezer, *(_face(0.10 + i / 1000) for i in range(6)))
    stranger_id = _stranger_of(hub, 0.10)
    response = await hass.services.async_call(
        DOMAIN,
        "assign_stranger",
        {"stranger_id": stranger_id, "person_id": "ann"},
        blocking=True,
        return_response=True,
    )
    assert response == {
        "person_id": "p1",
        "name": "Ann",
        "faces_taught": 5,
        "past_named": {"sightings": 6, "cameras": ["Door"]},
    }
    assert len(hub.gallery.people["p1"].encodings) == MAX_ENCODINGS_PER_PERSON
    assert hub.gallery.strangers == {}
    assert fake_pool.mock is not None
    known = fake_pool.mock.async_set_gallery.call_args.args[0]
    assert len(known.people[0].encodings) == MAX_ENCODINGS_PER_PERSON


async def test_deleting_strangers(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    *,
    fake_pool: FakePool,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
    hass_storage: dict[str, Any],
) -> None:
    """A deleted stranger goes with its faces, and is written before the answer."""
    hub = hub_of(init_integration)
    await _visits(hass, fake_pool, freezer, _face(0.10), _face(0.11), _face(0.50))
    first, second = _stranger_of(hub, 0.10), _stranger_of(hub, 0.50)
    client = await hass_ws_client(hass)
    response = await ws_result(client, type="openeye/strangers/delete", stranger_id=first)
    assert response["result"] == {"stranger_id": first}
    assert list(hub.gallery.strangers) == [second]
    assert len(hub.gallery.unknown) == 1
    stored = hass_storage[f"{DOMAIN}.gallery"]["data"]
    assert [s["id"] for s in stored["strangers"]] == [second]
    await hass.services.async_call(
        DOMAIN, "remove_stranger", {"stranger_id": second}, blocking=True
    )
    assert hub.gallery.strangers == {}
    assert hub.gallery.unknown == {}
    # The next stranger's label is new: labels are never reused.
    await _visits(hass, fake_pool, freezer, _face(0.30))
    (stranger,) = hub.gallery.strangers.values()
    assert stranger.label == "Unknown 3"


async def test_strangers_expire_with_their_faces(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The unknown-face retention ends a stranger with its last face; purging ends all."""
    hub = hub_of(init_integration)
    await _visits(hass, fake_pool, freezer, _face(0.10))
    freezer.tick(timedelta(days=6))
    await _visits(hass, fake_pool, freezer, _face(0.50))
    # A week after the first face, the hourly pruning ends its stranger.
    freezer.tick(timedelta(days=1))
    hub.sightings.prune_unknown()
    assert [s.label for s in hub.gallery.strangers.values()] == ["Unknown 2"]
    await hass.services.async_call(DOMAIN, "purge_unknown_faces", {}, blocking=True)
    assert hub.gallery.strangers == {}


async def test_bad_stranger_requests_change_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    *,
    fake_pool: FakePool,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_access_token: str,
    hass_read_only_user: MockUser,
) -> None:
    """Unknown ids, missing or taken names and non-admins are refused; nothing changes."""
    hub = hub_of(init_integration)
    hub.gallery.people["p1"] = Person("p1", "Ann", [[0.9] * 128], b"\xff\xd8", dt_util.utcnow())
    await _visits(hass, fake_pool, freezer, _face(0.10))
    stranger_id = _stranger_of(hub, 0.10)
    before = (dict(hub.gallery.strangers), dict(hub.gallery.unknown), len(hub.gallery.people))

    admin = await hass_ws_client(hass)
    for message, code in (
        (
            {"type": "openeye/strangers/assign", "stranger_id": "nope", "name": "X"},
            "unknown_stranger",
        ),
        ({"type": "openeye/strangers/delete", "stranger_id": "nope"}, "unknown_stranger"),
        ({"type": "openeye/strangers/assign", "stranger_id": stranger_id}, "invalid_format"),
        (
            {"type": "openeye/strangers/assign", "stranger_id": stranger_id, "name": "ann"},
            "duplicate_name",
        ),
        (
            {"type": "openeye/strangers/assign", "stranger_id": stranger_id, "person_id": "p2"},
            "not_found",
        ),
    ):
        response = await ws_result(admin, **message)
        assert response["error"]["code"] == code, message
        assert response["error"]["translation_key"] == code if code == "unknown_stranger" else True
    for service, data in (
        ("assign_stranger", {"stranger_id": "nope", "name": "X"}),
        ("remove_stranger", {"stranger_id": "nope"}),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(DOMAIN, service, data, blocking=True)
        assert err.value.translation_key == "unknown_stranger"

    user = await hass_ws_client(hass, hass_read_only_access_token)
    assert len((await ws_result(user, type="openeye/strangers/list"))["result"]["strangers"]) == 1
    for message in (
        {"type": "openeye/strangers/assign", "stranger_id": stranger_id, "name": "X"},
        {"type": "openeye/strangers/delete", "stranger_id": stranger_id},
    ):
        assert (await ws_result(user, **message))["error"]["code"] == "unauthorized"
    context = Context(user_id=hass_read_only_user.id)
    for service, data in (
        ("assign_stranger", {"stranger_id": stranger_id, "name": "X"}),
        ("remove_stranger", {"stranger_id": stranger_id}),
    ):
        with pytest.raises(Unauthorized):
            await hass.services.async_call(DOMAIN, service, data, blocking=True, context=context)
    assert (
        dict(hub.gallery.strangers),
        dict(hub.gallery.unknown),
        len(hub.gallery.people),
    ) == before


async def test_old_unknown_faces_become_strangers(
    hass: HomeAssistant,
    fake_pool: FakePool,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """A gallery of layout 1.1 loads: its unknown faces join strangers, oldest first."""

    def face(unknown_id: str, value: float, minute: int) -> dict[str, Any]:
        """Return an unknown face as layout 1.1 kept it, ``minute`` minutes into the last hour."""
        when = dt_util.utcnow().replace(second=0, microsecond=0) - timedelta(minutes=60 - minute)
        return {
            "id": unknown_id,
            "camera_id": "door",
            "camera_name": "Door",
            "timestamp": when.isoformat(),
            "encoding": [value] * 128,
            "crop": "",
            "best_distance": None,
        }

    hass_storage[f"{DOMAIN}.gallery"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.gallery",
        "data": {
            "people": [],
            "unknown": [face("a", 0.10, 1), face("b", 0.50, 2), face("c", 0.11, 3)],
        },
    }
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    gallery = hub_of(config_entry).gallery
    assert gallery.unknown["a"].stranger_id == gallery.unknown["c"].stranger_id
    first = gallery.strangers[gallery.unknown["a"].stranger_id]
    other = gallery.strangers[gallery.unknown["b"].stranger_id]
    assert (first.label, first.visits, first.cameras) == ("Unknown 1", 2, {"door": "Door"})
    assert first.last_seen - first.first_seen == timedelta(minutes=2)
    assert (other.label, other.visits) == ("Unknown 2", 1)
    await gallery.async_save()
    stored = hass_storage[f"{DOMAIN}.gallery"]
    assert stored["minor_version"] == 2
    assert stored["data"]["stranger_counter"] == 2
    assert len(stored["data"]["strangers"]) == 2
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    reloaded = hub_of(config_entry).gallery
    assert set(reloaded.strangers) == {first.stranger_id, other.stranger_id}
    assert await hass.config_entries.async_unload(config_entry.entry_id)
