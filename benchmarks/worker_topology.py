"""Figures behind the worker pool's topology: start time, memory and CPU per worker and camera.

Run from the project root (it needs ../shared/media):

    .venv/bin/python benchmarks/worker_topology.py [--seconds 15]

It measures, with real worker processes started by the real pool:

1. how long a worker takes from spawn to ``WorkerReady`` (engine loaded), and
   the resident (RSS) and proportional (PSS: shared pages divided among the
   processes sharing them) memory of an idle worker;
2. one worker hosting 1, then 4 cameras (the Hamilton clip as a looping,
   realtime 640x360 30 fps camera each): memory, CPU and the analysis rate
   the analyzers achieved;
3. four workers with one camera each (one process per camera), the same way.

It prints figures only and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
import socket
import statistics
import subprocess
import time
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT.parent / "shared" / "media" / "short_hamilton_clip.mp4"


from process_figures import cpu_seconds, memory_kib  # noqa: E402 - benchmarks/ is this script's folder
import standalone_pipeline  # noqa: E402, F401 - before the pipeline: no Home Assistant

from custom_components.openeye.pipeline.messages import (  # noqa: E402
    Figures,
    WorkerReady,
    WorkerResult,
)
from custom_components.openeye.pipeline.pool import WorkerPool, worker_command  # noqa: E402
from custom_components.openeye.pipeline.protocol import receive_message  # noqa: E402
from custom_components.openeye.pipeline.settings import (  # noqa: E402
    AnalysisSettings,
    SourceSettings,
)


def start_times(count: int) -> list[float]:
    """Start ``count`` workers one after the other; return the seconds each took to be ready."""
    seconds = []
    for _ in range(count):
        ours, theirs = socket.socketpair()
        with ours:
            started = time.monotonic()
            with theirs:
                process = subprocess.Popen(  # noqa: S603 - our own worker command
                    worker_command(theirs.fileno()),
                    pass_fds=(theirs.fileno(),),
                    stdin=subprocess.DEVNULL,
                )
            ready = receive_message(ours)
            seconds.append(time.monotonic() - started)
            assert isinstance(ready, WorkerReady)
        process.wait(timeout=30)
    return seconds


class Collector:
    """Keeps the figures messages of every camera."""

    def __init__(self) -> None:
        """Start empty."""
        self.figures: list[Figures] = []

    def __call__(self, result: WorkerResult) -> None:
        """Keep figures; ignore the rest."""
        if isinstance(result, Figures):
            self.figures.append(result)


async def run_topology(cameras: int, workers: int, seconds: float) -> dict[str, Any]:
    """Run ``cameras`` clip cameras on at most ``workers`` workers; measure them."""
    collector = Collector()
    pool = WorkerPool(collector, max_workers=workers)
    await pool.async_start()
    try:
        await pool.async_set_settings(AnalysisSettings(figures_interval=seconds / 3))
        for index in range(cameras):
            await pool.async_add_camera(
                f"camera-{index}", str(CLIP), SourceSettings(realtime=True, loop=True)
            )
        # Warm up: engines loaded, sources open, analysis under way.
        await asyncio.sleep(4)
        pids = pool.worker_pids
        cpu_before = {pid: cpu_seconds(pid) for pid in pids}
        collector.figures.clear()
        started = time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - started
        memory = {pid: memory_kib(pid) for pid in pids}
        cpu = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in pids}
    finally:
        await pool.async_stop()
    analysed = sum(f.frames_analysed for f in collector.figures)
    read = sum(f.frames_read for f in collector.figures)
    return {
        "workers": len(pids),
        "rss_mib": sum(rss for rss, _ in memory.values()) / 1024,
        "pss_mib": sum(pss for _, pss in memory.values()) / 1024,
        "cpu_percent": 100 * sum(cpu.values()) / elapsed,
        "analysed_per_camera_s": analysed / cameras / elapsed,
        "read_per_camera_s": read / cameras / elapsed,
    }


async def idle_worker_memory() -> tuple[float, float]:
    """Return (RSS, PSS) in MiB of one worker that has loaded the engine and does nothing."""
    pool = WorkerPool(lambda _: None, max_workers=1)
    await pool.async_start()
    try:
        await pool.async_analyze_image(b"warm up")
        rss, pss = memory_kib(pool.worker_pids[0])
    finally:
        await pool.async_stop()
    return rss / 1024, pss / 1024


async def main(seconds: float) -> None:
    """Measure and print."""
    print(f"{os.cpu_count()} cores; {CLIP.name}, 640x360 at 29.97 fps, looping, realtime")
    times = start_times(5)
    print(
        f"worker start to WorkerReady: median {statistics.median(times):.2f} s "
        f"(min {min(times):.2f}, max {max(times):.2f}, {len(times)} starts)"
    )
    rss, pss = await idle_worker_memory()
    print(f"idle worker, engine loaded: RSS {rss:.0f} MiB, PSS {pss:.0f} MiB")
    print()
    print("topology                    workers  RSS MiB  PSS MiB  CPU %  read/s  analysed/s")
    rows = [
        ("1 camera, 1 worker", 1, 1),
        ("4 cameras, 1 shared worker", 4, 1),
        ("4 cameras, 2 workers", 4, 2),
        ("4 cameras, 4 workers", 4, 4),
    ]
    results = {}
    for label, cameras, workers in rows:
        figures = await run_topology(cameras, workers, seconds)
        results[label] = figures
        print(
            f"{label:<27} {figures['workers']:>7} {figures['rss_mib']:>8.0f} "
            f"{figures['pss_mib']:>8.0f} {figures['cpu_percent']:>6.0f} "
            f"{figures['read_per_camera_s']:>7.1f} {figures['analysed_per_camera_s']:>11.1f}"
        )
    one, shared = results["1 camera, 1 worker"], results["4 cameras, 1 shared worker"]
    per_camera = results["4 cameras, 4 workers"]
    print()
    print(
        f"per extra camera in a shared worker: "
        f"RSS +{(shared['rss_mib'] - one['rss_mib']) / 3:.0f} MiB, "
        f"PSS +{(shared['pss_mib'] - one['pss_mib']) / 3:.0f} MiB, "
        f"CPU +{(shared['cpu_percent'] - one['cpu_percent']) / 3:.0f} % of a core"
    )
    print(
        f"per extra camera with a process each:  "
        f"RSS +{(per_camera['rss_mib'] - one['rss_mib']) / 3:.0f} MiB, "
        f"PSS +{(per_camera['pss_mib'] - one['pss_mib']) / 3:.0f} MiB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="measuring time per row")
    asyncio.run(main(parser.parse_args().seconds))
