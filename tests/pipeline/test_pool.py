"""The worker pool with real worker processes: results, faults, restarts and a clean stop.

The scenarios with faces run on every face media (tests/pipeline/face_media.py):
still photos, a video read as a file camera, pushed photos and a looping camera
whose worker is killed. The faults of real processes need no faces: killed,
frozen, unable to start, without the face engine's models, stopped while
starting, or owned by a process that stops reading.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import logging
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from custom_components.openeye.pipeline import pool as pool_module
from custom_components.openeye.pipeline.gallery import KnownFaces
from custom_components.openeye.pipeline.messages import (
    AddCamera,
    AnalyzeImage,
    EngineFailed,
    FaceDetected,
    FaceLost,
    FaceRecognized,
    Figures,
    MotionStarted,
    PushImage,
    RemoveCamera,
    SetGallery,
    SetSettings,
    SourceStatus,
    SourceStatusChanged,
    UnknownFace,
    WorkerLog,
    WorkerReady,
    WorkerResult,
)
from custom_components.openeye.pipeline.pool import (
    WorkerPool,
    WorkerUnavailableError,
    worker_command,
)
from custom_components.openeye.pipeline.protocol import HEADER, receive_message, send_message
from custom_components.openeye.pipeline.settings import AnalysisSettings, SourceSettings
from custom_components.openeye.pipeline.still import analyze_still
from custom_components.openeye.pipeline.worker import WORKER_NICENESS
from tests.broken_engine import hide_face_models
from tests.faces import one_face_jpeg
from tests.pipeline.face_media import FaceMedia
from tests.pipeline.leaks import child_pids, open_fds
from tests.pipeline.mjpeg_server import MjpegServer
from tests.pipeline.real_faces import shared_engine


class Results:
    """Collects what the pool delivers, for tests to wait on."""

    def __init__(self) -> None:
        """Start empty."""
        self.items: list[WorkerResult] = []
        self._changed = asyncio.Event()

    def __call__(self, result: WorkerResult) -> None:
        """Record one result (the pool calls this in the event loop)."""
        self.items.append(result)
        self._changed.set()

    def of(self, kind: type[WorkerResult], camera_id: str | None = None) -> list[WorkerResult]:
        """Return the results of one kind (and camera), in order."""
        return [
            item
            for item in self.items
            if isinstance(item, kind)
            and (camera_id is None or getattr(item, "camera_id", None) == camera_id)
        ]

    async def wait_for(
        self, predicate: Callable[[list[WorkerResult]], bool], limit: float
    ) -> list[WorkerResult]:
        """Wait until ``predicate(items)`` holds; fail the test after ``limit`` seconds."""
        try:
            async with asyncio.timeout(limit):
                while not predicate(self.items):
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            pytest.fail(f"timed out; results so far: {self.items}")
        return self.items

    async def wait_for_status(
        self, camera_id: str, status: SourceStatus, limit: float, after: int = 0
    ) -> SourceStatusChanged:
        """Wait for a camera's status among the results from index ``after``."""

        def found(items: list[WorkerResult]) -> SourceStatusChanged | None:
            return next(
                (
                    item
                    for item in items[after:]
                    if isinstance(item, SourceStatusChanged)
                    and item.camera_id == camera_id
                    and item.status is status
                ),
                None,
            )

        await self.wait_for(lambda items: found(items) is not None, limit)
        result = found(self.items)
        assert result is not None
        return result


@pytest.fixture
def results() -> Results:
    """Return a result collector."""
    return Results()


@pytest.fixture
async def pool(results: Results) -> AsyncIterator[WorkerPool]:
    """Return a started one-worker pool with quick restarts; stop it after the test."""
    pool = WorkerPool(results, max_workers=1, restart_backoff=(0.2, 1.0))
    await pool.async_start()
    yield pool
    await pool.async_stop()


async def eventually(condition: Callable[[], bool], limit: float) -> None:
    """Poll ``condition`` every 20 ms until it holds; fail the test after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still not true after {limit} s")
        await asyncio.sleep(0.02)


def reaped(pid: int) -> bool:
    """Return True if ``pid`` is neither running nor a zombie child of this process."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return not Path(f"/proc/{pid}").exists()
    return False


