"""Every ``openeye/*`` websocket command with malformed and random payloads (hypothesis).

Hypothesis draws the payloads (derandomized: the same ones on every run)
in a plain function first; the async test then sends them all through one
real websocket connection to Home Assistant. Drawing inside an async
``@given`` test would restart Home Assistant for every example. What is
checked for every payload: the answer is a ``result`` (a success or an error
with a code, never ``unknown_error``, which is what Home Assistant answers when
a handler raises), nothing is logged as an error, no traceback appears, and the
connection still answers ``openeye/statistics`` afterwards.

The worker pool is the fake one (tests/fake_pool.py), answering as a worker
would: a face in the photo, none in the empty picture, and "not an image"
for any other bytes. Real workers reading real and broken images are
tested in tests/pipeline/.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any
from unittest.mock import AsyncMock

from homeassistant.core import HomeAssistant
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.openeye.pipeline.messages import ImageAnalysis
from tests.fake_pool import FakePool, one_face, still_image
from tests.helpers import hub_of

# Each command and the fields it knows.
COMMANDS: dict[str, tuple[str, ...]] = {
    "openeye/statistics": (),
    "openeye/subscribe": ("event_types", "camera_ids"),
    "openeye/connections": (),
    "openeye/people/list": (),
    "openeye/people/enroll": ("name", "person_id", "image", "camera_entity_id"),
    "openeye/people/rename": ("person_id", "name"),
    "openeye/people/delete": ("person_id",),
    "openeye/unknown/list": (),
    "openeye/unknown/assign": ("unknown_id", "name", "person_id"),
}
# Payloads drawn per command: enough to reach every field and error path,
# few enough that the test takes seconds.
EXAMPLES_PER_COMMAND = 40
# Stands for the id of a person taught before the payloads are sent.
TAUGHT = "<taught person>"
# Home Assistant logs its own refusals at error level: a payload its schema
# refuses, and a non-admin on an admin command. Those are answers, not faults.
REFUSALS_HOME_ASSISTANT_LOGS = ("(invalid_format)", "(unauthorized)")
# The photos the payloads may carry: the fake worker finds one face in the
# first and none in the second.
PHOTO = b"\xff\xd8 a photo of one face"
NO_FACE = b"\xff\xd8 a photo of an empty room"

# Any JSON value. Integers stay within 64 bits and floats finite: beyond
# that, Home Assistant's JSON parser refuses the frame before OpenEye sees it.
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=8,
)


def _b64(data: bytes) -> str:
    """Return bytes as base64 text."""
    return base64.b64encode(data).decode("ascii")


def _field_values() -> dict[str, st.SearchStrategy[Any]]:
    """Return, for each field the commands know, values that look right, nearly right or wrong."""
    face, no_face = _b64(PHOTO), _b64(NO_FACE)
    ids = st.sampled_from([TAUGHT, TAUGHT, "", "x", "0" * 64, "0" * 65]) | st.text(max_size=70)
    return {
        "name": st.sampled_from(["", " ", "A" * 64, "A" * 65, "Astro", "astro"])
        | st.text(max_size=80),
        "person_id": ids,
        "unknown_id": ids,
        "image": st.sampled_from([face, no_face, "data:image/jpeg;base64," + face, "%%%", ""])
        | st.binary(max_size=64).map(_b64)
        | st.text(max_size=40),
        "camera_entity_id": st.sampled_from(["camera.front", "camera.", "light.x", "camera"])
        | st.text(max_size=20),
        "event_types": st.lists(
            st.sampled_from(["statistics_update", "camera_event", "alert", "nonsense"]),
            max_size=4,
        ),
        "camera_ids": st.lists(st.text(max_size=10), max_size=3),
    }


def _well_formed(command: str, values: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Return payloads with the fields a command needs, in a combination its schema accepts.

    Their values are still drawn, so most of them reach OpenEye's own checks
    (unknown ids, names, images) rather than stopping at the schema.
    """
    one_of_person = st.sampled_from(["name", "person_id"])
    match command:
        case "openeye/people/enroll":
            return st.tuples(one_of_person, st.sampled_from(["image", "camera_entity_id"])).flatmap(
                lambda keys: st.fixed_dictionaries({key: values[key] for key in keys})
            )
        case "openeye/unknown/assign":
            return one_of_person.flatmap(
                lambda key: st.fixed_dictionaries(
                    {"unknown_id": values["unknown_id"], key: values[key]}
                )
            )
        case "openeye/people/rename":
            return st.fixed_dictionaries({"person_id": values["person_id"], "name": values["name"]})
        case "openeye/people/delete":
            return st.fixed_dictionaries({"person_id": values["person_id"]})
        case "openeye/subscribe":
            return st.fixed_dictionaries(
                {}, optional={key: values[key] for key in ("event_types", "camera_ids")}
            )
    return st.just({})


