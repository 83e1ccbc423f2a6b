"""A remote worker's connection to an MQTT broker: its topics, its status and its last will.

A worker on another machine reaches Home Assistant only through the broker
that Home Assistant's ``mqtt`` integration already uses. Under a prefix
(``openeye/worker`` by default) each worker named NAME has four topics:

- ``<prefix>/NAME/status``: retained JSON saying ``online`` with the worker's
  version, cores, capacity and cameras, published again as a heartbeat; the
  broker replaces it with ``offline`` (the last will) when the worker
  vanishes, and the worker publishes ``offline`` itself when it stops;
- ``<prefix>/NAME/results``: the worker's results, encoded by the codec;
- ``<prefix>/NAME/commands`` and ``<prefix>/NAME/gallery``: what it is told,
  decoded by the codec, which accepts only the command types a remote worker
  takes. Anything else is ignored with one log line and counted.

This module only moves bytes and keeps the status; what the commands mean is
the worker's business (remote_worker.py). It never imports Home Assistant.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import logging
import ssl
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit

from .wire import MAX_GALLERY_BYTES, MAX_MESSAGE_BYTES

if TYPE_CHECKING:
    import paho.mqtt.client as mqtt
    from paho.mqtt.properties import Properties
    from paho.mqtt.reasoncodes import ReasonCode

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

_LOGGER = logging.getLogger(__name__)

DEFAULT_PREFIX = "openeye/worker"
# The version of the status document, which Home Assistant checks before reading it.
STATUS_VERSION = 1
# Seconds between two PINGs; the broker publishes the last will about 1.5 times
# this long after the worker's last sign of life: 12 s, so that a dead
# worker's cameras can move within the 15 s that issue 13 asks for.
DEFAULT_KEEPALIVE = 8
# Seconds between two heartbeats (the retained status, published again).
# Home Assistant counts a worker silent after three of them (12 s), for a
# link cut without the broker noticing; a status is about 300 bytes, so a
# worker costs the broker under 100 bytes a second.
DEFAULT_HEARTBEAT = 4.0
# How long the first connection may take before the worker gives up.
CONNECT_TIMEOUT = 30.0
# How long stopping waits for the broker to take the final ``offline`` status.
CLOSE_TIMEOUT = 5.0
DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
# The longest message each topic takes, checked before it is parsed: only
# the gallery (every taught person's encodings) may be large.
TOPIC_LIMITS = {"commands": MAX_MESSAGE_BYTES, "gallery": MAX_GALLERY_BYTES}
# Characters that MQTT gives a meaning in topic names.
_TOPIC_SPECIALS = frozenset("/+#\0")


class LinkError(Exception):
    """The link cannot be made; the message is one line for the person who started the worker."""


class Codec(Protocol):
    """Turns messages into bytes and back (pipeline/wire.py is the real one)."""

    def encode(self, message: object) -> bytes:
        """Return the bytes of one message."""
        ...

    def decode(self, data: bytes, *, max_bytes: int, allowed: Collection[type]) -> object:
        """Return the message in ``data``, one of ``allowed``; raise for anything else.

        ``data`` longer than ``max_bytes`` is refused before it is parsed.
        """
        ...


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where the broker listens, and whether it speaks TLS."""

    host: str
    port: int
    tls: bool

    def __str__(self) -> str:
        """Return the address as a URL, without credentials."""
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def parse_broker_url(url: str) -> BrokerAddress:
    """Return the broker of ``mqtt://host[:port]`` or ``mqtts://host[:port]``; LinkError otherwise.

    Credentials never belong in the URL, where they would show in the process
    list: they come from a password file.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise LinkError(f"The broker URL {url!r} is not valid: {err}") from err
    if parts.scheme not in DEFAULT_PORTS:
        raise LinkError(f"The broker URL {url!r} must start with mqtt:// or mqtts://")
    if not parts.hostname:
        raise LinkError(f"The broker URL {url!r} names no host")
    if parts.username is not None or parts.password is not None:
        raise LinkError(
            "Give the broker's user name with --username and --password-file, not in the URL"
        )
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise LinkError(f"The broker URL {url!r} must be only a host and a port")
    return BrokerAddress(
        unquote(parts.hostname), port or DEFAULT_PORTS[parts.scheme], parts.scheme == "mqtts"
    )


def check_name(name: str) -> str:
    """Return a worker's name if it can be one level of a topic; LinkError otherwise."""
    if not name or _TOPIC_SPECIALS & set(name):
        raise LinkError(f"The worker name {name!r} must be non-empty, without / + # or NUL")
    return name


