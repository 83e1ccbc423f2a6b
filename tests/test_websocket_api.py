"""Tests for OpenEye's websocket commands, with real websocket clients and the fake worker pool.

The pool answers for the worker (tests/fake_pool.py); how real workers read
real photos is tested in tests/pipeline/.
"""

from __future__ import annotations

import base64
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.openeye.const import CONF_MAX_SUBSCRIPTIONS, DOMAIN
from custom_components.openeye.pipeline.messages import ImageAnalysis
from tests.fake_pool import CROP, FakePool, one_face, still_image
from tests.helpers import ws_result

# What photos hold: the fake pool answers whatever they are.
PHOTO = b"\xff\xd8 a photo the fake pool answers for"


def _b64(data: bytes) -> str:
    """Return bytes as base64 text."""
    return base64.b64encode(data).decode("ascii")


async def test_statistics(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> None:
    """The statistics describe an OpenEye with one camera before anything happened."""
    client = await hass_ws_client(hass)
    response = await ws_result(client, type="openeye/statistics")
    assert response["success"]
    cameras = response["result"].pop("cameras")
    assert response["result"] == {
        "known_people": 0,
        "recognitions_today": 0,
        "unknown_faces_today": 0,
        "strangers_today": 0,
        "last_recognition": None,
        "watching": {"subscriptions": 0, "users": 0},
    }
    assert [camera["camera_id"] for camera in cameras] == ["door"]


async def test_subscribe_greets_and_pushes_on_change(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> None:
    """A subscriber gets its connection status and a snapshot, then changes as they happen."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "openeye/subscribe"})
    result = await client.receive_json()
    assert result["success"]
    status = await client.receive_json()
    assert status["event"]["type"] == "connection_status"
    assert status["event"]["status"] == "connected"
    snapshot = await client.receive_json()
    assert snapshot["event"]["type"] == "statistics_update"
    assert snapshot["event"]["statistics"]["watching"] == {"subscriptions": 1, "users": 1}

    # Teaching a face changes the number of known people: pushed, not polled.
    admin = await hass_ws_client(hass)
    enrolled = await ws_result(
        admin, type="openeye/people/enroll", name="Astronaut", image=_b64(PHOTO)
    )
    assert enrolled["success"], enrolled
    while True:
        message = await client.receive_json()
        if message["event"]["statistics"]["known_people"] == 1:
            break
    assert message["event"]["type"] == "statistics_update"


async def test_sixth_subscription_is_refused_and_cleanup(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> None:
    """Five subscriptions per user at most; unsubscribing and disconnecting free places."""
    client = await hass_ws_client(hass)
    ids = []
    for _ in range(5):
        await client.send_json_auto_id(
            {"type": "openeye/subscribe", "event_types": ["camera_event"]}
        )
        result = await client.receive_json()
        assert result["success"]
        ids.append(result["id"])
        assert (await client.receive_json())["event"]["type"] == "connection_status"
    refused = await ws_result(client, type="openeye/subscribe")
    assert not refused["success"]
    assert refused["error"]["code"] == "too_many_subscriptions"
    # Translated like the actions' errors, with the limit for the message.
    assert refused["error"]["translation_domain"] == DOMAIN
    assert refused["error"]["translation_key"] == "too_many_subscriptions"
    assert refused["error"]["translation_placeholders"] == {"limit": "5"}
    assert "at most 5" in refused["error"]["message"]

    connections = await ws_result(client, type="openeye/connections")
    assert connections["result"]["total"] == 5
    assert connections["result"]["users"] == 1
    assert list(connections["result"]["per_user"].values()) == [5]
    assert connections["result"]["subscriptions"][0]["event_types"] == ["camera_event"]

    unsubscribed = await ws_result(client, type="unsubscribe_events", subscription=ids[0])
    assert unsubscribed["success"]
    again = await ws_result(client, type="openeye/subscribe", event_types=["alert"])
    assert again["success"]

    await client.close()
    await hass.async_block_till_done()
    other = await hass_ws_client(hass)
    connections = await ws_result(other, type="openeye/connections")
    assert connections["result"]["total"] == 0


async def test_limit_is_an_option(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> None:
    """The per-user limit follows the option, without a restart."""
    hass.config_entries.async_update_entry(
        init_integration, options={**init_integration.options, CONF_MAX_SUBSCRIPTIONS: 1}
    )
    await hass.async_block_till_done()
    client = await hass_ws_client(hass)
    assert (await ws_result(client, type="openeye/subscribe", event_types=["alert"]))["success"]
    refused = await ws_result(client, type="openeye/subscribe")
    assert refused["error"]["code"] == "too_many_subscriptions"


@pytest.mark.parametrize(
    "message",
    [
        {"type": "openeye/subscribe", "event_types": ["nonsense"]},
        {"type": "openeye/subscribe", "event_types": []},
        {"type": "openeye/subscribe", "extra": 1},
        {"type": "openeye/people/rename", "person_id": "x"},
        {"type": "openeye/people/enroll", "name": "x"},
        {"type": "openeye/people/enroll", "image": "abc", "camera_entity_id": "camera.x"},
        {"type": "openeye/people/delete"},
        {"type": "openeye/unknown/assign", "unknown_id": "u"},
        {"type": "openeye/people/enroll", "image": 12, "name": "x"},
    ],
)
async def test_malformed_payloads(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    message: dict[str, Any],
) -> None:
    """Malformed payloads are refused as invalid_format and the connection stays usable."""
    client = await hass_ws_client(hass)
    response = await ws_result(client, **message)
    assert not response["success"]
    assert response["error"]["code"] == "invalid_format"
    assert (await ws_result(client, type="openeye/statistics"))["success"]


async def test_gallery_commands(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Enroll, list, rename and delete through the websocket, with every refusal."""
    assert fake_pool.mock is not None
    analyze = fake_pool.mock.async_analyze_image
    client = await hass_ws_client(hass)
    enrolled = await ws_result(
        client, type="openeye/people/enroll", name="Astronaut", image=_b64(PHOTO)
    )
    assert enrolled["result"]["created"] is True
    assert analyze.await_args.args == (PHOTO,)
    person_id = enrolled["result"]["person_id"]

    # A data URL's prefix is dropped: the worker gets the photo's bytes.
    data_url = "data:image/jpeg;base64," + _b64(PHOTO)
    added = await ws_result(
        client, type="openeye/people/enroll", person_id=person_id, image=data_url
    )
    assert added["result"] == {"person_id": person_id, "name": "Astronaut", "created": False}
    assert analyze.await_args.args == (PHOTO,)

    listed = await ws_result(client, type="openeye/people/list")
    [person] = listed["result"]["people"]
    assert person["name"] == "Astronaut"
    assert person["encodings"] == 2
    assert base64.b64decode(person["thumbnail"]) == CROP
    assert "encoding" not in str(listed["result"]).replace("encodings", "")

    answers: list[tuple[ImageAnalysis, str]] = [
        (still_image(), "no_face"),
        (still_image(one_face(0.1), one_face(0.9)), "several_faces"),
        (still_image(error="not_an_image"), "not_an_image"),
    ]
    for answer, code in answers:
        analyze.return_value = answer
        refused = await ws_result(
            client, type="openeye/people/enroll", name="New", image=_b64(PHOTO)
        )
        assert refused["error"]["code"] == code
        assert refused["error"]["translation_key"] == code
    # Text that is no base64 is refused before any analysis.
    analyze.reset_mock()
    refused = await ws_result(
        client, type="openeye/people/enroll", name="New", image="%%% not base64"
    )
    assert refused["error"]["code"] == "not_an_image"
    duplicate = await ws_result(
        client, type="openeye/people/enroll", name="astronaut", image=_b64(PHOTO)
    )
    assert duplicate["error"]["code"] == "duplicate_name"
    analyze.assert_not_awaited()

    renamed = await ws_result(
        client, type="openeye/people/rename", person_id=person_id, name="Eileen"
    )
    assert renamed["result"] == {"person_id": person_id, "name": "Eileen"}
    missing = await ws_result(client, type="openeye/people/rename", person_id="nope", name="X")
    assert missing["error"]["code"] == "not_found"

    deleted = await ws_result(client, type="openeye/people/delete", person_id=person_id)
    assert deleted["result"] == {"person_id": person_id}
    missing = await ws_result(client, type="openeye/people/delete", person_id=person_id)
    assert missing["error"]["code"] == "not_found"
    unknown = await ws_result(client, type="openeye/unknown/assign", unknown_id="nope", name="X")
    assert unknown["error"]["code"] == "not_found"
    listed = await ws_result(client, type="openeye/unknown/list")
    assert listed["result"] == {"unknown_faces": []}


async def test_non_admin_users(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    *,
    fake_pool: FakePool,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_access_token: str,
) -> None:
    """A non-admin user reads statistics and subscribes, but every admin command is refused."""
    assert fake_pool.mock is not None
    client = await hass_ws_client(hass, hass_read_only_access_token)
    assert (await ws_result(client, type="openeye/statistics"))["success"]
    assert (await ws_result(client, type="openeye/people/list"))["success"]
    for message in (
        {"type": "openeye/connections"},
        {"type": "openeye/people/enroll", "name": "X", "image": _b64(PHOTO)},
        {"type": "openeye/people/rename", "person_id": "x", "name": "Y"},
        {"type": "openeye/people/delete", "person_id": "x"},
        {"type": "openeye/unknown/list"},
        {"type": "openeye/unknown/assign", "unknown_id": "x", "name": "Y"},
    ):
        response = await ws_result(client, **message)
        assert response["error"]["code"] == "unauthorized", message
    await client.send_json_auto_id({"type": "openeye/subscribe"})
    assert (await client.receive_json())["success"]
    fake_pool.mock.async_analyze_image.assert_not_awaited()
    assert init_integration.runtime_data.gallery.people == {}


async def test_commands_without_a_loaded_entry(
    hass: HomeAssistant,
    fake_pool: FakePool,
    config_entry: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """With the entry unloaded, every command answers not_loaded; the workers were stopped."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert fake_pool.mock is not None
    fake_pool.mock.async_stop.assert_awaited_once()
    client = await hass_ws_client(hass)
    for command in ("openeye/statistics", "openeye/subscribe", "openeye/people/list"):
        response = await ws_result(client, type=command)
        assert response["error"]["code"] == "not_loaded"
        assert response["error"]["translation_key"] == "not_loaded"
        assert response["error"]["message"].startswith("OpenEye is not running.")