def draw_payloads() -> list[dict[str, Any]]:
    """Return the payloads to send, drawn by hypothesis with a fixed seed.

    Half of them are well formed (with drawn values); the others have any of
    their command's fields with any JSON value, and sometimes keys the
    command does not know.
    """
    values = _field_values()
    payloads: list[dict[str, Any]] = []
    for command, known in COMMANDS.items():
        anything = st.fixed_dictionaries(
            {}, optional={key: values[key] | JSON for key in known}
        ) | st.tuples(
            st.fixed_dictionaries({}, optional=dict.fromkeys(known, JSON)),
            st.dictionaries(
                st.text(min_size=1, max_size=8).filter(lambda key: key not in ("id", "type")),
                JSON,
                min_size=1,
                max_size=2,
            ),
        ).map(lambda drawn: {**drawn[1], **drawn[0]})
        for strategy in (_well_formed(command, values), anything):

            @settings(
                max_examples=EXAMPLES_PER_COMMAND // 2,
                derandomize=True,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
                deadline=None,
            )
            @given(strategy)
            def collect(fields: dict[str, Any]) -> None:
                payloads.append({**fields, "type": command})  # noqa: B023 - run at once

            collect()
    return payloads


def _refusal_logged_by_home_assistant(record: logging.LogRecord) -> bool:
    """Return whether a record is Home Assistant's own line about a refused payload."""
    return record.name.startswith("homeassistant.components.websocket_api") and any(
        f" {marker} " in record.getMessage() for marker in REFUSALS_HOME_ASSISTANT_LOGS
    )


def _worker_answer(data: bytes, **_options: Any) -> ImageAnalysis:  # noqa: ANN401
    """Answer a still image as a worker would: a face, no face, or bytes that are no image."""
    if data == PHOTO:
        return still_image(one_face())
    if data == NO_FACE:
        return still_image()
    return still_image(error="not_an_image")


async def _result(client: Any) -> dict[str, Any]:  # noqa: ANN401
    """Return the next result, skipping events of subscriptions the fuzzing made."""
    while True:
        message: dict[str, Any] = await client.receive_json()
        if message["type"] == "result":
            return message


async def test_random_payloads_get_answers_not_tracebacks(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Hundreds of drawn payloads: each answered, none a fault in the log, the connection lives."""
    assert fake_pool.mock is not None
    analyze: AsyncMock = fake_pool.mock.async_analyze_image
    analyze.side_effect = _worker_answer
    payloads = draw_payloads()
    assert len(payloads) >= 200
    caplog.set_level(logging.WARNING)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "openeye/people/enroll", "name": "Taught", "image": _b64(PHOTO)}
    )
    taught = (await _result(client))["result"]["person_id"]
    outcomes: dict[str, int] = {}
    for payload in payloads:
        sent = {key: taught if value == TAUGHT else value for key, value in payload.items()}
        await client.send_json_auto_id(sent)
        answer = await _result(client)
        if answer["success"]:
            outcomes["success"] = outcomes.get("success", 0) + 1
        else:
            code = answer["error"]["code"]
            assert code not in ("unknown_error", "home_assistant_error"), (sent, answer)
            assert isinstance(answer["error"]["message"], str)
            assert answer["error"]["message"]
            outcomes[code] = outcomes.get(code, 0) + 1
    # The payloads reached past the schemas: successes and OpenEye's own refusals.
    assert outcomes.get("success", 0) >= len(COMMANDS), outcomes
    assert outcomes.get("invalid_format", 0) > 0, outcomes
    assert {"not_found", "not_an_image", "name_empty"} <= set(outcomes), outcomes
    # Beyond the taught photo, drawn payloads reached the worker too (few do: most
    # stop at a name, an id or the base64 before a photo is analysed).
    assert analyze.await_count >= 2, analyze.await_args_list

    await client.send_json_auto_id({"type": "openeye/statistics"})
    statistics = await _result(client)
    assert statistics["success"]
    assert statistics["result"]["known_people"] == len(hub_of(init_integration).gallery.people)
    faults = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.ERROR and not _refusal_logged_by_home_assistant(record)
    ]
    assert not faults, faults
    assert "Traceback" not in caplog.text


def growing_payloads() -> list[dict[str, Any]]:
    """Return, for every command and field, the field as ever larger text and lists.

    Up to 100,000 items (about 1 MB of JSON; Home Assistant's websocket takes
    messages up to 4 MiB): the sizes an attacker would send to make Home
    Assistant work or keep memory in proportion to the request.
    """
    payloads: list[dict[str, Any]] = []
    for size in (10, 1_000, 100_000):
        for command, known in COMMANDS.items():
            values = ("x" * size, [f"camera{index}" for index in range(size)])
            payloads.extend({"type": command, key: value} for key in known for value in values)
            payloads.append({"type": command, **{key: ["a"] * size for key in known}})
    return payloads


async def test_payloads_of_growing_size_are_bounded(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_access_token: str,
) -> None:
    """Every command answers ever larger payloads, and nothing they asked for stays large.

    Sent by a non-admin (who may subscribe) and by an admin (who may do
    everything): each gets an answer, no subscription keeps more than the
    bounded filter, and the admin's list of connections stays small.
    """
    for token in (hass_read_only_access_token, None):
        client = await hass_ws_client(hass, token) if token else await hass_ws_client(hass)
        for payload in growing_payloads():
            await client.send_json_auto_id(payload)
            answer = await _result(client)
            if not answer["success"]:
                assert answer["error"]["code"] not in ("unknown_error", "home_assistant_error")
    admin = await hass_ws_client(hass)
    await admin.send_json_auto_id({"type": "openeye/connections"})
    connections = (await _result(admin))["result"]
    assert connections["total"] <= 2 * int(
        hub_of(init_integration).option("max_subscriptions_per_user")
    )
    for subscription in connections["subscriptions"]:
        assert len(subscription["camera_ids"] or []) <= 1
    assert len(json.dumps(connections)) < 16_384
