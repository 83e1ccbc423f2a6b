"""Tests for remote workers as Home Assistant shows them, from their statuses on the broker.

Home Assistant's own ``mqtt`` integration runs with the plugin's ``mqtt_mock``
(a real MQTT integration over a mocked paho client); statuses arrive through
``async_fire_mqtt_message`` exactly as the broker would deliver them, in the
form pipeline/mqtt_link.py publishes. OpenEye runs with the fake worker pool
and one camera (``init_integration``), on the frozen clock.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
import json
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_mqtt_message,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    MqttMockHAClient,
    MqttMockHAClientGenerator,
)

from custom_components.openeye.const import DOMAIN
from custom_components.openeye.devices import find_device
from custom_components.openeye.pipeline.mqtt_link import offline_status
from tests.helpers import flush_entity_writes

TOPIC = "openeye/worker/kitchen-pi/status"
LOGGER = "custom_components.openeye.remote_workers"


def online(name: str = "kitchen-pi", **changes: Any) -> bytes:  # noqa: ANN401 - any JSON value
    """Return an online status as a remote worker publishes it, with ``changes`` applied."""
    status: dict[str, Any] = {
        "v": 1,
        "state": "online",
        "name": name,
        "version": "0.1.0",
        "cores": 4,
        "capacity": 3,
        "cameras": ["door", "garden"],
        "malformed": 0,
        "heartbeat": 10.0,
        "sent_at": 1_700_000_000.0,
    }
    status.update(changes)
    return json.dumps(status).encode()


@pytest.fixture
async def with_mqtt(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, init_integration: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """Return OpenEye set up after Home Assistant's mqtt integration (mqtt_mock comes first)."""
    await hass_settled(init_integration)
    yield init_integration
    await unload_all(hass, init_integration)


