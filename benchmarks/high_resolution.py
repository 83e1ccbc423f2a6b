"""1080p cameras and four cameras at once: CPU, analysis rate, memory and first recognition.

Run from the project root (it needs ../shared/media):

    .venv/bin/python benchmarks/high_resolution.py [--seconds 20]

It writes the Hamilton clip upscaled three times (1920x1080, MPEG-4 part 2,
29.97 fps) to a temporary file (never into the project), teaches the two
reference photos, and plays the clip as looping realtime cameras through the
real worker pool (real worker processes, at most one per core), as OpenEye
does in Home Assistant:

- one 640x360 camera (the original clip), for comparison;
- one 1080p camera at detection scale 1.0 (the default) and at 0.5;
- four 1080p cameras at once, at scale 1.0 and at 0.5.

For each it prints the CPU used per camera (percent of one core, the worker
processes' user and system time), the frames read and analysed per second
and camera, the resident memory (RSS) of each worker, and the
first-recognition delay: from the moment the frame where Lin-Manuel Miranda
appears was shown (frame 1, or frame 85 where he comes close, as measured
with face_recognition in ../shared/media/README.md) to the moment the owner
received ``face_recognized``. It prints figures only.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
import os
from pathlib import Path
import statistics
import tempfile
import time
from typing import Any

import av

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT.parent / "shared" / "media"
CLIP = MEDIA / "short_hamilton_clip.mp4"
PHOTOS = {
    "Lin-Manuel Miranda": MEDIA / "lin-manuel-miranda.png",
    "Alex Lacamoire": MEDIA / "alex-lacamoire.png",
}
FPS = 30000 / 1001
# Where Lin-Manuel Miranda appears in the clip (1-based frames, ../shared/media/README.md):
# small from frame 1, close from frame 85.
APPEARANCES = (1, 85)


from process_figures import cpu_seconds, memory_kib  # noqa: E402 - benchmarks/ is this script's folder
import standalone_pipeline  # noqa: E402, F401 - before the pipeline: no Home Assistant

from custom_components.openeye.pipeline.gallery import KnownFaces  # noqa: E402
from custom_components.openeye.pipeline.messages import (  # noqa: E402
    FaceRecognized,
    Figures,
    UnknownFace,
    WorkerResult,
)
from custom_components.openeye.pipeline.pool import WorkerPool  # noqa: E402
from custom_components.openeye.pipeline.settings import (  # noqa: E402
    AnalysisSettings,
    SourceSettings,
)


def upscale(source: Path, target: Path, size: tuple[int, int]) -> None:
    """Write ``source`` resized to ``size`` (width, height) as MPEG-4 at the same frame rate."""
    with av.open(str(source)) as reader, av.open(str(target), "w", format="mp4") as writer:
        stream = writer.add_stream("mpeg4", rate=reader.streams.video[0].average_rate)
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        stream.bit_rate = 8_000_000
        for frame in reader.decode(video=0):
            scaled = frame.reformat(
                width=size[0], height=size[1], format="yuv420p", interpolation="BILINEAR"
            )
            # A new frame of the same pixels: the decoded one carries the source's
            # timing and flags, which the encoder refuses.
            fresh = av.VideoFrame.from_ndarray(scaled.to_ndarray(), format="yuv420p")
            writer.mux(stream.encode(fresh))
        writer.mux(stream.encode(None))


@dataclass
class Collector:
    """Keeps figures, and the first recognition of each camera with its arrival time."""

    figures: list[Figures] = field(default_factory=list)
    first: dict[str, tuple[float, FaceRecognized]] = field(default_factory=dict)
    # Strangers (unknown_face results) per camera.
    strangers: dict[str, int] = field(default_factory=dict)
    # Wall-clock time of pts 0 per camera: a realtime frame is read at clock0 + pts.
    offsets: dict[str, list[float]] = field(default_factory=dict)

    def __call__(self, result: WorkerResult) -> None:
        """Keep what the figures need."""
        arrived = time.time()
        if isinstance(result, Figures):
            self.figures.append(result)
        if isinstance(result, FaceRecognized):
            self.first.setdefault(result.camera_id, (arrived, result))
        if isinstance(result, UnknownFace):
            self.strangers[result.camera_id] = self.strangers.get(result.camera_id, 0) + 1
        if hasattr(result, "pts") and hasattr(result, "camera_id") and result.pts > 0:
            self.offsets.setdefault(result.camera_id, []).append(result.timestamp - result.pts)


def recognition_delay(collector: Collector, camera_id: str) -> tuple[float, int, int] | None:
    """Return how long after Lin's appearance his first recognition arrived, or None.

    The figures are the seconds from the moment the appearance's first frame
    (1 or 85) was shown to the result's arrival, that frame, and the frame the
    decision was taken on.
    """
    if camera_id not in collector.first:
        return None
    arrived, result = collector.first[camera_id]
    clock0 = statistics.median(collector.offsets[camera_id])
    # The loop the recognition belongs to, and the appearance it follows.
    duration = 275 / FPS
    loop_start = (result.pts // duration) * duration
    in_loop = result.pts - loop_start
    frame = max(f for f in APPEARANCES if (f - 1) / FPS <= in_loop + 1e-6)
    shown = clock0 + loop_start + (frame - 1) / FPS
    return arrived - shown, frame, round(in_loop * FPS) + 1


def first_recognition(collector: Collector, camera_id: str) -> str:
    """Describe how long after Lin's appearance his first recognition arrived."""
    delay = recognition_delay(collector, camera_id)
    if delay is None:
        return "not recognised"
    seconds, frame, decided = delay
    return f"{seconds:.2f} s after frame {frame} was shown (decided on frame {decided})"


