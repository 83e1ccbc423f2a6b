"""Remote workers as Home Assistant sees them: their retained statuses on the MQTT broker.

A remote worker (pipeline/remote_worker.py) publishes a retained JSON status
on ``openeye/worker/NAME/status`` when it connects and again every heartbeat,
and the broker replaces it with the worker's last will, ``offline``, when the
worker vanishes. This module listens to those statuses through Home
Assistant's own ``mqtt`` integration, checks each one strictly and keeps the
registry of the workers it has seen: online or not, their load and their last
heartbeat. A worker whose heartbeats stop for :data:`SILENCE_INTERVALS`
intervals counts as offline too, as a broker that has not noticed yet would
otherwise keep it online for a long time.

Nothing here is needed without a broker: when the ``mqtt`` integration is not
set up, the registry stays empty and OpenEye runs as it always did. When it is
set up later, the registry starts listening then.

This module only keeps the registry and announces changes (signals.py); the
entities show them (binary_sensor.py, sensor.py). Placing cameras on remote
workers is not its job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import json
import logging
import math
from typing import Any, Final

from homeassistant.components import mqtt
from homeassistant.const import EVENT_COMPONENT_LOADED
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.setup import ATTR_COMPONENT
from homeassistant.util import dt as dt_util

from .devices import find_device, remote_worker_device_identifier
from .pipeline.mqtt_link import DEFAULT_PREFIX, STATUS_VERSION
from .signals import SIGNAL_REMOTE_WORKER_ADDED, signal_remote_worker_updated

_LOGGER = logging.getLogger(__name__)

# Every worker's status, one topic level for the worker's name.
STATUS_TOPIC: Final = f"{DEFAULT_PREFIX}/+/status"
# A status is a few hundred bytes; anything far longer is refused before it is
# parsed, so that nobody with access to the broker can make Home Assistant
# parse megabytes.
MAX_STATUS_BYTES: Final = 16 * 1024
# The most workers the registry keeps: each is a device with entities, and a
# broker client that invents names must not fill the device registry.
MAX_WORKERS: Final = 64
# A worker is offline once this many of its heartbeat intervals pass without a status.
SILENCE_INTERVALS: Final = 3
# Bounds of what a status may say, generous for real workers and tight
# enough that the numbers shown stay meaningful.
MAX_NAME_LENGTH: Final = 64
MAX_VERSION_LENGTH: Final = 64
MAX_CORES: Final = 4096
MAX_CAPACITY: Final = 1024
MAX_CAMERA_ID_LENGTH: Final = 128
MAX_HEARTBEAT: Final = 3600.0

ONLINE_KEYS: Final = frozenset(
    {
        "v",
        "state",
        "name",
        "version",
        "cores",
        "capacity",
        "cameras",
        "malformed",
        "heartbeat",
        "sent_at",
    }
)
OFFLINE_KEYS: Final = frozenset({"v", "state", "name"})


class WorkerState(StrEnum):
    """Whether a remote worker is there."""

    # Its last status said online, and its heartbeats keep coming.
    ONLINE = "online"
    # It said offline, or the broker published its last will.
    OFFLINE = "offline"
    # It said online, but its heartbeats stopped.
    SILENT = "silent"


class StatusError(ValueError):
    """A status that is not one a remote worker sends; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class WorkerStatus:
    """One checked status, as a remote worker published it."""

    name: str
    online: bool
    version: str | None = None
    cores: int = 0
    capacity: int = 0
    cameras: tuple[str, ...] = ()
    malformed: int = 0
    heartbeat: float = 0.0


@dataclass(slots=True)
class RemoteWorker:
    """What Home Assistant knows about one remote worker."""

    name: str
    state: WorkerState
    version: str | None
    cores: int
    capacity: int
    cameras: tuple[str, ...]
    # Commands the worker itself counted as malformed, as its status says.
    malformed: int
    heartbeat: float
    # When its last online status arrived; None if none has since Home Assistant started.
    last_heartbeat: datetime | None

    @property
    def connected(self) -> bool:
        """Return whether the worker is online and its heartbeats keep coming."""
        return self.state is WorkerState.ONLINE


def _integer(status: dict[str, Any], key: str, maximum: int) -> int:
    """Return ``status[key]`` if it is a whole number from 0 to ``maximum``; StatusError if not."""
    value = status[key]
    # bool is an int to Python, but true is not a number of cameras.
    if type(value) is not int or not 0 <= value <= maximum:
        raise StatusError(f"{key} must be a whole number from 0 to {maximum}")
    return value


def _text(status: dict[str, Any], key: str, maximum: int) -> str:
    """Return ``status[key]`` if it is a non-empty string of at most ``maximum`` characters."""
    value = status[key]
    if not isinstance(value, str) or not 0 < len(value) <= maximum:
        raise StatusError(f"{key} must be a text of 1 to {maximum} characters")
    return value


