"""The owner's side of the workers: start, feed, watch, restart and stop them, with asyncio.

Nothing here blocks the event loop: workers are separate processes started
with ``asyncio.create_subprocess_exec`` (a fresh interpreter through
``bootstrap.py``, never a fork of the owner), every write goes through an
asyncio stream, and results are read by one task per worker and handed to
``on_result`` in the event loop.

Topology
--------
Each camera is captured in its own threads inside a worker; the cameras of a
worker share its one face engine and its one analysis thread, taken in turn at
their newest frame; cameras go to the least-loaded worker, and there are at
most as many workers as cores. Measured with ``benchmarks/worker_topology.py``
(2 cores, the Hamilton clip as looping realtime 640x360 30 fps cameras):

- a worker is ready 0.7 s after it is spawned; idle with the engine loaded it
  takes 94 MiB resident (74 MiB proportional, shared libraries divided);
- with one camera it takes 120 MiB; each further camera in the same worker
  adds about 5 MiB resident and 18 % of a core (reading at 30 frames a second,
  analysing 8 to 11 frames a second, motion-gated detection included);
- one process per camera instead costs about 120 MiB resident (78 MiB
  proportional) for every camera: 481 MiB for four cameras, against 136 MiB in
  one shared worker or 252 MiB in two.

Why not more workers than cores: dlib holds the interpreter lock while it
detects and encodes, so one worker analyses on at most one core; a second
worker per core would add the engine's memory without adding throughput.
Why not fewer: the cores would sit idle while one worker's cameras queue. FFmpeg
reads and decodes with the lock released, so a worker's capture threads run on
the other core meanwhile. When a worker has more cameras than it can analyse,
every camera's analysis rate drops a little (11.5 frames a second alone, 8 with
four cameras) but never its latency, because each source only ever hands over
its newest frame.

Workers lower their own CPU priority (niceness +10): when the cameras keep
every core busy, the kernel runs Home Assistant's event loop first
(``benchmarks/event_loop_lag.py`` compares both priorities).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
import itertools
import logging
import os
from pathlib import Path
import socket
import sys
import time
from typing import Any, TypeVar, cast

from .gallery import KnownFaces
from .messages import (
    AddCamera,
    AnalyzeImage,
    EngineFailed,
    ImageAnalysis,
    PoolResult,
    ProbeResult,
    ProbeSource,
    PushImage,
    RemoveCamera,
    SetGallery,
    SetSettings,
    SourceStatus,
    SourceStatusChanged,
    Stop,
    WorkerReady,
)
from .protocol import EXIT_ENGINE_FAILED, ProtocolError, read_message, write_message
from .settings import AnalysisSettings, SourceSettings

BOOTSTRAP = Path(__file__).resolve().with_name("bootstrap.py")
# After Stop, a worker releases its sources (each bounded by its read
# timeout) and exits; past this it is terminated, then killed.
STOP_TIMEOUT = 5.0
TERMINATE_TIMEOUT = 2.0
# How long a worker that exited may still deliver what it sent before dying.
DRAIN_TIMEOUT = 2.0
# A probe may take its own timeout, plus the time a worker needs to start.
PROBE_START_ALLOWANCE = 10.0
# Pushed images are dropped rather than queued once this much is waiting to
# be written to a worker: the worker keeps only the newest image anyway.
PUSH_BACKLOG_LIMIT = 8 * 1024 * 1024

_ResultT = TypeVar("_ResultT", ImageAnalysis, ProbeResult)


class WorkerUnavailableError(RuntimeError):
    """No worker can do the work: the engine failed, the pool is stopped, or none answered."""


class WorkerExitedError(WorkerUnavailableError):
    """The worker died while it had the request; another (or the restarted one) may take it."""


def worker_command(fd: int, log_level: int = logging.INFO) -> list[str]:
    """Return the command line that starts a worker on socket descriptor ``fd``."""
    return [
        sys.executable,
        str(BOOTSTRAP),
        "worker",
        "--fd",
        str(fd),
        "--log-level",
        str(log_level),
    ]


@dataclass(eq=False)
class _Worker:
    """One worker slot: its cameras at all times, and a process while it runs."""

    slot: int
    cameras: set[str] = field(default_factory=set)
    process: asyncio.subprocess.Process | None = None
    writer: asyncio.StreamWriter | None = None
    ready: bool = False
    started_at: float = 0.0
    start_task: asyncio.Task[None] | None = None
    reader_task: asyncio.Task[None] | None = None
    exit_task: asyncio.Task[None] | None = None
    restart_task: asyncio.Task[None] | None = None
    restart_delay: float = 0.0
    restarts: int = 0
    engine_failed: bool = False
    pending: dict[int, asyncio.Future[Any]] = field(default_factory=dict)

    @property
    def pid(self) -> int | None:
        """Return the process id while the worker runs."""
        if self.process is None or self.process.returncode is not None:
            return None
        return self.process.pid

    @property
    def active(self) -> bool:
        """Return True while a process runs or is being started."""
        return self.writer is not None or self.start_task is not None


class WorkerPool:
    """Runs the pipeline's workers for one owner (Home Assistant's hub, or the command line)."""

    def __init__(
        self,
        on_result: Callable[[PoolResult], None],
        *,
        max_workers: int | None = None,
        restart_backoff: tuple[float, float] = (1.0, 30.0),
        logger: logging.Logger | None = None,
    ) -> None:
        """Prepare the pool; no process starts before a camera or an image needs one.

        ``on_result`` is called in the event loop with every camera event,
        worker log record and :class:`EngineFailed`. Still-image analyses and
        probes are returned to their callers instead.
        """
        self._on_result = on_result
        self._max_workers = max(1, max_workers or os.cpu_count() or 1)
        self._backoff_initial, self._backoff_max = restart_backoff
        self._logger = logger or logging.getLogger(__name__)
        self._workers = [_Worker(slot) for slot in range(self._max_workers)]
        self._cameras: dict[str, AddCamera] = {}
        self._hosts: dict[str, _Worker] = {}
        self._known = KnownFaces()
        self._settings = AnalysisSettings()
        self._request_ids = itertools.count(1)
        self._engine_error: str | None = None
        self._stopped = False

    # Public state ---------------------------------------------------------

    @property
    def worker_pids(self) -> list[int]:
        """Return the process ids of the running workers."""
        return [pid for worker in self._workers if (pid := worker.pid) is not None]

    def worker_of(self, camera_id: str) -> int | None:
        """Return the process id of the worker hosting a camera (None while it restarts)."""
        worker = self._hosts.get(camera_id)
        return worker.pid if worker is not None else None

    @property
    def cameras_by_worker(self) -> dict[int, list[str]]:
        """Return the cameras of every running worker, by process id."""
        return {
            pid: sorted(worker.cameras)
            for worker in self._workers
            if (pid := worker.pid) is not None
        }

    @property
    def restarts(self) -> int:
        """Return how many times workers have been restarted after dying."""
        return sum(worker.restarts for worker in self._workers)

    @property
    def engine_error(self) -> str | None:
        """Return why the face engine cannot load, once a worker has reported it."""
        return self._engine_error

    # Life cycle -------------------------------------------------------------

    async def async_start(self) -> None:
        """Accept work; workers start lazily, when a camera or an image needs one."""
        self._stopped = False

    async def async_stop(self) -> None:
        """Stop every worker and wait for it; leave no process, task, thread or descriptor.

        Each worker is told to stop, then terminated after :data:`STOP_TIMEOUT`
        seconds, then killed; every process is reaped.
        """
        self._stopped = True
        for worker in self._workers:
            if worker.restart_task is not None:
                worker.restart_task.cancel()
                await asyncio.gather(worker.restart_task, return_exceptions=True)
                worker.restart_task = None
            if worker.start_task is not None:
                await asyncio.gather(worker.start_task, return_exceptions=True)
        running = [w for w in self._workers if w.process is not None and w.exit_task is not None]
        for worker in running:
            await self._send(worker, Stop())
        exits = {w.exit_task for w in running if w.exit_task is not None}
        if exits:
            await asyncio.wait(exits, timeout=STOP_TIMEOUT)
        for signal_name, timeout in (("terminate", TERMINATE_TIMEOUT), ("kill", None)):
            late = [w for w in running if w.exit_task is not None and not w.exit_task.done()]
            if not late:
                break
            for worker in late:
                if worker.process is not None and worker.process.returncode is None:
                    self._logger.warning(
                        "OpenEye worker %d did not stop in time: %s",
                        worker.process.pid,
                        signal_name,
                    )
                    getattr(worker.process, signal_name)()
            await asyncio.wait({w.exit_task for w in late if w.exit_task}, timeout=timeout)

    # Commands -----------------------------------------------------------------

    async def async_set_gallery(self, known: KnownFaces) -> None:
        """Replace the known faces in every worker (and in those started later)."""
        self._known = known
        for worker in self._workers:
            await self._send(worker, SetGallery(known))

    async def async_set_settings(self, settings: AnalysisSettings) -> None:
        """Replace the analysis settings in every worker (and in those started later)."""
        self._settings = settings
        for worker in self._workers:
            await self._send(worker, SetSettings(settings))

    async def async_add_camera(
        self, camera_id: str, source: str | None, source_settings: SourceSettings
    ) -> None:
        """Start watching a camera on the least-loaded worker (starting one if needed).

        ``source`` is a stream URL or a file path, or None for a camera fed with
        :meth:`async_push_image`. A camera with the same id is replaced.
        """
        self._check_usable()
        if camera_id in self._cameras:
            await self.async_remove_camera(camera_id)
        command = AddCamera(camera_id, source, source_settings)
        worker = min(
            self._workers,
            key=lambda w: (len(w.cameras), w.restart_task is not None, not w.active, w.slot),
        )
        self._cameras[camera_id] = command
        self._hosts[camera_id] = worker
        worker.cameras.add(camera_id)
        if worker.writer is not None:
            await self._send(worker, command)
        elif worker.restart_task is None:
            # The new process is sent every camera of its slot, this one included.
            await self._ensure_started(worker)

    async def async_remove_camera(self, camera_id: str) -> None:
        """Stop watching a camera; unknown cameras are ignored."""
        self._cameras.pop(camera_id, None)
        worker = self._hosts.pop(camera_id, None)
        if worker is None:
            return
        worker.cameras.discard(camera_id)
        await self._send(worker, RemoveCamera(camera_id))

    async def async_push_image(self, camera_id: str, data: bytes, timestamp: float) -> None:
        """Hand a still image to the worker of a camera without a stream.

        Best effort: while the worker restarts, or while earlier images are
        still being written to it, the image is dropped (the next replaces it).
        """
        self._check_usable()
        worker = self._hosts.get(camera_id)
        if worker is None or worker.writer is None:
            return
        if worker.writer.transport.get_write_buffer_size() > PUSH_BACKLOG_LIMIT:
            self._logger.debug("Image for %s dropped: the worker is behind", camera_id)
            return
        await self._send(worker, PushImage(camera_id, data, timestamp))

    async def async_analyze_image(
        self,
        data: bytes,
        timeout: float = 60.0,  # noqa: ASYNC109 - the owner's API: a bound on the answer
    ) -> ImageAnalysis:
        """Analyse a still image in a worker; raise WorkerUnavailableError if none answers."""
        request_id = next(self._request_ids)
        return await self._request(ImageAnalysis, AnalyzeImage(request_id, data), timeout)

    async def async_probe_source(
        self,
        source: str,
        timeout: float = 15.0,  # noqa: ASYNC109 - the probe's own timeout, given to the worker
    ) -> ProbeResult:
        """Open a stream or file in a worker and read one frame, within ``timeout`` seconds."""
        request_id = next(self._request_ids)
        return await self._request(
            ProbeResult,
            ProbeSource(request_id, source, timeout),
            timeout + PROBE_START_ALLOWANCE,
        )

    # Requests ------------------------------------------------------------------

    def _check_usable(self) -> None:
        """Raise WorkerUnavailableError when the pool cannot take work."""
        if self._engine_error is not None:
            raise WorkerUnavailableError(f"The face engine cannot load: {self._engine_error}")
        if self._stopped:
            raise WorkerUnavailableError("The worker pool is stopped")

    async def _request(
        self, kind: type[_ResultT], command: AnalyzeImage | ProbeSource, limit: float
    ) -> _ResultT:
        """Send a command to the least-busy worker and wait for its answer, within ``limit``.

        A request that meets a restarting worker waits for it, and one whose
        worker dies under it is sent again, as long as ``limit`` allows: a
        photo taught while a worker recovers is answered, not refused.
        Requests are idempotent (an analysis or a probe), so sending one twice
        is harmless.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while True:
            self._check_usable()
            worker = await self._worker_for_request(deadline)
            try:
                return await self._ask(worker, kind, command, (deadline, limit))
            except WorkerExitedError:
                if loop.time() >= deadline:
                    raise
                # Wait until the pool has seen the death (its watcher reaps the
                # process and schedules the restart), so that the next attempt
                # never goes to the same dead worker again.
                if (exit_task := worker.exit_task) is not None:
                    await asyncio.wait({exit_task}, timeout=max(deadline - loop.time(), 0))
                self._logger.debug("Request %d sent again: its worker died", command.request_id)

    async def _worker_for_request(self, deadline: float) -> _Worker:
        """Return the least-busy running worker, or one that can start.

        When every worker waits out its back-off after a failure, this waits
        for the first restart (within ``deadline``), once: a worker that
        cannot be started at all is reported at once after that attempt,
        rather than after every retry the request's time would allow.
        """
        for attempt in range(2):
            active = [worker for worker in self._workers if worker.active]
            if active:
                return min(active, key=lambda w: (len(w.cameras) + len(w.pending), w.slot))
            idle = [worker for worker in self._workers if worker.restart_task is None]
            if idle:
                return idle[0]
            remaining = deadline - asyncio.get_running_loop().time()
            if attempt or remaining <= 0:
                break
            restarts = {w.restart_task for w in self._workers if w.restart_task is not None}
            await asyncio.wait(restarts, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            self._check_usable()
        raise WorkerUnavailableError("Every worker is restarting after a failure")

    async def _ask(
        self,
        worker: _Worker,
        kind: type[_ResultT],
        command: AnalyzeImage | ProbeSource,
        bound: tuple[float, float],
    ) -> _ResultT:
        """Send a command to one worker and wait for its answer; ``bound`` is (deadline, limit)."""
        deadline, limit = bound
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        worker.pending[command.request_id] = future
        try:
            await self._ensure_started(worker)
            if not await self._send(worker, command):
                raise WorkerExitedError("The worker is not running")
            async with asyncio.timeout_at(deadline):
                result = await future
        except TimeoutError:
            raise WorkerUnavailableError(f"No worker answered within {limit:g} s") from None
        finally:
            worker.pending.pop(command.request_id, None)
        if not isinstance(result, kind):  # pragma: no cover - the worker answers in kind
            raise WorkerUnavailableError(f"Unexpected answer {type(result).__name__}")
        return result

    # Processes -------------------------------------------------------------------

    async def _send(self, worker: _Worker, message: object) -> bool:
        """Write a message to a running worker; False if it is not running.

        Writing never blocks the event loop; ``drain()`` only suspends this
        coroutine while the socket is full.
        """
        writer = worker.writer
        if writer is None or writer.is_closing():
            return False
        try:
            write_message(writer, message)
            await writer.drain()
        except (ConnectionError, OSError):
            # The worker is dying; its exit is handled by its watcher.
            return False
        return True

    async def _ensure_started(self, worker: _Worker) -> None:
        """Start the worker's process unless it runs, is starting or waits to restart."""
        if worker.writer is not None or worker.restart_task is not None:
            return
        if worker.start_task is None:
            worker.start_task = asyncio.create_task(
                self._spawn(worker), name=f"openeye worker {worker.slot} start"
            )
        task = worker.start_task
        try:
            await asyncio.shield(task)
        except OSError as err:
            raise WorkerUnavailableError(f"A worker cannot be started: {err}") from err

    async def _spawn(self, worker: _Worker) -> None:
        """Start a worker process on a socketpair and send it the whole current state."""
        loop = asyncio.get_running_loop()
        process: asyncio.subprocess.Process | None = None
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            try:
                process = await asyncio.create_subprocess_exec(
                    *worker_command(child.fileno(), self._logger.getEffectiveLevel()),
                    pass_fds=(child.fileno(),),
                    stdin=asyncio.subprocess.DEVNULL,
                    # FFmpeg's own chatter stays off: PyAV keeps its log silent
                    # unless asked, and the status messages say what matters.
                    stdout=asyncio.subprocess.DEVNULL,
                )
            finally:
                # The child has its copy (or there is no child): ours would
                # only keep the socket open after the worker's death.
                child.close()
            reader, writer = await asyncio.open_unix_connection(sock=parent)
        except BaseException as err:
            parent.close()
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
            if isinstance(err, OSError):
                self._logger.error("An OpenEye worker cannot be started: %s", err)  # noqa: TRY400
                self._schedule_restart(worker)
            raise
        finally:
            worker.start_task = None
        worker.process = process
        worker.writer = writer
        worker.ready = False
        worker.started_at = loop.time()
        # The state is written with no await in between, right as the writer
        # appears: every command sent later goes after it, none is missed.
        write_message(writer, SetSettings(self._settings))
        write_message(writer, SetGallery(self._known))
        for camera_id in sorted(worker.cameras):
            write_message(writer, self._cameras[camera_id])
        worker.reader_task = asyncio.create_task(
            self._read(worker, reader), name=f"openeye worker {process.pid} reader"
        )
        worker.exit_task = asyncio.create_task(
            self._watch(worker, process, writer), name=f"openeye worker {process.pid} exit"
        )
        self._logger.debug("OpenEye worker %d started (slot %d)", process.pid, worker.slot)

    async def _read(self, worker: _Worker, reader: asyncio.StreamReader) -> None:
        """Deliver a worker's results until its end of the socket closes."""
        pid = worker.pid
        try:
            while (message := await read_message(reader)) is not None:
                self._dispatch(worker, message)
        except ProtocolError as err:
            self._logger.error("OpenEye worker %s sent garbage (%s); killing it", pid, err)  # noqa: TRY400
            if worker.process is not None and worker.process.returncode is None:
                worker.process.kill()
        except (ConnectionError, OSError):
            return

    def _dispatch(self, worker: _Worker, message: object) -> None:
        """Route one message: answers to their callers, the rest to ``on_result``."""
        match message:
            case ImageAnalysis() | ProbeResult():
                future = worker.pending.get(message.request_id)
                if future is not None and not future.done():
                    future.set_result(message)
                return
            case WorkerReady():
                worker.ready = True
                self._logger.debug(
                    "OpenEye worker %d ready after %.2f s",
                    message.pid,
                    asyncio.get_running_loop().time() - worker.started_at,
                )
                return
            case EngineFailed():
                worker.engine_failed = True
                if self._engine_error is not None:
                    return
                self._engine_error = message.detail
                self._logger.error("OpenEye's face engine cannot load: %s", message.detail)
        try:
            self._on_result(cast("PoolResult", message))
        except Exception:
            self._logger.exception("Handling a result of an OpenEye worker failed")

    async def _watch(
        self, worker: _Worker, process: asyncio.subprocess.Process, writer: asyncio.StreamWriter
    ) -> None:
        """Wait for a worker's exit; reap it, clean up, and restart it unless it should not."""
        code = await process.wait()
        # Deliver what the worker sent before it exited (EngineFailed, last events).
        if worker.reader_task is not None:
            done, _ = await asyncio.wait({worker.reader_task}, timeout=DRAIN_TIMEOUT)
            if not done:
                worker.reader_task.cancel()
                await asyncio.gather(worker.reader_task, return_exceptions=True)
            worker.reader_task = None
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()
        uptime = asyncio.get_running_loop().time() - worker.started_at
        worker.process = None
        worker.writer = None
        worker.exit_task = None
        engine_failed = worker.engine_failed or code == EXIT_ENGINE_FAILED
        if engine_failed:
            reason = f"The face engine cannot load: {self._engine_error}"
        elif self._stopped:
            reason = "The worker pool is stopping"
        else:
            reason = f"OpenEye worker {process.pid} exited with code {code}"
        # A death (not a failing engine, not a stop) lets the request be sent again.
        error = WorkerUnavailableError if engine_failed or self._stopped else WorkerExitedError
        for future in worker.pending.values():
            if not future.done():
                future.set_exception(error(reason))
        if self._stopped:
            self._logger.debug("OpenEye worker %d stopped with code %s", process.pid, code)
            return
        if engine_failed:
            if self._engine_error is None:
                self._engine_error = f"the worker exited with code {code}"
                self._on_result(EngineFailed(self._engine_error))
            return
        if uptime >= self._backoff_max:
            # It ran long enough to count as healthy: restart quickly again.
            worker.restart_delay = 0.0
        if not worker.cameras:
            self._logger.warning("%s; it is started again when needed", reason)
            return
        delay = self._schedule_restart(worker)
        self._logger.warning(
            "%s; restarting it in %g s with its %d camera(s)",
            reason,
            delay,
            len(worker.cameras),
        )
        self._report_cameras_down(worker, reason, delay)

    def _report_cameras_down(self, worker: _Worker, reason: str, retry_in: float) -> None:
        """Tell the owner that a dead worker's cameras deliver nothing until it is back.

        The worker can no longer say so itself: without this, the owner would
        keep showing what it last sent (streaming, motion, faces in view)
        through the whole back-off. The new worker reports its cameras afresh.
        """
        now = time.time()
        for camera_id in sorted(worker.cameras):
            # The pool does not know the source's timeline: pts 0 says so.
            status = SourceStatusChanged(
                camera_id, 0.0, now, SourceStatus.RECONNECTING, reason, retry_in
            )
            try:
                self._on_result(status)
            except Exception:
                self._logger.exception("Handling a result of an OpenEye worker failed")

    def _schedule_restart(self, worker: _Worker) -> float:
        """Start the worker again after the next back-off delay; return the delay."""
        if worker.restart_delay:
            delay = min(worker.restart_delay * 2, self._backoff_max)
        else:
            delay = self._backoff_initial
        worker.restart_delay = delay
        worker.restart_task = asyncio.create_task(
            self._restart_later(worker, delay), name=f"openeye worker {worker.slot} restart"
        )
        return delay

    async def _restart_later(self, worker: _Worker, delay: float) -> None:
        """Wait for the back-off, then start the worker again with its cameras."""
        await asyncio.sleep(delay)
        worker.restart_task = None
        if self._stopped or self._engine_error is not None or not worker.cameras:
            return
        worker.restarts += 1
        try:
            await self._ensure_started(worker)
        except WorkerUnavailableError:
            return  # _spawn has logged it and scheduled the next attempt.
