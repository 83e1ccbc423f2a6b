"""A worker process: one face engine, one or more cameras; commands in, small results out.

The pool starts it as ``python bootstrap.py worker --fd N`` with its end of a
socketpair as descriptor N, so Home Assistant is never imported here. The
worker loads the face engine once, says :class:`WorkerReady`, then:

- a reader thread receives commands into a queue, so that the socket is
  always drained, even while dlib holds the interpreter lock;
- each camera has a source (reading in its own threads) and an analyzer;
- the main thread applies commands (still images first: someone waits for
  them), then analyses one due frame at a time, taking the cameras in turn,
  and sleeps on a single event that sources and the reader set;
- a probe of a camera's address (one frame, up to its timeout) runs in a
  thread of its own, so that the cameras are not held up meanwhile.

It sends only results and log records, never frames. The end of the socket
(the owner died) or :class:`Stop` releases every source and exits with 0, so
that coverage data and buffers are written like at any normal exit.
"""

from __future__ import annotations

import argparse
import contextlib
from dataclasses import dataclass, field
import faulthandler
import logging
import math
import os
import queue
import signal
import socket
import sys
import threading
import time
from types import FrameType
from typing import Protocol

from .analyzer import CameraAnalyzer
from .engine import EngineUnavailableError, FaceEngine
from .frames import Frame
from .gallery import KnownFaces
from .messages import (
    AddCamera,
    AnalyzeImage,
    CameraEvent,
    EngineFailed,
    Figures,
    ImageAnalysis,
    ProbeResult,
    ProbeSource,
    PushImage,
    RemoveCamera,
    SetGallery,
    SetSettings,
    SourceStatus,
    SourceStatusChanged,
    Stop,
    WorkerLog,
    WorkerReady,
)
from .protocol import (
    EXIT_ENGINE_FAILED,
    EXIT_ERROR,
    EXIT_OK,
    ProtocolError,
    receive_message,
    send_message,
)
from .settings import AnalysisSettings
from .sources import LiveSource, PushedSource, Source, probe
from .still import analyze_still

# Run as __main__ by bootstrap.py: the logger keeps the module's real name.
_LOGGER = logging.getLogger(f"{__package__}.worker")

# The longest the main thread sleeps without a reason to wake: a safety net,
# since sources and commands wake it as soon as there is something to do.
MAX_IDLE_WAIT = 1.0
# A camera whose analysis keeps raising logs the error at most this often.
ERROR_LOG_INTERVAL = 60.0
# How long sources and probes get to stop when the worker exits.
STOP_TIMEOUT = 5.0
# How much lower than its owner's a worker's CPU priority is (added to the
# niceness, whose range ends at 19). See benchmarks/event_loop_lag.py.
WORKER_NICENESS = 10


class Channel:
    """The worker's end of the socket: messages out from any thread, commands in from one."""

    def __init__(self, sock: socket.socket) -> None:
        """Wrap a connected, blocking socket."""
        self._sock = sock
        self._lock = threading.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        """Return True once sending has failed: the owner is gone."""
        return self._closed

    def send(self, message: object) -> bool:
        """Send one message; False when the owner is gone (never raises for that)."""
        with self._lock:
            if self._closed:
                return False
            try:
                send_message(self._sock, message)
            except OSError:
                self._closed = True
                return False
            return True

    def receive(self) -> object | None:
        """Receive one command (from the reader thread only); None at end of stream."""
        return receive_message(self._sock)

    def shutdown(self) -> None:
        """Stop both directions, which ends a receive() blocked in another thread."""
        with self._lock:
            self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Close the socket."""
        self._sock.close()


class CommandChannel(Protocol):
    """What a worker talks through: :class:`Channel` here, the broker for a remote worker."""

    @property
    def closed(self) -> bool:
        """Return True once results can no longer be delivered."""
        ...

    def send(self, message: object) -> bool:
        """Send one result; False when nobody can receive it any more."""
        ...

    def receive(self) -> object | None:
        """Wait for the next command; None when no more will come."""
        ...

    def shutdown(self) -> None:
        """End both directions, which makes a waiting receive() return None."""
        ...


class LogForwarder(logging.Handler):
    """Sends the worker's log records to the owner as :class:`WorkerLog` messages."""

    def __init__(self, channel: Channel, level: int) -> None:
        """Forward records of ``level`` and above through ``channel``."""
        super().__init__(level)
        self._channel = channel
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        """Format the record (with its traceback, if any) and send it."""
        try:
            message = self.format(record)
        except Exception:  # noqa: BLE001 - a bad log call must not break the worker
            self.handleError(record)
            return
        self._channel.send(WorkerLog(record.levelno, message))