def parse_status(topic_name: str, payload: bytes) -> WorkerStatus:
    """Return the status in ``payload``, published on worker ``topic_name``'s topic.

    Raises :class:`StatusError` for anything a remote worker of this version
    would not send: too long, not JSON, another version, unknown or missing
    keys, values of the wrong type or out of range, or a name that is not the
    topic's (one worker speaking for another).
    """
    if len(payload) > MAX_STATUS_BYTES:
        raise StatusError(f"{len(payload)} bytes, more than {MAX_STATUS_BYTES}")
    try:
        status = json.loads(payload)
    except (ValueError, RecursionError) as err:
        # RecursionError: a few thousand nested brackets fit in the size limit.
        raise StatusError("not JSON") from err
    if not isinstance(status, dict):
        raise StatusError("not a JSON object")
    version = status.get("v")
    if type(version) is not int or version != STATUS_VERSION:
        raise StatusError(f"version {version!r}, expected {STATUS_VERSION}")
    state = status.get("state")
    # A tuple, not a set: a state that is a list or an object cannot be hashed.
    if state not in ("online", "offline"):
        raise StatusError(f"state {state!r}, expected online or offline")
    expected = ONLINE_KEYS if state == "online" else OFFLINE_KEYS
    if status.keys() != expected:
        missing = sorted(expected - status.keys())
        unknown = sorted(status.keys() - expected)
        raise StatusError(f"missing keys {missing}, unknown keys {unknown}")
    name = _text(status, "name", MAX_NAME_LENGTH)
    if name != topic_name:
        raise StatusError(f"name {name!r} on the topic of worker {topic_name!r}")
    if state == "offline":
        return WorkerStatus(name=name, online=False)
    cameras = status["cameras"]
    if (
        not isinstance(cameras, list)
        or len(cameras) > MAX_CAPACITY
        or not all(
            isinstance(camera, str) and 0 < len(camera) <= MAX_CAMERA_ID_LENGTH
            for camera in cameras
        )
    ):
        raise StatusError("cameras must be a list of camera ids")
    heartbeat = status["heartbeat"]
    if (
        type(heartbeat) not in {int, float}
        or not math.isfinite(heartbeat)
        or not 0 < heartbeat <= MAX_HEARTBEAT
    ):
        raise StatusError(f"heartbeat must be a number of seconds up to {MAX_HEARTBEAT:g}")
    sent_at = status["sent_at"]
    if type(sent_at) not in {int, float} or not math.isfinite(sent_at):
        raise StatusError("sent_at must be a time")
    return WorkerStatus(
        name=name,
        online=True,
        version=_text(status, "version", MAX_VERSION_LENGTH),
        cores=_integer(status, "cores", MAX_CORES),
        capacity=_integer(status, "capacity", MAX_CAPACITY),
        cameras=tuple(cameras),
        malformed=_integer(status, "malformed", 2**63 - 1),
        heartbeat=float(heartbeat),
    )


def _worker_name(topic: str) -> str | None:
    """Return the worker's name from a status topic, or None if the topic is not one."""
    prefix = f"{DEFAULT_PREFIX}/"
    if not topic.startswith(prefix) or not topic.endswith("/status"):
        return None
    name = topic[len(prefix) : -len("/status")]
    return name if name and "/" not in name else None


