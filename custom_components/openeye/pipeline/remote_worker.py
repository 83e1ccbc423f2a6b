"""A remote worker: worker.py's loop on another machine, talking through an MQTT broker.

Started with ``python -m custom_components.openeye.pipeline worker --broker
mqtts://broker:8883 --name NAME`` (cli.py). It loads the face engine, connects
to the broker (mqtt_link.py), announces itself with a retained status and a
last will, then runs the same :class:`~.worker.Worker` as Home Assistant's
local workers: it reads its cameras' streams itself and publishes only
results. Commands arrive on its commands and gallery topics; a remote worker
takes cameras (up to its capacity), settings and the gallery, and nothing
that would need Home Assistant's own frames (pushed images, still images).
It acknowledges a camera by listing it in its status. SIGTERM or Ctrl-C stops
it cleanly, with ``offline`` as its last status.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import logging
import os
from pathlib import Path
import queue
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

from .engine import EngineUnavailableError, FaceEngine
from .messages import AddCamera, RemoveCamera, SetGallery, SetSettings
from .mqtt_link import Codec, LinkOptions, WorkerInfo, WorkerLink
from .protocol import EXIT_ENGINE_FAILED, EXIT_ERROR, EXIT_OK
from .worker import Worker

if TYPE_CHECKING:
    from .mqtt_link import Topics

_LOGGER = logging.getLogger(__name__)

# What a remote worker accepts on each topic: anything else is malformed.
COMMAND_TYPES = frozenset({AddCamera, RemoveCamera, SetSettings})
GALLERY_TYPES = frozenset({SetGallery})
MANIFEST = Path(__file__).resolve().parent.parent / "manifest.json"


def openeye_version() -> str:
    """Return OpenEye's version from the integration's manifest, or ``unknown``."""
    try:
        return str(json.loads(MANIFEST.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return "unknown"


class BrokerChannel:
    """The worker's channel over the broker: commands queued from the link, results published."""

    def __init__(self, capacity: int) -> None:
        """Prepare a channel that takes up to ``capacity`` cameras; attach() a link next."""
        self._capacity = capacity
        self._link: WorkerLink | None = None
        self._commands: queue.SimpleQueue[object | None] = queue.SimpleQueue()
        self._cameras: set[str] = set()
        self._lock = threading.Lock()
        self._closed = False

    def attach(self, link: WorkerLink) -> None:
        """Publish results through ``link``."""
        self._link = link

    def on_command(self, command: object) -> None:
        """Take one decoded command (in the link's thread): acknowledge cameras, queue the rest."""
        match command:
            case AddCamera(camera_id=camera_id, source=None):
                # Snapshot-only cameras are fed by Home Assistant's frames,
                # which never cross the broker: they stay on a local worker.
                _LOGGER.warning("Camera %s refused: it has no stream to read", camera_id)
                return
            case AddCamera(camera_id=camera_id):
                with self._lock:
                    if camera_id not in self._cameras and len(self._cameras) >= self._capacity:
                        _LOGGER.warning(
                            "Camera %s refused: the worker runs %d cameras already",
                            camera_id,
                            self._capacity,
                        )
                        return
                    self._cameras.add(camera_id)
                    cameras = set(self._cameras)
                self._announce(cameras)
            case RemoveCamera(camera_id=camera_id):
                with self._lock:
                    self._cameras.discard(camera_id)
                    cameras = set(self._cameras)
                self._announce(cameras)
        self._commands.put(command)

    def _announce(self, cameras: set[str]) -> None:
        """Publish the status with the cameras the worker now runs."""
        if self._link is not None:
            self._link.set_cameras(cameras)

    @property
    def closed(self) -> bool:
        """Return True once the worker is shutting down."""
        return self._closed

    def send(self, message: object) -> bool:
        """Publish one result; True even while the broker is away (paho queues it)."""
        if self._closed or self._link is None:
            return not self._closed
        try:
            self._link.publish_result(message)
        except Exception:
            # One result that cannot be encoded must not stop the cameras.
            _LOGGER.exception("A %s could not be published", type(message).__name__)
        return True

    def receive(self) -> object | None:
        """Wait for the next command; None once the channel is shut down."""
        return self._commands.get()

    def shutdown(self) -> None:
        """Let a waiting receive() return None."""
        self._closed = True
        self._commands.put(None)


@dataclass(frozen=True, slots=True)
class RemoteWorkerOptions:
    """How to start a remote worker."""

    link: LinkOptions
    capacity: int


def run(options: RemoteWorkerOptions, codec: Codec) -> int:
    """Run a remote worker until SIGTERM or Ctrl-C; return the exit code.

    Raises LinkError, with a message for people, when the broker cannot be
    reached or refuses the worker.
    """
    try:
        engine = FaceEngine()
    except (EngineUnavailableError, RuntimeError, OSError) as err:
        _LOGGER.error("The face engine cannot be loaded: %s", err)  # noqa: TRY400 - the reason is enough
        return EXIT_ENGINE_FAILED
    channel = BrokerChannel(options.capacity)
    info = WorkerInfo(openeye_version(), os.cpu_count() or 1, options.capacity)
    link = WorkerLink(
        options.link,
        codec,
        info,
        on_message=channel.on_command,
        commands=COMMAND_TYPES,
        gallery=GALLERY_TYPES,
    )
    channel.attach(link)
    worker = Worker(channel, engine)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        """Stop at the worker's next turn, then say offline."""
        worker.stop_soon()

    # Set before the status says online: whoever sees the worker may stop it at once.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    link.connect()
    _log_started(link.topics, options)
    try:
        worker.run()
    except Exception:
        _LOGGER.exception("The worker failed")
        return EXIT_ERROR
    finally:
        link.close()
    _LOGGER.info("Stopped")
    return EXIT_OK


def _log_started(topics: Topics, options: RemoteWorkerOptions) -> None:
    """Say where the worker listens, for the person who started it."""
    _LOGGER.info(
        "Worker %s connected to %s; status on %s, up to %d cameras",
        options.link.name,
        options.link.broker,
        topics.status,
        options.capacity,
    )