@dataclass
class _Camera:
    """One camera of the worker: its source, its analyzer and its bookkeeping."""

    camera_id: str
    source: Source
    analyzer: CameraAnalyzer
    token: object
    next_figures: float
    frames_read_reported: int = 0
    ended: bool = False
    last_error_logged: float = field(default=-math.inf)


type _Status = tuple[str, object, SourceStatus, str | None, float | None, str | None]


class Worker:
    """Hosts cameras and answers commands until told to stop or the owner goes away."""

    def __init__(self, channel: CommandChannel, engine: FaceEngine) -> None:
        """Prepare an empty worker around a loaded engine."""
        self._channel = channel
        self._engine = engine
        self._known = KnownFaces()
        self._settings = AnalysisSettings()
        self._cameras: dict[str, _Camera] = {}
        self._closing: list[Source] = []
        self._probes: list[tuple[threading.Thread, threading.Event]] = []
        self._commands: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._statuses: queue.SimpleQueue[_Status] = queue.SimpleQueue()
        # Set by sources (a frame is ready, a status changed) and by the reader.
        self._wake = threading.Event()
        self._running = True
        self._turn = 0
        # A daemon: it must never keep the process alive after the main thread is done.
        self._reader = threading.Thread(
            target=self._read_commands, name="openeye-commands", daemon=True
        )

    # Commands -----------------------------------------------------------------

    def _read_commands(self) -> None:
        """Receive commands into the queue until Stop or the end of the socket."""
        try:
            while True:
                command = self._channel.receive()
                if command is None:
                    break
                self._commands.put(command)
                self._wake.set()
                if isinstance(command, Stop):
                    return
        except (ProtocolError, OSError) as err:
            if not self._channel.closed:
                _LOGGER.error("Commands cannot be read any more: %s", err)  # noqa: TRY400 - the reason is enough
        # The owner is gone (or speaks garbage): stop as if told to.
        self._commands.put(Stop())
        self._wake.set()

    def stop_soon(self) -> None:
        """Stop at the next turn of the main loop (for signal handlers)."""
        self._commands.put(Stop())
        self._wake.set()

    def _apply_commands(self) -> bool:
        """Apply every queued command, still images before any frame; False after Stop."""
        while self._running:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                break
            self._apply(command)
        return self._running

    def _apply(self, command: object) -> None:
        """Apply one command."""
        match command:
            case AnalyzeImage():
                self._analyze_image(command)
            case PushImage():
                self._push_image(command)
            case AddCamera():
                self._add_camera(command)
            case RemoveCamera():
                self._remove_camera(command.camera_id)
            case SetGallery():
                self._set_gallery(command.known)
            case SetSettings():
                self._set_settings(command.settings)
            case ProbeSource():
                self._start_probe(command)
            case Stop():
                self._running = False
            case _:
                _LOGGER.warning("Unknown command ignored: %s", type(command).__name__)

    def _push_image(self, command: PushImage) -> None:
        """Hand a pushed image to its camera's source, which keeps only the newest."""
        camera = self._cameras.get(command.camera_id)
        if camera is not None and isinstance(camera.source, PushedSource):
            camera.source.push(command.data, command.timestamp)
        else:
            _LOGGER.debug("Image pushed for %s, which takes none", command.camera_id)

    def _set_gallery(self, known: KnownFaces) -> None:
        """Compare every camera (and still images) with a new gallery."""
        self._known = known
        for camera in self._cameras.values():
            camera.analyzer.update_gallery(known)

    def _set_settings(self, settings: AnalysisSettings) -> None:
        """Use new analysis settings for every camera and still image."""
        self._settings = settings
        for camera in self._cameras.values():
            camera.analyzer.update_settings(settings)
            camera.next_figures = min(
                camera.next_figures, time.monotonic() + settings.figures_interval
            )

    def _analyze_image(self, command: AnalyzeImage) -> None:
        """Answer a still image; an unexpected failure still answers, with an error."""
        try:
            result = analyze_still(
                self._engine, command.data, self._known, self._settings, command.request_id
            )
        except Exception as err:
            _LOGGER.exception("Analysing a still image failed")
            result = ImageAnalysis(
                command.request_id, error="analysis_failed", error_detail=str(err)
            )
        self._channel.send(result)

    # Cameras --------------------------------------------------------------------

    def _add_camera(self, command: AddCamera) -> None:
        """Start a camera's source and analyzer (replacing a camera of the same id)."""
        camera_id = command.camera_id
        if camera_id in self._cameras:
            self._remove_camera(camera_id)
        # Statuses carry this token, so that late ones from a replaced
        # camera's source are recognised and dropped.
        token = object()

        def on_status(
            status: SourceStatus, detail: str | None, retry: float | None, reason: str | None
        ) -> None:
            """Queue the status for the main thread, which sends it in order with events."""
            self._statuses.put((camera_id, token, status, detail, retry, reason))

        source: Source
        if command.source is None:
            source = PushedSource(wake=self._wake, name=camera_id)
        else:
            source = LiveSource(
                command.source, command.source_settings, on_status, wake=self._wake, name=camera_id
            )
        analyzer = CameraAnalyzer(camera_id, self._engine, self._settings, self._known)
        self._cameras[camera_id] = _Camera(
            camera_id,
            source,
            analyzer,
            token,
            next_figures=time.monotonic() + self._settings.figures_interval,
        )
        source.request(analyzer.next_due())
        source.start()
        _LOGGER.debug("Camera %s added", camera_id)

    def _remove_camera(self, camera_id: str) -> None:
        """Stop a camera: its source is released in the background, its tracks are closed."""
        camera = self._cameras.pop(camera_id, None)
        if camera is None:
            return
        # The source's threads may be inside a read for up to its read
        # timeout; they are joined later instead of stalling other cameras.
        camera.source.request_stop()
        self._closing.append(camera.source)
        if not camera.ended:
            self._send_all(camera.analyzer.finish(camera.source.newest_pts, time.time()))
        _LOGGER.debug("Camera %s removed", camera_id)

    def _reap_closing(self) -> None:
        """Join the sources of removed cameras whose threads have ended."""
        self._closing = [source for source in self._closing if not source.stop(timeout=0)]

    # Statuses and ends ------------------------------------------------------------

    def _deliver_statuses(self) -> None:
        """Send the sources' status changes; an ended file finishes its camera."""
        while True:
            try:
                camera_id, token, status, detail, retry_in, reason = self._statuses.get_nowait()
            except queue.Empty:
                return
            camera = self._cameras.get(camera_id)
            if camera is None or camera.token is not token:
                continue  # A removed (or replaced) camera's last words.
            if status is SourceStatus.ENDED:
                self._end(camera)
            self._channel.send(
                SourceStatusChanged(
                    camera_id,
                    camera.source.newest_pts,
                    time.time(),
                    status,
                    detail,
                    retry_in,
                    reason,
                )
            )

    def _end(self, camera: _Camera) -> None:
        """Close a camera whose file has ended: its last frame, its tracks, its figures."""
        frame = camera.source.take()
        if frame is not None:
            self._process(camera, frame)
        camera.ended = True
        now = time.time()
        self._send_all(camera.analyzer.finish(camera.source.newest_pts, now))
        self._send_figures(camera, now)

    # Frames -------------------------------------------------------------------------

    def _analyse_next_frame(self) -> bool:
        """Analyse one ready frame, taking the cameras in turn; False when none is ready."""
        cameras = list(self._cameras.values())
        for offset in range(len(cameras)):
            camera = cameras[(self._turn + offset) % len(cameras)]
            if camera.ended:
                continue
            frame = camera.source.take()
            if frame is None:
                continue
            # The next turn starts after this camera, so every camera gets its
            # share however busy the others are.
            self._turn = (self._turn + offset + 1) % len(cameras)
            self._process(camera, frame)
            camera.source.request(camera.analyzer.next_due())
            return True
        return False

    def _process(self, camera: _Camera, frame: Frame) -> None:
        """Analyse one frame and send its events; an analysis error is logged, not fatal."""
        try:
            events = camera.analyzer.process(frame)
        except Exception:
            now = time.monotonic()
            if now - camera.last_error_logged >= ERROR_LOG_INTERVAL:
                camera.last_error_logged = now
                _LOGGER.exception("Camera %s: analysing a frame failed", camera.camera_id)
            return
        self._send_all(events)

    def _send_all(self, events: list[CameraEvent]) -> None:
        """Send results in order."""
        for event in events:
            self._channel.send(event)

    # Figures ------------------------------------------------------------------------

    def _send_figures(self, camera: _Camera, timestamp: float) -> None:
        """Send a camera's figures since the last ones."""
        frames_read = camera.source.frames_read
        figures: Figures = camera.analyzer.figures(
            camera.source.newest_pts, timestamp, frames_read - camera.frames_read_reported
        )
        camera.frames_read_reported = frames_read
        camera.next_figures = time.monotonic() + self._settings.figures_interval
        self._channel.send(figures)

    def _send_due_figures(self) -> float:
        """Send the figures that are due; return the seconds until the next are."""
        now = time.monotonic()
        wait = MAX_IDLE_WAIT
        for camera in self._cameras.values():
            if camera.ended:
                continue
            if now >= camera.next_figures:
                self._send_figures(camera, time.time())
            wait = min(wait, camera.next_figures - now)
        return max(wait, 0.0)

    # Probes -------------------------------------------------------------------------

    def _start_probe(self, command: ProbeSource) -> None:
        """Read one frame of a source in a thread, so that analysis goes on meanwhile."""
        done = threading.Event()

        def run() -> None:
            """Probe and answer."""
            try:
                frame, detail, reason = probe(command.source, command.timeout)
                if frame is None:
                    result = ProbeResult(command.request_id, ok=False, detail=detail, reason=reason)
                else:
                    result = ProbeResult(
                        command.request_id, ok=True, width=frame.width, height=frame.height
                    )
                self._channel.send(result)
            finally:
                done.set()

        thread = threading.Thread(target=run, name="openeye-probe", daemon=True)
        self._probes = [(t, d) for t, d in self._probes if not d.is_set()]
        self._probes.append((thread, done))
        thread.start()

    # Main loop ------------------------------------------------------------------------

    def run(self) -> None:
        """Work until Stop, the end of the socket, or a send that fails."""
        self._reader.start()
        try:
            while self._running and not self._channel.closed:
                self._wake.clear()
                if not self._apply_commands():
                    break
                self._deliver_statuses()
                busy = self._analyse_next_frame()
                wait = self._send_due_figures()
                if self._closing:
                    # Removed cameras' threads end within their read timeout;
                    # checking on them a few times a second is plenty.
                    self._reap_closing()
                    wait = min(wait, 0.25)
                if not busy:
                    self._wake.wait(wait)
        finally:
            self._close()

    def _close(self) -> None:
        """Release every source and thread before the process exits."""
        sources = [camera.source for camera in self._cameras.values()] + self._closing
        self._cameras.clear()
        for source in sources:
            source.request_stop()
        deadline = time.monotonic() + STOP_TIMEOUT
        for source in sources:
            source.stop(timeout=max(deadline - time.monotonic(), 0.0))
        for thread, _done in self._probes:
            thread.join(max(deadline - time.monotonic(), 0.0))
        self._channel.shutdown()
        self._reader.join(max(deadline - time.monotonic(), 0.0))