def still_distance(first: bytes, second: bytes) -> float:
    """Return the distance between the single faces of two photos, computed in this process."""
    engine = shared_engine()
    (one,) = analyze_still(engine, first, KnownFaces(), AnalysisSettings(), 0).faces
    (other,) = analyze_still(engine, second, KnownFaces(), AnalysisSettings(), 0).faces
    return float(np.linalg.norm(np.subtract(one.encoding, other.encoding)))


async def test_still_images_in_a_lazily_started_worker_without_home_assistant(
    pool: WorkerPool,
    face_media: FaceMedia,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No process until an image needs one; answers with names and errors; no Home Assistant."""
    # The interpreter prints each import to stderr, which workers inherit.
    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")
    assert pool.worker_pids == []
    # Two requests at once start one worker, which answers both.
    first, second = await asyncio.gather(
        pool.async_analyze_image(face_media.photo),
        pool.async_analyze_image(face_media.probe_photo),
    )
    (pid,) = pool.worker_pids
    # Workers yield the cores to their owner (Home Assistant's event loop).
    expected = min(os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS, 19)
    assert os.getpriority(os.PRIO_PROCESS, pid) == expected
    assert [len(first.faces), len(second.faces)] == [1, 1]
    assert first.faces[0].person_id is None
    assert first.request_id != second.request_id
    known = KnownFaces.from_arrays(
        [(face_media.person_id, face_media.person_name, [first.faces[0].encoding])]
    )
    await pool.async_set_gallery(known)

    named = await pool.async_analyze_image(face_media.probe_photo)
    (face,) = named.faces
    assert (face.person_id, face.person_name) == (face_media.person_id, face_media.person_name)
    distance = still_distance(face_media.photo, face_media.probe_photo)
    assert face.distance == pytest.approx(distance, abs=1e-6)
    assert face.crop_jpeg.startswith(b"\xff\xd8")
    group = await pool.async_analyze_image(face_media.group_photo)
    assert (group.width, group.height) == face_media.group_size
    assert tuple(f.person_id for f in group.faces) == face_media.group_ids
    bad = await pool.async_analyze_image(b"not an image")
    assert (bad.error, bad.faces) == ("not_an_image", ())

    with pytest.raises(WorkerUnavailableError, match=r"No worker answered within 0\.001 s"):
        await pool.async_analyze_image(face_media.group_photo, timeout=0.001)
    # The late answer to that request is dropped; the next request gets its own.
    same = await pool.async_analyze_image(face_media.photo)
    assert len(same.faces) == 1
    assert same.faces[0].distance == pytest.approx(0.0, abs=1e-9)
    assert pool.worker_pids == [pid]

    # A worker without cameras that dies is not restarted until work needs it.
    os.kill(pid, signal.SIGKILL)
    await eventually(lambda: not pool.worker_pids, 10)
    await asyncio.sleep(0.3)
    assert pool.worker_pids == []
    assert pool.restarts == 0
    assert reaped(pid)
    after = await pool.async_analyze_image(face_media.probe_photo)
    assert after.faces[0].person_id == face_media.person_id, "the new worker has the gallery"
    assert pool.worker_pids not in ([], [pid])

    await pool.async_stop()
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in capfd.readouterr().err.splitlines()
        if line.startswith("import time:")
    }
    assert {"dlib", "av", "custom_components.openeye.pipeline.analyzer"} <= imported
    assert not {name for name in imported if name.split(".")[0] == "homeassistant"}


async def test_a_file_camera_names_the_person_across_the_process_boundary(
    pool: WorkerPool, results: Results, face_media: FaceMedia
) -> None:
    """The video, read at analysis pace in a worker: named, lost, ended, all frames counted."""
    # Taught before any worker runs: the worker gets the gallery when it starts.
    await pool.async_set_gallery(face_media.gallery)
    assert pool.worker_pids == []
    await pool.async_add_camera("video", str(face_media.video), SourceSettings(realtime=False))
    (pid,) = pool.worker_pids
    assert pool.worker_of("video") == pid
    assert pool.cameras_by_worker == {pid: ["video"]}
    ended = await results.wait_for_status("video", SourceStatus.ENDED, 60)

    video = [item for item in results.items if getattr(item, "camera_id", None) == "video"]
    assert video[-1] is ended, "ENDED is the camera's last word"
    assert ended.detail == "the file has ended"
    assert [s.status for s in results.of(SourceStatusChanged, "video")] == [
        SourceStatus.CONNECTING,
        SourceStatus.STREAMING,
        SourceStatus.ENDED,
    ]
    assert results.of(MotionStarted, "video")
    # Each face's results in order; faces in view at once interleave theirs.
    tracks: dict[int, list[tuple[str, str | None]]] = {}
    for item in video:
        if isinstance(item, FaceDetected | FaceRecognized | UnknownFace | FaceLost):
            tracks.setdefault(item.track_id, []).append(
                (item.type, getattr(item, "person_id", None))
            )
    assert [tuple(track) for track in tracks.values()] == list(face_media.video_tracks)
    recognised = [r for r in results.of(FaceRecognized, "video") if isinstance(r, FaceRecognized)]
    assert recognised[0].person_name == face_media.person_name
    assert recognised[0].pts < face_media.recognised_before
    assert all(r.crop_jpeg.startswith(b"\xff\xd8") for r in recognised)
    figures = [f for f in results.of(Figures, "video") if isinstance(f, Figures)]
    assert figures
    assert sum(f.frames_read for f in figures) == face_media.video_frames
    assert sum(f.frames_analysed for f in figures) in face_media.video_frames_analysed
    # The ended camera stays in its worker, quiet, until it is removed.
    await asyncio.sleep(0.3)
    assert video[-1] is ended
    count = len(results.items)
    await pool.async_remove_camera("video")
    await asyncio.sleep(0.2)
    assert results.items[count:] == []
    assert pool.worker_pids == [pid]


async def test_a_pushed_camera_in_a_worker(
    pool: WorkerPool, results: Results, face_media: FaceMedia, caplog: pytest.LogCaptureFixture
) -> None:
    """Pushed photos are analysed with live settings; bad or excess ones are dropped, not fatal."""
    caplog.set_level(logging.DEBUG, logger=pool_module.__name__)
    # Every frame counts as motion, so that the detector runs on each pushed image.
    await pool.async_set_settings(AnalysisSettings(motion_sensitivity=100))
    await pool.async_set_gallery(face_media.gallery)
    await pool.async_add_camera("doorbell", None, SourceSettings())
    # Adding it again replaces it, in the same worker.
    await pool.async_add_camera("doorbell", None, SourceSettings())
    (pid,) = pool.worker_pids
    assert pool.cameras_by_worker == {pid: ["doorbell"]}
    # New settings reach the running worker: figures every half second.
    await pool.async_set_settings(AnalysisSettings(motion_sensitivity=100, figures_interval=0.5))

    await pool.async_push_image("doorbell", b"garbage", time.time())
    await results.wait_for(
        lambda items: any(
            isinstance(i, WorkerLog) and "doorbell" in i.message and "skipped" in i.message
            for i in items
        ),
        30,
    )
    warning = next(i for i in results.items if isinstance(i, WorkerLog) and "skipped" in i.message)
    assert isinstance(warning, WorkerLog)
    assert warning.level == logging.WARNING

    # A burst larger than the backlog limit: the images behind the first are dropped.
    large = bytes(pool_module.PUSH_BACKLOG_LIMIT + 1024 * 1024)
    await asyncio.gather(
        pool.async_push_image("doorbell", large, time.time()),
        pool.async_push_image("doorbell", face_media.photo, time.time()),
    )
    assert "Image for doorbell dropped: the worker is behind" in caplog.text

    for _ in range(3):
        await pool.async_push_image("doorbell", face_media.photo, time.time())
        await asyncio.sleep(0.25)
    await results.wait_for(lambda _: bool(results.of(FaceRecognized, "doorbell")), 30)
    (recognised,) = results.of(FaceRecognized, "doorbell")
    assert isinstance(recognised, FaceRecognized)
    assert recognised.person_id == face_media.person_id
    started = len(results.items)
    await results.wait_for(lambda items: any(isinstance(i, Figures) for i in items[started:]), 2)

    await pool.async_remove_camera("doorbell")
    assert pool.worker_of("doorbell") is None
    # Removing it closes its open track: the face is lost with the person's name.
    await results.wait_for(lambda _: bool(results.of(FaceLost, "doorbell")), 10)
    (lost,) = results.of(FaceLost, "doorbell")
    assert isinstance(lost, FaceLost)
    assert lost.person_id == face_media.person_id
    # Pushing to a removed camera is dropped quietly; the worker lives on.
    await pool.async_push_image("doorbell", face_media.photo, time.time())
    assert pool.worker_pids == [pid]


async def test_a_killed_worker_is_restarted_with_its_cameras(
    results: Results, face_media: FaceMedia, caplog: pytest.LogCaptureFixture
) -> None:
    """SIGKILL: the worker restarts with its gallery, settings and camera; a pending request too.

    A worker that dies again soon after its start waits twice as long before the next.
    """
    # A worker that has run for the longest back-off counts as healthy again
    # and restarts after the shortest: 60 s, so that the second death below
    # is "soon after its start" even on a busy machine, where naming the face
    # in the looping video may take many seconds.
    pool = WorkerPool(results, max_workers=1, restart_backoff=(0.2, 60.0))
    try:
        await pool.async_set_settings(AnalysisSettings(figures_interval=0.5))
        await pool.async_set_gallery(face_media.gallery)
        await pool.async_add_camera("loop", str(face_media.loop_video), SourceSettings(loop=True))
        await results.wait_for_status("loop", SourceStatus.STREAMING, 30)
        pid = pool.worker_of("loop")
        assert pid is not None

        pending = asyncio.create_task(pool.async_analyze_image(face_media.group_photo))
        await asyncio.sleep(0.05)
        killed_at = len(results.items)
        os.kill(pid, signal.SIGKILL)
        # The request that the dead worker had is sent to its successor, which answers it.
        answered = await asyncio.wait_for(pending, 60)
        assert len(answered.faces) == 2

        await results.wait_for_status("loop", SourceStatus.STREAMING, 30, after=killed_at)
        new_pid = pool.worker_of("loop")
        assert new_pid is not None
        assert new_pid != pid
        assert pool.worker_pids == [new_pid]
        assert pool.restarts == 1
        assert reaped(pid), "the killed worker is reaped, not left a zombie"
        # The settings came along: figures every half second instead of every five.
        restarted_at = len(results.items)
        await results.wait_for(
            lambda items: any(isinstance(i, Figures) for i in items[restarted_at:]), 5
        )
        # And the gallery: the face is named by the new worker, in the looping video too.
        again = await pool.async_analyze_image(face_media.probe_photo)
        assert again.faces[0].person_id == face_media.person_id
        await results.wait_for(
            lambda items: any(
                isinstance(i, FaceRecognized) and i.person_id == face_media.person_id
                for i in items[killed_at:]
            ),
            10,
        )
        deaths = [r for r in caplog.records if f"{pid} exited with code -9" in r.getMessage()]
        assert [r.levelno for r in deaths] == [logging.WARNING]
        assert deaths[0].getMessage().endswith("restarting it in 0.2 s with its 1 camera(s)")

        # Dying again soon after its start: the next start waits twice as long.
        killed_at = len(results.items)
        os.kill(new_pid, signal.SIGKILL)
        await results.wait_for_status("loop", SourceStatus.STREAMING, 30, after=killed_at)
        again_log = [
            r.getMessage() for r in caplog.records if f"{new_pid} exited" in r.getMessage()
        ]
        expected = f"OpenEye worker {new_pid} exited with code -9; restarting it in 0.4 s"
        assert again_log == [f"{expected} with its 1 camera(s)"]
        assert pool.restarts == 2
    finally:
        await pool.async_stop()


async def test_a_frozen_worker_is_terminated_then_killed(
    results: Results,
    face_media: FaceMedia,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A worker stopped with SIGSTOP obeys neither Stop nor SIGTERM; it is killed and reaped."""
    monkeypatch.setattr(pool_module, "STOP_TIMEOUT", 0.3)
    monkeypatch.setattr(pool_module, "TERMINATE_TIMEOUT", 0.3)
    pool = WorkerPool(results, max_workers=1)
    analysis = await pool.async_analyze_image(face_media.photo)
    assert len(analysis.faces) == 1
    (pid,) = pool.worker_pids
    os.kill(pid, signal.SIGSTOP)
    started = time.monotonic()
    await pool.async_stop()
    assert time.monotonic() - started < 3
    assert reaped(pid)
    messages = [r.getMessage() for r in caplog.records]
    assert f"OpenEye worker {pid} did not stop in time: terminate" in messages
    assert f"OpenEye worker {pid} did not stop in time: kill" in messages


async def test_cameras_spread_over_workers_and_stop_leaves_nothing(
    results: Results, camera: MjpegServer
) -> None:
    """Cameras go to the least-loaded of two workers; stopping leaves no process, thread or fd."""
    # Counted while the camera is down, to compare with after it is down again.
    camera.stop()
    threads, fds, children = set(threading.enumerate()), open_fds(), child_pids()
    camera.start()
    pool = WorkerPool(results, max_workers=2)
    await pool.async_start()
    try:
        await pool.async_add_camera("stream", camera.url, SourceSettings())
        await pool.async_add_camera("push-1", None, SourceSettings())
        await pool.async_add_camera("push-2", None, SourceSettings())
        await pool.async_add_camera("push-3", None, SourceSettings())
        await pool.async_remove_camera("push-3")
        hosts = pool.cameras_by_worker
        assert len(hosts) == 2
        # The first camera starts worker 1, the second worker 2; ties go to the first.
        assert sorted(hosts.values()) == [["push-1"], ["push-2", "stream"]]
        assert set(pool.worker_pids) == set(hosts)
        assert child_pids() - children == set(hosts)
        await results.wait_for_status("stream", SourceStatus.STREAMING, 30)
    finally:
        await pool.async_stop()
    assert pool.worker_pids == []
    assert all(reaped(pid) for pid in hosts)
    assert child_pids() == children
    camera.stop()
    assert set(threading.enumerate()) == threads
    assert open_fds() == fds
    with pytest.raises(WorkerUnavailableError, match="stopped"):
        await pool.async_add_camera("late", None, SourceSettings())


async def test_engine_failure_is_reported_once_and_refuses_work(
    results: Results,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without model files the worker reports EngineFailed; the pool refuses work, no restarts."""
    hide_face_models(tmp_path, monkeypatch)

    def faulty_owner(result: WorkerResult) -> None:
        """Record, then fail the way a defect in the owner's handler would."""
        results(result)
        raise RuntimeError("defect in the owner")

    pool = WorkerPool(faulty_owner, max_workers=2, restart_backoff=(0.05, 0.1))
    try:
        with pytest.raises(WorkerUnavailableError, match="face engine cannot load"):
            await pool.async_analyze_image(b"any image")
        failures = results.of(EngineFailed)
        assert len(failures) == 1
        assert isinstance(failures[0], EngineFailed)
        assert "missing" in failures[0].detail
        assert pool.engine_error == failures[0].detail
        with pytest.raises(WorkerUnavailableError, match="face engine cannot load"):
            await pool.async_add_camera("cam", None, SourceSettings())
        with pytest.raises(WorkerUnavailableError, match="face engine cannot load"):
            await pool.async_push_image("cam", b"", 0.0)
        await asyncio.sleep(0.3)
        assert pool.worker_pids == []
        assert len(results.of(EngineFailed)) == 1
        assert "Handling a result of an OpenEye worker failed" in caplog.text
    finally:
        await pool.async_stop()


async def test_probe_source_in_a_worker(pool: WorkerPool, camera: MjpegServer) -> None:
    """A probe reads one frame of a stream in a worker, or says why it cannot."""
    result = await pool.async_probe_source(camera.url, timeout=5)
    assert (result.ok, result.width, result.height, result.detail) == (True, 512, 512, None)
    camera.stop()
    result = await pool.async_probe_source(camera.url, timeout=1)
    assert not result.ok
    assert result.detail == "the connection was refused"


def _start_worker(sock: socket.socket, log_level: int = logging.INFO) -> subprocess.Popen[bytes]:
    """Start a worker on ``sock`` the way the pool does, and close our copy of its end."""
    with sock:
        return subprocess.Popen(
            worker_command(sock.fileno(), log_level),
            pass_fds=(sock.fileno(),),
            stdin=subprocess.DEVNULL,
        )


def test_worker_exits_cleanly_when_its_owner_goes_away() -> None:
    """The end of the socket (the owner died), or garbage on it, makes a worker exit with 0."""
    closing, closing_theirs = socket.socketpair()
    garbled, garbled_theirs = socket.socketpair()
    processes = [_start_worker(closing_theirs), _start_worker(garbled_theirs)]
    try:
        for ours, process in zip((closing, garbled), processes, strict=True):
            ready = receive_message(ours)
            assert isinstance(ready, WorkerReady)
            assert ready.pid == process.pid
        closing.close()
        assert processes[0].wait(timeout=30) == 0

        garbled.sendall(HEADER.pack(0xFFFFFFFF))
        log = receive_message(garbled)
        assert isinstance(log, WorkerLog)
        assert "Commands cannot be read" in log.message
        assert log.level == logging.ERROR
        assert receive_message(garbled) is None
        assert processes[1].wait(timeout=30) == 0
    finally:
        garbled.close()
        for process in processes:
            if process.poll() is None:  # pragma: no cover - only when the test fails
                process.kill()
                process.wait()


async def test_a_worker_that_cannot_start_is_retried_with_its_cameras(
    results: Results,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When the interpreter cannot be started, requests fail clearly and starting is retried."""
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    pool = WorkerPool(results, max_workers=1, restart_backoff=(0.3, 1.0))
    try:
        with pytest.raises(WorkerUnavailableError, match="cannot be started"):
            await pool.async_analyze_image(b"image")
        assert "An OpenEye worker cannot be started" in caplog.text
        # The next request waits for the retry, and says why it failed too.
        with pytest.raises(WorkerUnavailableError, match="cannot be started"):
            await pool.async_analyze_image(b"image")
        # A camera added meanwhile waits for the next attempt, which succeeds.
        await pool.async_add_camera("doorbell", None, SourceSettings())
        assert pool.worker_of("doorbell") is None
        monkeypatch.undo()
        await eventually(lambda: pool.worker_of("doorbell") is not None, 15)
        assert pool.cameras_by_worker == {pool.worker_pids[0]: ["doorbell"]}
    finally:
        await pool.async_stop()


class DirectWorker:
    """A worker started the way the pool starts one, driven through its socket by a test."""

    def __init__(self, log_level: int = logging.INFO) -> None:
        """Start the worker process."""
        self.sock, theirs = socket.socketpair()
        self.process = _start_worker(theirs, log_level)

    def send(self, message: object) -> None:
        """Send a command (or anything else)."""
        send_message(self.sock, message)

    def receive_until(self, predicate: Callable[[object], bool], limit: float = 30) -> list[object]:
        """Receive messages until one satisfies ``predicate``; return them all."""
        self.sock.settimeout(limit)
        received: list[object] = []
        while True:
            message = receive_message(self.sock)
            assert message is not None, f"the worker closed the socket after {received}"
            received.append(message)
            if predicate(message):
                return received

    def close(self) -> None:
        """Close our end and make sure the process is gone."""
        self.sock.close()
        if self.process.poll() is None:
            self.process.wait(timeout=30)


def _is_log(text: str) -> Callable[[object], bool]:
    """Return a predicate matching a WorkerLog that contains ``text``."""
    return lambda message: isinstance(message, WorkerLog) and text in message.message


def test_worker_commands_and_sigterm() -> None:
    """Unknown commands are ignored, cameras replaced, settings applied live; SIGTERM exits 0."""
    worker = DirectWorker(logging.DEBUG)
    try:
        assert isinstance(
            worker.receive_until(lambda m: isinstance(m, WorkerReady))[-1], WorkerReady
        )
        worker.send("hello")
        warning = worker.receive_until(_is_log("Unknown command ignored: str"))[-1]
        assert isinstance(warning, WorkerLog)
        assert warning.level == logging.WARNING
        worker.send(AddCamera("doorbell", None, SourceSettings()))
        worker.send(AddCamera("doorbell", None, SourceSettings()))
        messages = worker.receive_until(_is_log("Camera doorbell added"))
        messages += worker.receive_until(_is_log("Camera doorbell added"))
        assert any(_is_log("Camera doorbell removed")(m) for m in messages)
        worker.send(PushImage("nobody", b"", 0.0))
        worker.receive_until(_is_log("Image pushed for nobody, which takes none"))
        worker.send(RemoveCamera("nobody"))
        # New settings and gallery reach the running camera: figures come within 0.2 s.
        worker.send(SetGallery(KnownFaces.from_arrays([("p", "P", [[0.0] * 128])])))
        worker.send(SetSettings(AnalysisSettings(figures_interval=0.2)))
        started = time.monotonic()
        figures = worker.receive_until(lambda m: isinstance(m, Figures))[-1]
        assert isinstance(figures, Figures)
        assert figures.camera_id == "doorbell"
        assert time.monotonic() - started < 1.5
        worker.process.send_signal(signal.SIGTERM)
        assert worker.process.wait(timeout=30) == 0
    finally:
        worker.close()


async def test_large_writes_never_block_the_event_loop(pool: WorkerPool) -> None:
    """A 32 MB image written to a worker that is still loading its engine leaves the loop free.

    The socket's buffer holds a fraction of it, so a blocking write would stall
    the loop until the worker reads; the pool's writes suspend only the caller.
    """
    gaps: list[float] = []
    stop = asyncio.Event()

    async def tick() -> None:
        """Measure how long the loop takes to come back to this task."""
        last = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.005)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    try:
        analysis = await pool.async_analyze_image(os.urandom(32 * 1024 * 1024))
    finally:
        stop.set()
        await ticker
    assert analysis.error == "not_an_image"
    assert len(gaps) > 50, "the loop ran the ticker while the image was written"
    # Pickling and queueing 32 MB takes some milliseconds; waiting on the worker would take
    # its whole start (0.7 s or more).
    assert max(gaps) < 0.3


async def test_stop_during_a_restart_wait_starts_nothing(
    results: Results, caplog: pytest.LogCaptureFixture
) -> None:
    """A pool stopped while a dead worker waits for its restart cancels the restart."""
    pool = WorkerPool(results, max_workers=1, restart_backoff=(5.0, 10.0))
    children = child_pids()
    try:
        await pool.async_add_camera("doorbell", None, SourceSettings())
        await pool.async_remove_camera("never-added")
        (pid,) = pool.worker_pids
        os.kill(pid, signal.SIGKILL)
        await eventually(lambda: "restarting it in 5 s" in caplog.text, 10)
        assert pool.worker_of("doorbell") is None
    finally:
        started = time.monotonic()
        await pool.async_stop()
    assert time.monotonic() - started < 1
    assert pool.worker_pids == []
    assert child_pids() == children
    assert pool.restarts == 0


async def test_a_worker_killed_while_an_image_is_written_to_it(
    pool: WorkerPool, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that dies while a large image is still being written: the image goes again.

    The worker reads nothing while it loads its engine, so most of the 32 MB
    wait in the pool's buffer; the broken connection ends the write at once,
    and the request is sent to a new worker, which answers it.
    """
    # The image is handed to the worker's connection through the protocol's
    # write_message; the socket holds far less than 32 MB, so once it has been
    # handed over, most of it waits in the pool's buffer.
    handed_over: list[int] = []
    write = pool_module.write_message

    def recording_write(writer: asyncio.StreamWriter, message: object) -> None:
        write(writer, message)
        if isinstance(message, AnalyzeImage):
            handed_over.append(len(message.data))

    monkeypatch.setattr(pool_module, "write_message", recording_write)
    request = asyncio.create_task(pool.async_analyze_image(os.urandom(32 * 1024 * 1024)))
    await eventually(lambda: handed_over == [32 * 1024 * 1024], 10)
    (pid,) = pool.worker_pids
    os.kill(pid, signal.SIGKILL)
    analysis = await asyncio.wait_for(request, 60)
    assert analysis.error == "not_an_image"
    assert reaped(pid)
    assert pool.worker_pids not in ([], [pid])


async def test_requests_wait_for_a_worker_that_restarts(
    results: Results, caplog: pytest.LogCaptureFixture
) -> None:
    """A photo sent while the only worker waits out its restart is answered once it is back."""
    pool = WorkerPool(results, max_workers=1, restart_backoff=(1.0, 5.0))
    try:
        # A camera makes the pool restart its worker after a death.
        await pool.async_add_camera("doorbell", None, SourceSettings())
        (pid,) = pool.worker_pids
        os.kill(pid, signal.SIGKILL)
        await eventually(lambda: f"{pid} exited with code -9; restarting it in" in caplog.text, 10)
        assert pool.worker_pids == []
        analysis = await pool.async_analyze_image(one_face_jpeg(), timeout=30)
        assert len(analysis.faces) == 1
        (new_pid,) = pool.worker_pids
        assert new_pid != pid
        # Past its bound, a request still gives up: the bound holds while a worker restarts.
        os.kill(new_pid, signal.SIGKILL)
        await eventually(lambda: pool.worker_pids == [], 10)
        with pytest.raises(WorkerUnavailableError):
            await pool.async_analyze_image(one_face_jpeg(), timeout=0.1)
    finally:
        await pool.async_stop()


async def test_a_restart_that_fails_is_retried_and_a_camera_removed_meanwhile_is_not(
    results: Results,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A restart whose interpreter is missing is tried again; without cameras, none is made."""
    pool = WorkerPool(results, max_workers=1, restart_backoff=(0.1, 5.0))
    children = child_pids()
    try:
        await pool.async_add_camera("doorbell", None, SourceSettings())
        (pid,) = pool.worker_pids
        monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
        os.kill(pid, signal.SIGKILL)
        await eventually(lambda: "An OpenEye worker cannot be started" in caplog.text, 10)
        assert pool.worker_of("doorbell") is None
        monkeypatch.undo()
        await eventually(lambda: pool.worker_of("doorbell") is not None, 15)
        # The first restart failed, the second (after a doubled wait) brought the camera back.
        assert pool.restarts == 2
        (new_pid,) = pool.worker_pids
        assert new_pid != pid

        os.kill(new_pid, signal.SIGKILL)
        await eventually(
            lambda: f"{new_pid} exited with code -9; restarting it in" in caplog.text, 10
        )
        await pool.async_remove_camera("doorbell")
        await asyncio.sleep(1.0)
        assert pool.worker_pids == []
        assert pool.restarts == 2
        assert child_pids() == children
    finally:
        await pool.async_stop()


async def test_engine_failure_in_two_workers_is_reported_once(
    results: Results,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two workers without the models both fail; the owner hears of it once, nothing restarts."""
    hide_face_models(tmp_path, monkeypatch)
    pool = WorkerPool(results, max_workers=2, restart_backoff=(0.05, 0.1))
    try:
        await pool.async_add_camera("front", None, SourceSettings())
        await pool.async_add_camera("back", None, SourceSettings())
        assert len(pool.cameras_by_worker) == 2
        await eventually(lambda: pool.worker_pids == [], 30)
        await asyncio.sleep(0.3)
        failures = results.of(EngineFailed)
        assert len(failures) == 1
        assert isinstance(failures[0], EngineFailed)
        assert "missing" in failures[0].detail
        assert pool.engine_error == failures[0].detail
        logged = [r for r in caplog.records if "face engine cannot load" in r.getMessage()]
        assert len(logged) == 1
        assert pool.worker_pids == []
        assert pool.restarts == 0
        with pytest.raises(WorkerUnavailableError, match="face engine cannot load"):
            await pool.async_analyze_image(one_face_jpeg())
    finally:
        await pool.async_stop()


async def test_a_stop_while_a_worker_starts_stops_it_too(
    results: Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopping the pool while a request is starting its worker leaves no process behind."""
    children = child_pids()
    pool = WorkerPool(results, max_workers=1)
    # The worker's command line is built as its process is being created.
    commands: list[list[str]] = []
    command = pool_module.worker_command

    def recording_command(fd: int, log_level: int = logging.INFO) -> list[str]:
        commands.append(command(fd, log_level))
        return commands[-1]

    monkeypatch.setattr(pool_module, "worker_command", recording_command)
    request = asyncio.create_task(pool.async_analyze_image(one_face_jpeg()))
    # Turns of the loop, without a timer between them, until the process is being created.
    for _turn in range(100):
        if commands:
            break
        await asyncio.sleep(0)
    assert len(commands) == 1
    # Its process is not the pool's yet: the worker is still starting.
    assert pool.worker_pids == []
    await pool.async_stop()
    # The request was sent before the Stop, so the worker answered it before it stopped.
    analysis = await request
    assert len(analysis.faces) == 1
    assert pool.worker_pids == []
    assert child_pids() == children


def test_a_worker_whose_owner_stops_reading_exits_cleanly() -> None:
    """When its owner no longer reads, a worker notices at its next answer and exits with 0."""
    worker = DirectWorker()
    try:
        ready = worker.receive_until(lambda m: isinstance(m, WorkerReady))[-1]
        assert isinstance(ready, WorkerReady)
        # The owner's end stops reading but keeps writing: the worker sees no end of stream.
        worker.sock.shutdown(socket.SHUT_RD)
        # Two requests at once: the first answer fails, the second is not even tried.
        worker.send(AnalyzeImage(1, one_face_jpeg()))
        worker.send(AnalyzeImage(2, one_face_jpeg()))
        assert worker.process.wait(timeout=30) == 0
    finally:
        worker.close()
