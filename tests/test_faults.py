"""Faults under a running Home Assistant: cameras that drop or freeze, workers killed, reloads.

Everything is real: MJPEG cameras on 127.0.0.1, worker processes, Home
Assistant's entities. What tests/pipeline/ already proves (a source's
timeouts, a worker killed in a bare pool) is not repeated, nor what
tests/test_hub.py proves with the fake pool (what the hub makes of a camera's
statuses); these tests add a real camera going down and back with the timings
a user sees through Home Assistant, the worker killed under the integration,
and many reloads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import logging
import os
from pathlib import Path
import signal
import threading
import time
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openeye.hub import OpenEyeHub
from custom_components.openeye.pipeline.messages import (
    FaceDetected,
    Figures,
    PoolResult,
    SourceStatus,
    SourceStatusChanged,
    WorkerResult,
)
from custom_components.openeye.pipeline.pool import WorkerPool
from custom_components.openeye.pipeline.settings import SourceSettings
from custom_components.openeye.pipeline.sources import WATCHDOG_GRACE
from tests.faces import write_face_video
from tests.helpers import camera_entry, flush_entity_writes, hub_of
from tests.pipeline.leaks import child_pids, open_fds
from tests.pipeline.mjpeg_server import MjpegServer, astronaut_frames

# What a user is promised: a camera that goes away shows as unavailable
# within this many seconds, and one that returns after a short outage
# delivers frames again within the second bound.
UNAVAILABLE_WITHIN = 10.0
FIRST_FRAME_WITHIN = 5.0


async def _wait_for(condition: Callable[[], Any], timeout: float = 30.0) -> float:
    """Wait until ``condition()`` is truthy while Home Assistant runs; return the seconds."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not condition():
        assert loop.time() - started < timeout, "the awaited state did not come in time"
        await asyncio.sleep(0.05)
    return loop.time() - started


class ResultSpy:
    """Records every worker result the hub receives, with the wall-clock time it arrived.

    It sits between the pool and the hub, at the process boundary, and passes
    every result on unchanged: the hub builds its pool from the class that
    :meth:`pool_class` returns, which hands the spy every result first.
    """

    def __init__(self) -> None:
        """Start with no result."""
        self.items: list[tuple[float, WorkerResult]] = []

    def pool_class(self) -> type[WorkerPool]:
        """Return a worker pool whose results pass through the spy on their way to the hub."""
        items = self.items

        class SpiedPool(WorkerPool):
            """The real pool, with the spy in front of its owner's result handler."""

            def __init__(
                self,
                on_result: Callable[[PoolResult], None],
                *,
                max_workers: int | None = None,
                restart_backoff: tuple[float, float] = (1.0, 30.0),
                logger: logging.Logger | None = None,
            ) -> None:
                """Start the pool with a handler that records each result, then forwards it."""

                def spy(result: PoolResult) -> None:
                    items.append((time.time(), result))
                    on_result(result)

                super().__init__(
                    spy, max_workers=max_workers, restart_backoff=restart_backoff, logger=logger
                )

        return SpiedPool

    def statuses(self, after: float = 0.0) -> list[SourceStatusChanged]:
        """Return the status changes received after the wall-clock time ``after``."""
        return [r for t, r in self.items if isinstance(r, SourceStatusChanged) and t >= after]

    def count(self, kind: type, after: float) -> int:
        """Return how many results of a kind arrived after ``after``."""
        return sum(1 for t, r in self.items if isinstance(r, kind) and t >= after)