@dataclass(frozen=True, slots=True)
class Topics:
    """The topics of one worker."""

    status: str
    results: str
    commands: str
    gallery: str

    @classmethod
    def of(cls, prefix: str, name: str) -> Topics:
        """Return the topics of worker ``name`` under ``prefix``."""
        base = f"{prefix.rstrip('/')}/{check_name(name)}"
        return cls(f"{base}/status", f"{base}/results", f"{base}/commands", f"{base}/gallery")


@dataclass(frozen=True, slots=True)
class LinkOptions:
    """Everything needed to connect one worker to its broker."""

    broker: BrokerAddress
    name: str
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    # Accept any certificate (a self-signed broker without its CA file at hand).
    insecure: bool = False
    prefix: str = DEFAULT_PREFIX
    keepalive: int = DEFAULT_KEEPALIVE
    heartbeat: float = DEFAULT_HEARTBEAT


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """What a worker says about itself in its status, besides its cameras."""

    version: str
    cores: int
    capacity: int


def offline_status(name: str) -> bytes:
    """Return the status a worker leaves behind: its last will, and its last word when it stops."""
    return json.dumps({"v": STATUS_VERSION, "state": "offline", "name": name}).encode()


class WorkerLink:
    """One worker's connection to the broker: status, heartbeats, results out, commands in."""

    def __init__(
        self,
        options: LinkOptions,
        codec: Codec,
        info: WorkerInfo,
        *,
        on_message: Callable[[object], None],
        commands: Collection[type],
        gallery: Collection[type],
    ) -> None:
        """Prepare the link; ``on_message`` gets each decoded command, in paho's thread."""
        self._options = options
        self._codec = codec
        self._info = info
        self._on_message = on_message
        self._allowed = {"commands": commands, "gallery": gallery}
        self.topics = Topics.of(options.prefix, options.name)
        self._lock = threading.Lock()
        self._cameras: tuple[str, ...] = ()
        self._malformed = 0
        self._connected = threading.Event()
        self._refused: str | None = None
        self._stopping = threading.Event()
        self._heartbeat = threading.Thread(target=self._beat, name="openeye-heartbeat", daemon=True)
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        """Return a paho client with credentials, TLS, last will and callbacks set."""
        # paho-mqtt is imported here, not with the module: only a remote
        # worker needs it, and the scan command and Home Assistant's own
        # workers run where it may not be installed.
        import paho.mqtt.client as mqtt  # noqa: PLC0415
        from paho.mqtt.enums import CallbackAPIVersion  # noqa: PLC0415

        options = self._options
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"openeye-worker-{options.name}",
            protocol=mqtt.MQTTv311,
        )
        if options.username is not None:
            client.username_pw_set(options.username, options.password)
        if options.broker.tls:
            try:
                client.tls_set(
                    ca_certs=options.ca_file,
                    cert_reqs=ssl.CERT_NONE if options.insecure else ssl.CERT_REQUIRED,
                )
            except (OSError, ssl.SSLError) as err:
                raise LinkError(f"The CA file {options.ca_file} cannot be used: {err}") from err
            client.tls_insecure_set(options.insecure)
        client.will_set(self.topics.status, offline_status(options.name), qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_message = self._on_message_received
        return client

    @property
    def malformed(self) -> int:
        """Return how many messages were ignored because they could not be decoded."""
        with self._lock:
            return self._malformed

    # Lifetime -----------------------------------------------------------------

    def connect(self, timeout: float = CONNECT_TIMEOUT) -> None:
        """Connect, announce the worker and start the heartbeat; LinkError if that fails."""
        broker = self._options.broker
        try:
            self._client.connect(broker.host, broker.port, keepalive=self._options.keepalive)
        except OSError as err:
            raise LinkError(f"The broker at {broker} cannot be reached: {err}") from err
        self._client.loop_start()
        if not self._connected.wait(timeout) or self._refused is not None:
            self._client.loop_stop()
            self._client.disconnect()
            if self._refused is not None:
                raise LinkError(f"The broker at {broker} refused the connection: {self._refused}")
            raise LinkError(f"The broker at {broker} did not answer within {timeout:.0f} s")
        self._heartbeat.start()

    def close(self) -> None:
        """Publish ``offline`` (retained) and disconnect, so that no last will is needed."""
        self._stopping.set()
        info = self._client.publish(
            self.topics.status, offline_status(self._options.name), qos=1, retain=True
        )
        # A worker cut off from its broker cannot say goodbye; its will does.
        if self._client.is_connected():
            info.wait_for_publish(CLOSE_TIMEOUT)
        self._client.disconnect()
        self._client.loop_stop()
        if self._heartbeat.is_alive():
            self._heartbeat.join(CLOSE_TIMEOUT)

    # Out ----------------------------------------------------------------------

    def set_cameras(self, cameras: Collection[str]) -> None:
        """Remember the cameras the worker runs and publish the status at once."""
        with self._lock:
            self._cameras = tuple(sorted(cameras))
        self.publish_status()

    def publish_status(self) -> None:
        """Publish the retained ``online`` status (also the heartbeat)."""
        with self._lock:
            status: dict[str, Any] = {
                "v": STATUS_VERSION,
                "state": "online",
                "name": self._options.name,
                "version": self._info.version,
                "cores": self._info.cores,
                "capacity": self._info.capacity,
                "cameras": list(self._cameras),
                "malformed": self._malformed,
                "heartbeat": self._options.heartbeat,
                "sent_at": round(time.time(), 3),
            }
        self._client.publish(self.topics.status, json.dumps(status).encode(), qos=1, retain=True)

    def publish_result(self, message: object) -> None:
        """Encode and publish one result; paho queues it while the broker is away."""
        self._client.publish(self.topics.results, self._codec.encode(message), qos=1)

    def _beat(self) -> None:
        """Publish the status every heartbeat interval until the link closes."""
        while not self._stopping.wait(self._options.heartbeat):
            self.publish_status()

    # In -----------------------------------------------------------------------

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        """Subscribe and announce on every (re)connection; remember a refusal."""
        if reason_code.is_failure:
            if not self._connected.is_set():
                self._refused = str(reason_code)
                self._connected.set()
            else:
                _LOGGER.error("The broker refused to reconnect: %s", reason_code)
            return
        # Subscriptions and the retained status are made again on every
        # connection: a restarted broker may have lost both, and the last
        # will has replaced the status while the worker was away.
        client.subscribe([(self.topics.commands, 1), (self.topics.gallery, 1)])
        self.publish_status()
        if self._connected.is_set():
            _LOGGER.info("Connected to the broker again")
        self._connected.set()

    def _on_message_received(
        self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage
    ) -> None:
        """Decode one command and hand it on; ignore, log and count anything malformed."""
        kind = message.topic.rsplit("/", 1)[-1]
        allowed = self._allowed.get(kind)
        if allowed is None:
            return
        try:
            command = self._codec.decode(
                message.payload, max_bytes=TOPIC_LIMITS[kind], allowed=allowed
            )
        except Exception as err:  # noqa: BLE001 - a bad message must never stop the worker
            with self._lock:
                self._malformed += 1
                count = self._malformed
            _LOGGER.warning(
                "Malformed message on %s ignored (%d so far): %s", message.topic, count, err
            )
            return
        self._on_message(command)