async def unload_all(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload OpenEye, then the mqtt integration, whose timers would otherwise outlive the test."""
    if entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(entry.entry_id)
    for mqtt_entry in hass.config_entries.async_entries("mqtt"):
        assert await hass.config_entries.async_unload(mqtt_entry.entry_id)
    # The mqtt client's once-a-second loop stops only when its socket closes,
    # which the mocked paho client never does; run out, it stops by itself.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
    await hass.async_block_till_done()


async def hass_settled(entry: MockConfigEntry) -> None:
    """Wait until OpenEye's subscription, made in the background, is in place."""
    hass = entry.runtime_data.hass
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.runtime_data.remote_workers.listening


def entity_id(registry: er.EntityRegistry, domain: str, name: str, key: str) -> str:
    """Return the entity id of a remote worker's entity, found by its unique id."""
    found = registry.async_get_entity_id(domain, DOMAIN, f"worker_{name}_{key}")
    assert found is not None, (domain, name, key)
    return found


def state(hass: HomeAssistant, entity: str) -> str:
    """Return an entity's state."""
    current = hass.states.get(entity)
    assert current is not None, entity
    return current.state


async def test_a_status_makes_a_device_below_openeye_with_its_entities(
    hass: HomeAssistant,
    with_mqtt: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A worker's first status adds its device and its connected, cameras and capacity entities."""
    # Retained, as the broker hands it to a new subscription; what follows is live.
    async_fire_mqtt_message(hass, TOPIC, online(), retain=True)
    await hass.async_block_till_done()

    connected = entity_id(entity_registry, "binary_sensor", "kitchen-pi", "connected")
    cameras = entity_id(entity_registry, "sensor", "kitchen-pi", "cameras")
    capacity = entity_id(entity_registry, "sensor", "kitchen-pi", "capacity")
    assert state(hass, connected) == STATE_ON
    assert state(hass, cameras) == "2"
    assert state(hass, capacity) == "3"
    assert hass.states.get(connected).attributes["device_class"] == "connectivity"  # type: ignore[union-attr]
    assert entity_registry.async_get(capacity).entity_category == "diagnostic"  # type: ignore[union-attr]
    assert entity_registry.async_get(connected).entity_category is None  # type: ignore[union-attr]

    # find_device, as Home Assistant 2026.x refuses async_get_device outside an integration.
    device = find_device(hass, with_mqtt.entry_id, (DOMAIN, "worker_kitchen-pi"))
    assert device is not None
    assert (device.name, device.model, device.sw_version) == (
        "kitchen-pi",
        "Remote worker",
        "0.1.0",
    )
    hub_device = device_registry.async_get(device.via_device_id or "")
    assert hub_device is not None
    assert hub_device.identifiers == {(DOMAIN, with_mqtt.entry_id)}

    # A heartbeat with another load and, after an upgrade, another version.
    async_fire_mqtt_message(hass, TOPIC, online(cameras=["door"], version="0.2.0"))
    await flush_entity_writes(hass)
    assert state(hass, cameras) == "1"
    device = device_registry.async_get(device.id)
    assert device is not None
    assert device.sw_version == "0.2.0"


async def test_the_last_will_turns_the_worker_offline(
    hass: HomeAssistant, with_mqtt: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """The last will makes the worker disconnected and its load unknown, until it is back."""
    async_fire_mqtt_message(hass, TOPIC, online())
    await hass.async_block_till_done()
    connected = entity_id(entity_registry, "binary_sensor", "kitchen-pi", "connected")
    cameras = entity_id(entity_registry, "sensor", "kitchen-pi", "cameras")

    async_fire_mqtt_message(hass, TOPIC, offline_status("kitchen-pi"))
    await flush_entity_writes(hass)
    assert state(hass, connected) == STATE_OFF
    assert state(hass, cameras) == STATE_UNAVAILABLE
    assert with_mqtt.runtime_data.remote_workers.workers["kitchen-pi"].cameras == ()

    async_fire_mqtt_message(hass, TOPIC, online())
    await flush_entity_writes(hass)
    assert state(hass, connected) == STATE_ON
    assert state(hass, cameras) == "2"


async def test_a_worker_first_seen_offline_is_shown_offline(
    hass: HomeAssistant, with_mqtt: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """A retained last will of a worker that is down when Home Assistant starts shows it offline."""
    async_fire_mqtt_message(hass, TOPIC, offline_status("kitchen-pi"), retain=True)
    await hass.async_block_till_done()
    connected = entity_id(entity_registry, "binary_sensor", "kitchen-pi", "connected")
    assert state(hass, connected) == STATE_OFF
    assert state(hass, entity_id(entity_registry, "sensor", "kitchen-pi", "cameras")) == (
        STATE_UNAVAILABLE
    )


async def test_a_silent_worker_counts_as_offline_after_three_heartbeats(
    hass: HomeAssistant,
    with_mqtt: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without a heartbeat for 3 intervals (30 s) the worker is offline, and online at the next."""
    async_fire_mqtt_message(hass, TOPIC, online())
    await hass.async_block_till_done()
    connected = entity_id(entity_registry, "binary_sensor", "kitchen-pi", "connected")

    # Heartbeats that keep coming keep it online well beyond 30 s.
    for _ in range(4):
        freezer.tick(timedelta(seconds=10))
        async_fire_time_changed(hass)
        async_fire_mqtt_message(hass, TOPIC, online())
        await hass.async_block_till_done()
    assert state(hass, connected) == STATE_ON

    # flush_entity_writes looks 2 s ahead: this is 29 s after the last heartbeat.
    freezer.tick(timedelta(seconds=27))
    await flush_entity_writes(hass)
    assert state(hass, connected) == STATE_ON

    # And this 31 s.
    freezer.tick(timedelta(seconds=2))
    await flush_entity_writes(hass)
    assert state(hass, connected) == STATE_OFF
    assert with_mqtt.runtime_data.remote_workers.workers["kitchen-pi"].state == "silent"

    async_fire_mqtt_message(hass, TOPIC, online())
    await flush_entity_writes(hass)
    assert state(hass, connected) == STATE_ON


async def test_the_silence_limit_follows_the_workers_own_heartbeat(
    hass: HomeAssistant,
    with_mqtt: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A worker that beats every 2 s is offline after 6 s of silence, not 30."""
    async_fire_mqtt_message(hass, TOPIC, online(heartbeat=2))
    await hass.async_block_till_done()
    connected = entity_id(entity_registry, "binary_sensor", "kitchen-pi", "connected")
    freezer.tick(timedelta(seconds=7))
    async_fire_time_changed(hass)
    await flush_entity_writes(hass)
    assert state(hass, connected) == STATE_OFF


def _oversized() -> bytes:
    """Return a status longer than the 16 KiB a status may be, valid JSON otherwise."""
    return online(cameras=[f"camera-{index:05d}" for index in range(2000)])


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        (TOPIC, b"online", "not JSON"),
        (TOPIC, b"\xff\xfe", "not JSON"),
        (TOPIC, b"[" * 10_000, "not JSON"),
        (TOPIC, b"[1, 2]", "not a JSON object"),
        (TOPIC, online(v=2), "version 2"),
        (TOPIC, online(v=True), "version True"),
        (TOPIC, json.dumps({"state": "online", "name": "kitchen-pi"}).encode(), "version None"),
        (TOPIC, _oversized(), "more than 16384"),
        (TOPIC, online(state="busy"), "state 'busy'"),
        (TOPIC, online(state=["online"]), "state ['online']"),
        (TOPIC, online(extra=1), "unknown keys ['extra']"),
        (TOPIC, online(name="garage-pc"), "name 'garage-pc'"),
        (TOPIC, online(name=""), "name must be"),
        (TOPIC, online(cores=True), "cores must be"),
        (TOPIC, online(cores=-1), "cores must be"),
        (TOPIC, online(capacity="3"), "capacity must be"),
        (TOPIC, online(malformed=1.5), "malformed must be"),
        (TOPIC, online(cameras="door"), "cameras must be"),
        (TOPIC, online(cameras=[1]), "cameras must be"),
        (TOPIC, online(heartbeat=0), "heartbeat must be"),
        (TOPIC, online(heartbeat="10"), "heartbeat must be"),
        (TOPIC, online().replace(b"1700000000.0", b"NaN"), "sent_at must be"),
        (TOPIC, online(version=""), "version must be"),
        (
            TOPIC,
            json.dumps({"v": 1, "state": "offline", "name": "kitchen-pi", "cores": 4}).encode(),
            "unknown keys ['cores']",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and not value.startswith("openeye/") else "",
)
async def test_a_bad_status_is_ignored_logged_once_and_counted(  # noqa: PLR0917 - pytest passes fixtures by position
    hass: HomeAssistant,
    with_mqtt: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
    topic: str,
    payload: bytes,
    reason: str,
) -> None:
    """A malformed, oversized, wrong-version or spoofed status changes nothing but the count."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    registry = with_mqtt.runtime_data.remote_workers
    # A worker that is online already: a bad status must not take it offline.
    async_fire_mqtt_message(hass, TOPIC, online())
    await hass.async_block_till_done()
    connected = entity_id(entity_registry, "binary_sensor", "kitchen-pi", "connected")

    async_fire_mqtt_message(hass, topic, payload)
    await flush_entity_writes(hass)

    assert registry.malformed == 1
    assert state(hass, connected) == STATE_ON
    assert state(hass, entity_id(entity_registry, "sensor", "kitchen-pi", "cameras")) == "2"
    assert list(registry.workers) == ["kitchen-pi"]
    lines = [record for record in caplog.records if record.name == LOGGER]
    assert len(lines) == 1
    assert reason in lines[0].getMessage()


async def test_a_bad_status_of_an_unknown_worker_adds_no_device(
    hass: HomeAssistant, with_mqtt: MockConfigEntry
) -> None:
    """A wrong-version status of a worker never seen makes no device."""
    async_fire_mqtt_message(hass, "openeye/worker/garage-pc/status", online("garage-pc", v=9))
    await hass.async_block_till_done()
    assert find_device(hass, with_mqtt.entry_id, (DOMAIN, "worker_garage-pc")) is None
    assert with_mqtt.runtime_data.remote_workers.malformed == 1


async def test_an_empty_retained_status_is_not_counted(
    hass: HomeAssistant, with_mqtt: MockConfigEntry
) -> None:
    """Clearing a retired worker's retained status (an empty message) is nothing wrong."""
    async_fire_mqtt_message(hass, TOPIC, b"")
    await hass.async_block_till_done()
    registry = with_mqtt.runtime_data.remote_workers
    assert (registry.malformed, registry.workers) == (0, {})


async def test_workers_beyond_the_limit_are_ignored_and_counted(
    hass: HomeAssistant, with_mqtt: MockConfigEntry
) -> None:
    """Names invented on the broker cannot fill the device registry: 64 workers at most."""
    for index in range(65):
        name = f"worker-{index}"
        async_fire_mqtt_message(hass, f"openeye/worker/{name}/status", online(name))
    await hass.async_block_till_done()
    registry = with_mqtt.runtime_data.remote_workers
    assert len(registry.workers) == 64
    assert "worker-64" not in registry.workers
    assert registry.malformed == 1


async def test_diagnostics_list_the_remote_workers(
    hass: HomeAssistant, with_mqtt: MockConfigEntry, hass_client: ClientSessionGenerator
) -> None:
    """Diagnostics give each worker's name, state and figures, and the ignored statuses."""
    assert await async_setup_component(hass, "diagnostics", {})
    async_fire_mqtt_message(hass, TOPIC, online(malformed=2))
    async_fire_mqtt_message(
        hass, "openeye/worker/garage-pc/status", offline_status("garage-pc"), retain=True
    )
    async_fire_mqtt_message(hass, TOPIC, b"{}")
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, with_mqtt)

    remote = diagnostics["remote_workers"]
    assert remote["listening"] is True
    assert remote["malformed_statuses"] == 1
    by_name = {worker["name"]: worker for worker in remote["workers"]}
    assert by_name["kitchen-pi"] == {
        "name": "kitchen-pi",
        "state": "online",
        "version": "0.1.0",
        "cores": 4,
        "capacity": 3,
        "cameras": 2,
        "malformed": 2,
        "heartbeat": 10.0,
        "last_heartbeat": by_name["kitchen-pi"]["last_heartbeat"],
    }
    assert by_name["kitchen-pi"]["last_heartbeat"] is not None
    assert by_name["garage-pc"]["state"] == "offline"
    # The broker's address is the mqtt integration's; no camera id either.
    text = json.dumps(remote)
    assert "mock-broker" not in text
    assert "garden" not in text


async def test_without_mqtt_openeye_loads_as_before(
    hass: HomeAssistant, init_integration: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """Without the mqtt integration OpenEye sets up as always, and listens to no broker."""
    assert init_integration.state is ConfigEntryState.LOADED
    assert "mqtt" not in hass.config.components
    assert not init_integration.runtime_data.remote_workers.listening
    models = {
        device.model
        for device in dr.async_entries_for_config_entry(device_registry, init_integration.entry_id)
    }
    assert models == {"Face recognition", "Camera"}


@pytest.mark.usefixtures("mock_hass_config")
async def test_mqtt_set_up_after_openeye_is_used_without_a_restart(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mqtt_mock_entry: MqttMockHAClientGenerator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A broker added while OpenEye runs is listened to as soon as the mqtt integration is up."""
    assert not init_integration.runtime_data.remote_workers.listening
    await mqtt_mock_entry()
    await hass_settled(init_integration)

    async_fire_mqtt_message(hass, TOPIC, online())
    await hass.async_block_till_done()
    connected = entity_id(entity_registry, "binary_sensor", "kitchen-pi", "connected")
    assert state(hass, connected) == STATE_ON
    await unload_all(hass, init_integration)


async def test_unloading_stops_listening(
    hass: HomeAssistant, with_mqtt: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """After OpenEye unloads, statuses and silence timers reach nothing of it."""
    async_fire_mqtt_message(hass, TOPIC, online())
    await hass.async_block_till_done()
    registry = with_mqtt.runtime_data.remote_workers
    assert await hass.config_entries.async_unload(with_mqtt.entry_id)
    await hass.async_block_till_done()
    assert not registry.listening

    async_fire_mqtt_message(hass, TOPIC, b"not a status")
    freezer.tick(timedelta(seconds=60))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert registry.malformed == 0
    assert registry.workers["kitchen-pi"].state == "online"