def _state(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def _lines(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    """Return the log records whose message contains ``text``."""
    return [record for record in caplog.records if text in record.getMessage()]


async def _start(
    hass: HomeAssistant, url: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[MockConfigEntry, OpenEyeHub, ResultSpy]:
    """Set up OpenEye with one camera on ``url``, a spy on its results; wait until it streams."""
    spy = ResultSpy()
    monkeypatch.setattr("custom_components.openeye.hub.WorkerPool", spy.pool_class())
    entry = camera_entry(url)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    hub = hub_of(entry)
    [camera] = hub.cameras.values()
    await _wait_for(lambda: camera.available)
    await flush_entity_writes(hass)
    assert _state(hass, "binary_sensor.door_motion") != "unavailable"
    return entry, hub, spy


async def test_dropped_camera_is_unavailable_at_once_and_back_soon_after_it_returns(
    hass: HomeAssistant,
    socket_enabled: None,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A camera that goes away: unavailable within 10 s, one line; back within 5 s of its return.

    While it is away the worker reconnects with back-off (1 s, then 2 s, ...).
    After a short outage the next attempt is at most a few seconds away, so
    the first frame comes within 5 s of the camera's return; after a long
    one it can take up to the back-off's cap of 30 s.
    """
    caplog.set_level(logging.INFO, logger="custom_components.openeye")
    server = MjpegServer(astronaut_frames(), fps=10)
    server.start()
    try:
        entry, hub, spy = await _start(hass, server.url, monkeypatch)
        [camera] = hub.cameras.values()

        dropped = time.time()
        server.stop()
        assert await _wait_for(lambda: not camera.available) < UNAVAILABLE_WITHIN
        await flush_entity_writes(hass)
        assert _state(hass, "binary_sensor.door_motion") == "unavailable"
        assert _state(hass, "sensor.door_stream_status") == "reconnecting"

        # Down for a while: the worker retries with growing waits.
        await _wait_for(lambda: len(spy.statuses(dropped)) >= 3, timeout=20)
        retries = [s.retry_in for s in spy.statuses(dropped) if s.retry_in is not None]
        assert retries[:2] == [1.0, 2.0]

        server.start()
        returned = time.time()
        await _wait_for(lambda: camera.available, timeout=FIRST_FRAME_WITHIN + 5)
        streaming = [s for s in spy.statuses(returned) if s.status is SourceStatus.STREAMING]
        # The worker reports streaming with its first frame; its clock is this machine's.
        assert streaming[0].timestamp - returned < FIRST_FRAME_WITHIN
        await flush_entity_writes(hass)
        assert _state(hass, "sensor.door_stream_status") == "streaming"
        assert _state(hass, "binary_sensor.door_motion") != "unavailable"
        assert len(_lines(caplog, "Door is unavailable")) == 1
        assert len(_lines(caplog, "Door is available again")) == 1
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        server.stop()


async def test_frozen_camera_is_caught_by_the_read_timeout(
    hass: HomeAssistant,
    socket_enabled: None,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A camera that keeps its connection open but sends nothing goes unavailable on time.

    The read timeout (10 s) catches it; the watchdog adds at most its grace.
    """
    caplog.set_level(logging.INFO, logger="custom_components.openeye")
    server = MjpegServer(astronaut_frames(), fps=10)
    server.start()
    try:
        entry, hub, _spy = await _start(hass, server.url, monkeypatch)
        [camera] = hub.cameras.values()
        server.stall()
        seconds = await _wait_for(lambda: not camera.available, timeout=30)
        read_timeout = SourceSettings().read_timeout
        assert read_timeout - 1 < seconds < read_timeout + WATCHDOG_GRACE + 2
        await flush_entity_writes(hass)
        assert _state(hass, "sensor.door_faces_in_view") == "unavailable"
        [line] = _lines(caplog, "Door is unavailable")
        assert f"no frame for {read_timeout:g} s" in line.getMessage()

        server.resume()
        await _wait_for(lambda: camera.available, timeout=FIRST_FRAME_WITHIN + 5)
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        server.stop()


def _state_of(pid: int) -> str | None:
    """Return a process's state letter (Z for a zombie), or None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


async def test_worker_killed_under_home_assistant_is_replaced(
    hass: HomeAssistant,
    socket_enabled: None,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SIGKILL of a camera's worker: reaped, restarted, and the camera's entities recover."""
    caplog.set_level(logging.INFO, logger="custom_components.openeye")
    server = MjpegServer(astronaut_frames(), fps=10)
    server.start()
    try:
        entry, hub, spy = await _start(hass, server.url, monkeypatch)
        [camera] = hub.cameras.values()
        await _wait_for(lambda: spy.count(FaceDetected, 0.0) > 0)
        pid = hub.pool.worker_of(camera.camera_id)
        assert pid is not None

        killed = time.time()
        os.kill(pid, signal.SIGKILL)
        # At once, before a new worker starts, the camera is known to be down:
        # no entity keeps showing what the dead worker last said.
        await _wait_for(lambda: spy.statuses(killed))
        first = spy.statuses(killed)[0]
        assert first.status is SourceStatus.RECONNECTING
        assert first.detail is not None
        assert f"{pid} exited with code -9" in first.detail
        assert not camera.available
        assert camera.faces_in_view == 0
        assert not camera.motion
        await _wait_for(lambda: hub.pool.worker_of(camera.camera_id) not in (None, pid))
        new_pid = hub.pool.worker_of(camera.camera_id)
        # The new worker reports the camera from its start, then streams again.
        await _wait_for(
            lambda: any(s.status is SourceStatus.STREAMING for s in spy.statuses(killed))
        )
        await _wait_for(lambda: camera.available)
        # Results flow again: new faces and figures from the new worker.
        await _wait_for(lambda: spy.count(FaceDetected, killed) > 0)
        await _wait_for(lambda: spy.count(Figures, killed) > 0, timeout=15)
        await flush_entity_writes(hass)
        assert _state(hass, "sensor.door_stream_status") == "streaming"
        assert _state(hass, "binary_sensor.door_motion") != "unavailable"

        assert _state_of(pid) is None, "the killed worker is reaped, not a zombie"
        assert new_pid in child_pids()
        assert all(_state_of(child) not in (None, "Z") for child in child_pids())
        assert len(_lines(caplog, "Door is unavailable")) == 1
        assert len(_lines(caplog, "Door is available again")) == 1
        assert await hass.config_entries.async_unload(entry.entry_id)
        assert _state_of(new_pid) is None
    finally:
        server.stop()


def _thread_names() -> list[str]:
    """Return the names of this process's threads, sorted."""
    return sorted(thread.name for thread in threading.enumerate())


@pytest.mark.long
async def test_twenty_reloads_leave_no_process_thread_or_descriptor(
    hass: HomeAssistant, media_dir: Path
) -> None:
    """Reloading the entry twenty times, with a camera, leaves exactly what one load leaves.

    Each reload stops a worker and starts another (about a second each). The
    counts are compared exactly, so a leak of one process, thread or
    descriptor per reload shows after any number of rounds; twenty also
    catches what leaks only every few rounds (pools, collected garbage).
    Fifty rounds took 57 s of a 280 s suite for nothing more.
    """
    video = media_dir / "door.mp4"
    write_face_video(str(video))
    entry = camera_entry(str(video))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    async def reload_and_settle() -> int:
        """Reload, wait until the camera streams in its new worker; return that worker."""
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        hub = hub_of(entry)
        [camera] = hub.cameras.values()
        await _wait_for(lambda: camera.available)
        pid = hub.pool.worker_of(camera.camera_id)
        assert pid is not None
        return pid

    # Home Assistant starts some threads (executor workers) only when first
    # needed: a few reloads first, so that what follows compares like with like.
    for _ in range(3):
        await reload_and_settle()
    fds, threads, children = open_fds(), _thread_names(), child_pids()
    assert len(children) == 1

    pids = {await reload_and_settle() for _ in range(20)}
    assert len(pids) == 20, "every reload starts a new worker"
    after_children = child_pids()
    assert len(after_children) == 1
    assert not after_children & children
    assert all(_state_of(pid) is None for pid in pids - after_children)
    assert _thread_names() == threads
    # The descriptors are the same in number (their numbers may be reused differently).
    assert len(open_fds()) == len(fds), (sorted(fds), sorted(open_fds()))
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert child_pids() == set()