class RemoteWorkers:
    """The registry of remote workers, fed by their statuses on Home Assistant's MQTT broker."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Prepare an empty registry for an entry; nothing listens before :meth:`start`."""
        self.hass = hass
        self.entry_id = entry_id
        self.workers: dict[str, RemoteWorker] = {}
        # Statuses ignored because they were malformed, oversized, of another
        # version or beyond MAX_WORKERS: a figure for the diagnostics.
        self.malformed = 0
        self._unsubscribe: CALLBACK_TYPE | None = None
        self._stop_waiting_for_mqtt: CALLBACK_TYPE | None = None
        self._subscribing: asyncio.Task[None] | None = None
        self._silence_timers: dict[str, CALLBACK_TYPE] = {}
        self._stopped = False

    @property
    def listening(self) -> bool:
        """Return whether the registry is subscribed to the workers' statuses."""
        return self._unsubscribe is not None

    @callback
    def start(self) -> None:
        """Listen to the statuses once Home Assistant's MQTT client is there, if it ever is.

        Without the ``mqtt`` integration this only waits for it to be set up,
        so that adding a broker later needs no restart of OpenEye.
        """
        if mqtt.DOMAIN in self.hass.config.components:
            self._subscribe_soon()
            return

        @callback
        def _mqtt_loaded(event: Event[Any]) -> None:
            """Start listening once the mqtt integration is set up."""
            if event.data.get(ATTR_COMPONENT) != mqtt.DOMAIN:
                return
            self._cancel_wait_for_mqtt()
            self._subscribe_soon()

        self._stop_waiting_for_mqtt = self.hass.bus.async_listen(
            EVENT_COMPONENT_LOADED, _mqtt_loaded
        )

    @callback
    def stop(self) -> None:
        """Stop listening and forget the timers; the workers' entities stay as they are."""
        self._stopped = True
        self._cancel_wait_for_mqtt()
        if self._subscribing is not None:
            self._subscribing.cancel()
            self._subscribing = None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for cancel in self._silence_timers.values():
            cancel()
        self._silence_timers.clear()

    @callback
    def _cancel_wait_for_mqtt(self) -> None:
        """Stop waiting for the mqtt integration to be set up."""
        if self._stop_waiting_for_mqtt is not None:
            self._stop_waiting_for_mqtt()
            self._stop_waiting_for_mqtt = None

    @callback
    def _subscribe_soon(self) -> None:
        """Subscribe in the background: the MQTT client may still be connecting."""
        # In the background, so that OpenEye's setup never waits for a broker.
        self._subscribing = self.hass.async_create_background_task(
            self._async_subscribe(), "openeye remote workers subscribe"
        )

    async def _async_subscribe(self) -> None:
        """Subscribe to every worker's status once the MQTT client is available."""
        if not await mqtt.async_wait_for_mqtt_client(self.hass):
            _LOGGER.info("MQTT is not available: remote workers are not shown")
            return
        if self._stopped:
            return
        # Bytes rather than text, so that the size is checked before anything is decoded.
        self._unsubscribe = await mqtt.async_subscribe(
            self.hass, STATUS_TOPIC, self._on_message, qos=1, encoding=None
        )
        self._subscribing = None
        _LOGGER.debug("Listening to remote workers on %s", STATUS_TOPIC)

    @callback
    def _on_message(self, message: mqtt.ReceiveMessage) -> None:
        """Take one status from the broker, or ignore it with one log line and count it."""
        name = _worker_name(message.topic)
        if name is None:
            self._ignore(message.topic, "not a worker's status topic")
            return
        # Subscribed without an encoding, the payload is bytes; text is
        # accepted too, should another version of the mqtt integration decode it.
        payload = message.payload
        if isinstance(payload, str):
            payload = payload.encode()
        payload = bytes(payload)
        if not payload:
            # An empty retained message is how a broker's administrator
            # deletes a retired worker's status: nothing to show, nothing wrong.
            return
        try:
            status = parse_status(name, payload)
        except StatusError as err:
            self._ignore(message.topic, str(err))
            return
        if name not in self.workers and len(self.workers) >= MAX_WORKERS:
            self._ignore(message.topic, f"more than {MAX_WORKERS} workers")
            return
        self._update(status)

    @callback
    def _ignore(self, topic: str, reason: str) -> None:
        """Count a status that is not taken, and say why once."""
        self.malformed += 1
        _LOGGER.warning("Ignored a remote worker's status on %s: %s", topic, reason)

    @callback
    def _update(self, status: WorkerStatus) -> None:
        """Record a checked status and announce it."""
        worker = self.workers.get(status.name)
        added = worker is None
        if worker is None:
            worker = RemoteWorker(
                name=status.name,
                state=WorkerState.OFFLINE,
                version=None,
                cores=0,
                capacity=0,
                cameras=(),
                malformed=0,
                heartbeat=0.0,
                last_heartbeat=None,
            )
            self.workers[status.name] = worker
        self._cancel_silence_timer(status.name)
        if status.online and not added and status.version != worker.version:
            self._update_device_version(status.name, status.version)
        if status.online:
            worker.state = WorkerState.ONLINE
            worker.version = status.version
            worker.cores = status.cores
            worker.capacity = status.capacity
            worker.cameras = status.cameras
            worker.malformed = status.malformed
            worker.heartbeat = status.heartbeat
            worker.last_heartbeat = dt_util.utcnow()
            self._silence_timers[status.name] = async_call_later(
                self.hass,
                SILENCE_INTERVALS * status.heartbeat,
                self._silence_callback(status.name),
            )
        else:
            worker.state = WorkerState.OFFLINE
            # An offline worker runs nothing, whatever it last said.
            worker.cameras = ()
        if added:
            async_dispatcher_send(self.hass, SIGNAL_REMOTE_WORKER_ADDED, status.name)
        else:
            async_dispatcher_send(self.hass, signal_remote_worker_updated(status.name))

    @callback
    def _update_device_version(self, name: str, version: str | None) -> None:
        """Show a worker's new version on its device, as after an upgrade of the worker."""
        identifier = remote_worker_device_identifier(name)
        if device := find_device(self.hass, self.entry_id, identifier):
            dr.async_get(self.hass).async_update_device(device.id, sw_version=version)

    def _silence_callback(self, name: str) -> Callable[[datetime], None]:
        """Return the timer callback that marks worker ``name`` silent."""

        @callback
        def _silent(_now: datetime) -> None:
            """Count the worker offline: its heartbeats stopped."""
            self._silence_timers.pop(name, None)
            worker = self.workers.get(name)
            if worker is None or worker.state is not WorkerState.ONLINE:
                return
            _LOGGER.warning(
                "Remote worker %s sent no heartbeat for %.0f s: counted as offline",
                name,
                SILENCE_INTERVALS * worker.heartbeat,
            )
            worker.state = WorkerState.SILENT
            worker.cameras = ()
            async_dispatcher_send(self.hass, signal_remote_worker_updated(name))

        return _silent

    @callback
    def _cancel_silence_timer(self, name: str) -> None:
        """Cancel the worker's silence timer, if it has one."""
        if cancel := self._silence_timers.pop(name, None):
            cancel()