def lower_priority() -> None:
    """Give this process a lower CPU priority than its owner's.

    When the cameras keep every core busy, the kernel should still run Home
    Assistant's event loop at once and let analysis wait: a frame analysed a
    few milliseconds later costs nothing, while a late event loop delays every
    integration. Raising one's own niceness needs no privilege.
    """
    try:
        os.nice(WORKER_NICENESS)
    except OSError as err:  # pragma: no cover - only refused by unusual security policies
        _LOGGER.warning("The worker keeps its priority: %s", err)


def main(argv: list[str]) -> int:
    """Run a worker on the socket descriptor given as ``--fd``; return the exit code."""
    parser = argparse.ArgumentParser(prog="openeye-worker")
    parser.add_argument("--fd", type=int, required=True, help="the socket's descriptor")
    parser.add_argument("--log-level", type=int, default=logging.INFO)
    args = parser.parse_args(argv)
    channel = Channel(socket.socket(fileno=args.fd))
    forwarder = LogForwarder(channel, args.log_level)
    root = logging.getLogger()
    root.addHandler(forwarder)
    root.setLevel(args.log_level)
    logging.captureWarnings(capture=True)
    # Ctrl+C in a terminal reaches the whole process group; the owner decides
    # when its workers stop. SIGTERM (the pool's last resort before SIGKILL)
    # stops cleanly when the main thread gets to it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A crash inside dlib or FFmpeg prints the Python stack to the inherited stderr.
    faulthandler.enable()
    lower_priority()
    try:
        try:
            engine = FaceEngine()
        except (EngineUnavailableError, RuntimeError, OSError) as err:
            channel.send(EngineFailed(str(err)))
            return EXIT_ENGINE_FAILED
        worker = Worker(channel, engine)

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            """Stop as if told to."""
            worker.stop_soon()

        signal.signal(signal.SIGTERM, on_sigterm)
        channel.send(WorkerReady(os.getpid()))
        worker.run()
    except Exception:
        _LOGGER.exception("The worker failed")
        return EXIT_ERROR
    finally:
        root.removeHandler(forwarder)
        channel.close()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