async def teach(pool: WorkerPool) -> KnownFaces:
    """Return the gallery of the two reference photos, encoded by a worker."""
    people = []
    for name, photo in PHOTOS.items():
        analysis = await pool.async_analyze_image(photo.read_bytes())
        people.append((name, name, [analysis.faces[0].encoding]))
    return KnownFaces.from_arrays(people)


async def run(
    label: str, source: Path, cameras: int, scale: float, seconds: float
) -> dict[str, Any]:
    """Play ``cameras`` looping realtime cameras of ``source``; measure and print one row.

    It returns the CPU per camera (percent of a core), the frames analysed
    and detections per second and camera, each worker's RSS (MiB), each
    camera's first recognition (see :func:`recognition_delay`) and strangers.
    """
    collector = Collector()
    pool = WorkerPool(collector)
    await pool.async_start()
    try:
        await pool.async_set_settings(AnalysisSettings(detection_scale=scale))
        await pool.async_set_gallery(await teach(pool))
        pids = pool.worker_pids
        cpu_before = {pid: cpu_seconds(pid) for pid in pids}
        for index in range(cameras):
            await pool.async_add_camera(
                f"camera-{index}", str(source), SourceSettings(realtime=True, loop=True)
            )
        # Let every worker start and its sources open, then measure a clean interval.
        await asyncio.sleep(4)
        pids = pool.worker_pids
        cpu_before = {pid: cpu_seconds(pid) for pid in pids}
        figures_before = len(collector.figures)
        started = time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - started
        cpu = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in pids}
        rss = {pid: memory_kib(pid)[0] / 1024 for pid in pids}
        by_worker = pool.cameras_by_worker
    finally:
        await pool.async_stop()
    window = collector.figures[figures_before:]
    analysed = sum(f.frames_analysed for f in window) / cameras / elapsed
    detections = sum(f.detections for f in window) / cameras / elapsed
    read = sum(f.frames_read for f in window) / cameras / elapsed
    per_camera = 100 * sum(cpu.values()) / elapsed / cameras
    workers = ", ".join(
        f"{len(by_worker.get(pid, []))} cam(s) {rss[pid]:.0f} MiB {100 * cpu[pid] / elapsed:.0f} %"
        for pid in pids
    )
    delays = "; ".join(
        f"camera {index}: {first_recognition(collector, f'camera-{index}')}"
        for index in range(cameras)
    )
    print(
        f"{label}\n    CPU {per_camera:.0f} % of a core per camera; read {read:.1f}/s, "
        f"analysed {analysed:.1f}/s per camera; workers: {workers}\n"
        f"    first recognition: {delays}",
        flush=True,
    )
    names = [f"camera-{index}" for index in range(cameras)]
    return {
        "cpu": per_camera,
        "analysed": analysed,
        "detections": detections,
        "rss": [rss[pid] for pid in pids],
        "first_recognition": [recognition_delay(collector, name) for name in names],
        "strangers": [collector.strangers.get(name, 0) for name in names],
    }


async def main(seconds: float) -> None:
    """Write the 1080p clip, run every row."""
    print(
        f"{os.cpu_count()} cores; {CLIP.name} looping in realtime, {seconds:g} s per row "
        "after a 4 s warm-up; figures from Figures messages (every 5 s)"
    )
    with tempfile.TemporaryDirectory(prefix="openeye-1080p-") as folder:
        big = Path(folder) / "hamilton_1080p.mp4"
        started = time.monotonic()
        upscale(CLIP, big, (1920, 1080))
        print(f"1080p clip written in {time.monotonic() - started:.1f} s ({big.stat().st_size} B)")
        rows = [
            ("1 camera 640x360, scale 1.0", CLIP, 1, 1.0),
            ("1 camera 1920x1080, scale 1.0", big, 1, 1.0),
            ("1 camera 1920x1080, scale 0.5", big, 1, 0.5),
            ("4 cameras 1920x1080, scale 1.0", big, 4, 1.0),
            ("4 cameras 1920x1080, scale 0.5", big, 4, 0.5),
        ]
        for label, source, cameras, scale in rows:
            await run(label, source, cameras, scale, seconds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring time per row")
    asyncio.run(main(parser.parse_args().seconds))
