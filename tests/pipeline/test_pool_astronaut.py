"""The worker pool and real worker processes on the astronaut's face: no shared media.

Still photos of her, a video of her head read as a file camera, pushed
photos, and the faults of real processes: killed, frozen, unable to start,
without the face engine's models, stopped while starting, or owned by a
process that stops reading.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import logging
import os
from pathlib import Path
import signal
import socket
import sys
import time

import numpy as np
import pytest

from custom_components.openeye.pipeline import pool as pool_module
from custom_components.openeye.pipeline.gallery import KnownFaces
from custom_components.openeye.pipeline.messages import (
    AnalyzeImage,
    EngineFailed,
    FaceDetected,
    FaceLost,
    FaceRecognized,
    Figures,
    MotionStarted,
    SourceStatus,
    SourceStatusChanged,
    WorkerLog,
    WorkerReady,
)
from custom_components.openeye.pipeline.pool import WorkerPool, WorkerUnavailableError
from custom_components.openeye.pipeline.settings import AnalysisSettings, SourceSettings
from custom_components.openeye.pipeline.still import analyze_still
from custom_components.openeye.pipeline.worker import WORKER_NICENESS
from tests.broken_engine import hide_face_models
from tests.faces import mirrored_face_jpeg, one_face_jpeg, two_faces_jpeg, write_face_video
from tests.pipeline.astronaut import (
    ASTRONAUT_ID,
    ASTRONAUT_NAME,
    astronaut_encoding,
    astronaut_gallery,
)
from tests.pipeline.leaks import child_pids
from tests.pipeline.real_faces import shared_engine
from tests.pipeline.test_pool import DirectWorker, Results


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


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Write a 6-second face video (4 s of her head, 2 s without) and a 1-second one to loop."""
    folder = tmp_path_factory.mktemp("pool")
    paths = {"face": folder / "face.mp4", "loop": folder / "loop.mp4"}
    write_face_video(str(paths["face"]), frames=40, fps=10.0, absent_frames=20)
    write_face_video(str(paths["loop"]), frames=10, fps=10.0)
    return paths


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


def mirrored_distance() -> float:
    """Return the distance between the mirrored photo's face and hers, computed in this process."""
    still = analyze_still(
        shared_engine(), mirrored_face_jpeg(), KnownFaces(), AnalysisSettings(), 0
    )
    return float(np.linalg.norm(np.subtract(still.faces[0].encoding, astronaut_encoding())))


