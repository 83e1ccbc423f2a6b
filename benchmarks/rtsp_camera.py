"""An RTSP camera against the same clip from a file: CPU, first recognition, recovery.

Run from the project root (it needs ../shared/media and the Debian packages
of the test RTSP camera, which scripts/test installs):

    .venv/bin/python benchmarks/rtsp_camera.py [--seconds 30] [--rounds 3]

The Hamilton clip is encoded once as H.264 (as the tests' RTSP camera serves
it) and played two ways by one real worker through the real pool, with the
two reference photos as the gallery:

1. as a looping realtime file (the same H.264 pictures in Matroska), and
2. from GStreamer's RTSP server on 127.0.0.1 (tests/rtsp_camera.py), over
   TCP with digest authentication.

For each it prints the worker's CPU over ``--seconds`` (decoding and analysis
are the same; the difference is reading the network), and the seconds from
adding the camera to the first recognition of Lin-Manuel Miranda. Then it
restarts the RTSP server ``--rounds`` times, away for 0, 2 and 5 s, and prints
how long the camera took to stream again after the server was back. It
prints figures only and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
from fractions import Fraction
from pathlib import Path
import statistics
import sys
import tempfile
import time

import av

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT.parent / "shared" / "media" / "short_hamilton_clip.mp4"

from process_figures import cpu_seconds  # noqa: E402 - benchmarks/ is this script's folder
import standalone_pipeline  # noqa: E402, F401 - before the pipeline: no Home Assistant

from custom_components.openeye.pipeline.messages import (  # noqa: E402
    FaceRecognized,
    SourceStatus,
    SourceStatusChanged,
    WorkerResult,
)
from custom_components.openeye.pipeline.pool import WorkerPool  # noqa: E402
from custom_components.openeye.pipeline.settings import SourceSettings  # noqa: E402

sys.path.insert(0, str(ROOT))
from tests.pipeline.real_faces import LIN_ID, reference_gallery  # noqa: E402
from tests.rtsp_camera import EncodedStreams, RtspCamera, unavailable_reason  # noqa: E402

USER, PASSWORD = "bench", "bench-password"


class Watch:
    """Keeps the times at which statuses and recognitions arrived."""

    def __init__(self) -> None:
        """Start empty."""
        self.statuses: list[tuple[float, SourceStatus]] = []
        self.recognitions: list[float] = []

    def __call__(self, result: WorkerResult) -> None:
        """Record what matters here."""
        now = time.monotonic()
        if isinstance(result, SourceStatusChanged):
            self.statuses.append((now, result.status))
        elif isinstance(result, FaceRecognized) and result.person_id == LIN_ID:
            self.recognitions.append(now)

    async def streaming_after(self, moment: float, limit: float = 60.0) -> float:
        """Wait for a STREAMING status after ``moment``; return the seconds since then."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            for when, status in self.statuses:
                if when >= moment and status is SourceStatus.STREAMING:
                    return when - moment
            await asyncio.sleep(0.02)
        raise TimeoutError("the camera did not stream again")


def matroska_copy(stream: Path, folder: Path) -> Path:
    """Copy an H.264 elementary stream's pictures, unchanged, into Matroska with timestamps.

    The pictures are timed at the clip's own rate, the rate the RTSP server
    plays them at (it reads it from the stream's parameter sets).
    """
    with av.open(str(CLIP)) as original:
        rate = original.streams.video[0].average_rate or 30
    path = folder / "hamilton-h264.mkv"
    with av.open(str(stream), format="h264") as source, av.open(str(path), "w") as out:
        video = source.streams.video[0]
        copy = out.add_stream(template=video)
        for index, packet in enumerate(source.demux(video)):
            if packet.size == 0:
                continue
            # Milliseconds: the elementary stream has no timestamps of its own.
            packet.pts = packet.dts = round(index * 1000 / float(rate))
            packet.time_base = Fraction(1, 1000)
            packet.stream = copy
            out.mux(packet)
    return path


async def one_camera(source: str, seconds: float) -> tuple[float, float | None]:
    """Run one camera for ``seconds``: return the worker's CPU % of a core, first recognition."""
    watch = Watch()
    pool = WorkerPool(watch, max_workers=1)
    await pool.async_start()
    try:
        await pool.async_set_gallery(reference_gallery())
        added = time.monotonic()
        await pool.async_add_camera("camera", source, SourceSettings(realtime=True, loop=True))
        await watch.streaming_after(added)
        pid = pool.worker_of("camera")
        assert pid is not None
        await asyncio.sleep(1.0)
        cpu_before, wall_before = cpu_seconds(pid), time.monotonic()
        await asyncio.sleep(seconds)
        cpu = (cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall_before) * 100
        first = watch.recognitions[0] - added if watch.recognitions else None
        return cpu, first
    finally:
        await pool.async_stop()


async def recovery(camera: RtspCamera, away: float) -> float:
    """Restart the RTSP server, away ``away`` seconds: return seconds from its return to frames."""
    watch = Watch()
    pool = WorkerPool(watch, max_workers=1)
    await pool.async_start()
    try:
        await pool.async_add_camera("camera", camera.url("hamilton"), SourceSettings())
        await watch.streaming_after(0.0)
        await asyncio.sleep(2.0)
        camera.stop()
        await asyncio.sleep(away)
        camera.start()
        return await watch.streaming_after(time.monotonic())
    finally:
        await pool.async_stop()


async def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if reason := unavailable_reason():
        raise SystemExit(reason)
    with tempfile.TemporaryDirectory() as folder:
        streams = EncodedStreams(Path(folder))
        stream = streams.clip(CLIP, "h264")
        file = matroska_copy(stream, Path(folder))
        camera = RtspCamera({"hamilton": stream}, auth="digest", user=USER, password=PASSWORD)
        camera.start()
        try:
            print(f"one camera, {args.seconds:g} s each, after its first second:")
            for name, source in (("file", str(file)), ("rtsp", camera.url("hamilton"))):
                cpu, first = await one_camera(source, args.seconds)
                server = ""
                if name == "rtsp" and camera.pid is not None:
                    server = f", RTSP server {cpu_seconds(camera.pid):.1f} CPU-s in all"
                print(
                    f"  {name}: worker {cpu:.1f} % of a core; first recognition "
                    f"{first if first is None else round(first, 2)} s after the camera was added"
                    f"{server}"
                )
            print("recovery after a server restart (seconds from its return to frames):")
            for away in (0.0, 2.0, 5.0):
                times = [await recovery(camera, away) for _ in range(args.rounds)]
                print(
                    f"  away {away:g} s: median {statistics.median(times):.2f} s, "
                    f"all {[round(t, 2) for t in times]}"
                )
        finally:
            camera.stop()


if __name__ == "__main__":
    asyncio.run(main())