async def test_still_images_in_a_lazily_started_worker_without_home_assistant(
    pool: WorkerPool, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No process until an image needs one; answers with names and errors; no Home Assistant."""
    # The interpreter prints each import to stderr, which workers inherit.
    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")
    assert pool.worker_pids == []
    # Two requests at once start one worker, which answers both.
    first, second = await asyncio.gather(
        pool.async_analyze_image(one_face_jpeg()), pool.async_analyze_image(mirrored_face_jpeg())
    )
    (pid,) = pool.worker_pids
    # Workers yield the cores to their owner (Home Assistant's event loop).
    expected = min(os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS, 19)
    assert os.getpriority(os.PRIO_PROCESS, pid) == expected
    assert [len(first.faces), len(second.faces)] == [1, 1]
    assert first.faces[0].person_id is None
    assert first.request_id != second.request_id
    known = KnownFaces.from_arrays([(ASTRONAUT_ID, ASTRONAUT_NAME, [first.faces[0].encoding])])
    await pool.async_set_gallery(known)

    named = await pool.async_analyze_image(mirrored_face_jpeg())
    (face,) = named.faces
    assert (face.person_id, face.person_name) == (ASTRONAUT_ID, ASTRONAUT_NAME)
    assert face.distance == pytest.approx(mirrored_distance(), abs=1e-6)
    assert face.crop_jpeg.startswith(b"\xff\xd8")
    pair = await pool.async_analyze_image(two_faces_jpeg())
    assert (pair.width, pair.height) == (560, 260)
    assert [f.person_id for f in pair.faces] == [ASTRONAUT_ID, ASTRONAUT_ID]
    bad = await pool.async_analyze_image(b"not an image")
    assert (bad.error, bad.faces) == ("not_an_image", ())

    with pytest.raises(WorkerUnavailableError, match=r"No worker answered within 0\.001 s"):
        await pool.async_analyze_image(two_faces_jpeg(), timeout=0.001)
    # The late answer to that request is dropped; the next request gets its own.
    same = await pool.async_analyze_image(one_face_jpeg())
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
    after = await pool.async_analyze_image(mirrored_face_jpeg())
    assert after.faces[0].person_id == ASTRONAUT_ID, "the new worker has the gallery"
    assert pool.worker_pids not in ([], [pid])

    await pool.async_stop()
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in capfd.readouterr().err.splitlines()
        if line.startswith("import time:")
    }
    assert {"dlib", "av", "custom_components.openeye.pipeline.analyzer"} <= imported
    assert not {name for name in imported if name.split(".")[0] == "homeassistant"}


async def test_a_file_camera_names_her_across_the_process_boundary(
    pool: WorkerPool, results: Results, videos: dict[str, Path]
) -> None:
    """The face video, read at analysis pace in a worker: named, lost, ended, all frames counted."""
    # Taught before any worker runs: the worker gets the gallery when it starts.
    await pool.async_set_gallery(astronaut_gallery())
    assert pool.worker_pids == []
    await pool.async_add_camera("video", str(videos["face"]), SourceSettings(realtime=False))
    (pid,) = pool.worker_pids
    assert pool.worker_of("video") == pid
    assert pool.cameras_by_worker == {pid: ["video"]}
    ended = await results.wait_for_status("video", SourceStatus.ENDED, 30)

    video = [item for item in results.items if getattr(item, "camera_id", None) == "video"]
    assert video[-1] is ended, "ENDED is the camera's last word"
    assert ended.detail == "the file has ended"
    assert [s.status for s in results.of(SourceStatusChanged, "video")] == [
        SourceStatus.CONNECTING,
        SourceStatus.STREAMING,
        SourceStatus.ENDED,
    ]
    assert results.of(MotionStarted, "video")
    tracks = [
        (item.type, getattr(item, "person_id", None))
        for item in video
        if isinstance(item, FaceDetected | FaceRecognized | FaceLost)
    ]
    assert tracks == [
        ("face_detected", None),
        ("face_recognized", ASTRONAUT_ID),
        ("face_lost", ASTRONAUT_ID),
    ]
    (recognised,) = results.of(FaceRecognized, "video")
    assert isinstance(recognised, FaceRecognized)
    assert recognised.person_name == ASTRONAUT_NAME
    assert recognised.pts < 4.0
    assert recognised.crop_jpeg.startswith(b"\xff\xd8")
    figures = [f for f in results.of(Figures, "video") if isinstance(f, Figures)]
    assert figures
    assert sum(f.frames_read for f in figures) == 60
    assert sum(f.frames_analysed for f in figures) == 60
    # The ended camera stays in its worker, quiet, until it is removed.
    await asyncio.sleep(0.3)
    assert video[-1] is ended
    count = len(results.items)
    await pool.async_remove_camera("video")
    await asyncio.sleep(0.2)
    assert results.items[count:] == []
    assert pool.worker_pids == [pid]


async def test_a_pushed_camera_in_a_worker(
    pool: WorkerPool, results: Results, caplog: pytest.LogCaptureFixture
) -> None:
    """Pushed photos are analysed with live settings; bad or excess ones are dropped, not fatal."""
    caplog.set_level(logging.DEBUG, logger=pool_module.__name__)
    # Every frame counts as motion, so that the detector runs on each pushed image.
    await pool.async_set_settings(AnalysisSettings(motion_sensitivity=100))
    await pool.async_set_gallery(astronaut_gallery())
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
        pool.async_push_image("doorbell", one_face_jpeg(), time.time()),
    )
    assert "Image for doorbell dropped: the worker is behind" in caplog.text

    for _ in range(3):
        await pool.async_push_image("doorbell", one_face_jpeg(), time.time())
        await asyncio.sleep(0.25)
    await results.wait_for(lambda _: bool(results.of(FaceRecognized, "doorbell")), 30)
    (recognised,) = results.of(FaceRecognized, "doorbell")
    assert isinstance(recognised, FaceRecognized)
    assert recognised.person_id == ASTRONAUT_ID
    started = len(results.items)
    await results.wait_for(lambda items: any(isinstance(i, Figures) for i in items[started:]), 2)

    await pool.async_remove_camera("doorbell")
    assert pool.worker_of("doorbell") is None
    # Removing it closes its open track: the face is lost with her name.
    await results.wait_for(lambda _: bool(results.of(FaceLost, "doorbell")), 10)
    (lost,) = results.of(FaceLost, "doorbell")
    assert isinstance(lost, FaceLost)
    assert lost.person_id == ASTRONAUT_ID
    # Pushing to a removed camera is dropped quietly; the worker lives on.
    await pool.async_push_image("doorbell", one_face_jpeg(), time.time())
    assert pool.worker_pids == [pid]


async def test_a_killed_worker_is_restarted_with_its_cameras(
    results: Results, videos: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    """SIGKILL: the worker restarts with its gallery, settings and camera; a pending request too.

    A worker that dies again soon after its start waits twice as long before the next.
    """
    pool = WorkerPool(results, max_workers=1, restart_backoff=(0.2, 5.0))
    try:
        await pool.async_set_settings(AnalysisSettings(figures_interval=0.5))
        await pool.async_set_gallery(astronaut_gallery())
        await pool.async_add_camera("loop", str(videos["loop"]), SourceSettings(loop=True))
        await results.wait_for_status("loop", SourceStatus.STREAMING, 30)
        pid = pool.worker_of("loop")
        assert pid is not None

        pending = asyncio.create_task(pool.async_analyze_image(two_faces_jpeg()))
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
        # And the gallery: her face is named by the new worker, in the looping video too.
        again = await pool.async_analyze_image(mirrored_face_jpeg())
        assert again.faces[0].person_id == ASTRONAUT_ID
        await results.wait_for(
            lambda items: any(isinstance(i, FaceRecognized) for i in items[killed_at:]), 10
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


async def test_a_worker_killed_while_an_image_is_written_to_it(
    pool: WorkerPool, caplog: pytest.LogCaptureFixture
) -> None:
    """A worker that dies while a large image is still being written: the image goes again.

    The worker reads nothing while it loads its engine, so most of the 32 MB
    wait in the pool's buffer; the broken connection ends the write at once,
    and the request is sent to a new worker, which answers it.
    """
    request = asyncio.create_task(pool.async_analyze_image(os.urandom(32 * 1024 * 1024)))
    await eventually(
        lambda: any(
            worker.writer is not None and worker.writer.transport.get_write_buffer_size() > 0
            for worker in pool._workers
        ),
        10,
    )
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


async def test_a_frozen_worker_is_terminated_then_killed(
    results: Results, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A worker stopped with SIGSTOP obeys neither Stop nor SIGTERM; it is killed and reaped."""
    monkeypatch.setattr(pool_module, "STOP_TIMEOUT", 0.3)
    monkeypatch.setattr(pool_module, "TERMINATE_TIMEOUT", 0.3)
    pool = WorkerPool(results, max_workers=1)
    analysis = await pool.async_analyze_image(one_face_jpeg())
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


async def test_a_stop_while_a_worker_starts_stops_it_too(results: Results) -> None:
    """Stopping the pool while a request is starting its worker leaves no process behind."""
    children = child_pids()
    pool = WorkerPool(results, max_workers=1)
    request = asyncio.create_task(pool.async_analyze_image(one_face_jpeg()))
    # One turn of the loop: the request has begun starting the worker's process.
    await asyncio.sleep(0)
    assert pool._workers[0].start_task is not None
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
