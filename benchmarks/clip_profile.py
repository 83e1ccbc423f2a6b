r"""Where the CPU of the clip's steady-state scan goes, stage by stage.

Run from the project root with the benchmarks' environment (it needs
../shared/media):

    .venv-bench/bin/python benchmarks/clip_profile.py [--rounds 3] [--cprofile] [--reference]

In this one process, with the engine and the gallery loaded first, it runs
(each ``--rounds`` times, alternating, so that both see the same load):

- decoding alone: every picture of the clip read through the pipeline's own
  reader, none handed to an analyzer (the floor of any scan);
- the command line's scan of the clip (``cli.scan_video``, default settings),
  with a timer around every stage: the motion check (grey sampling included),
  remembering what moved, planning the search, converting regions to RGB,
  each detector call (with its pixels), the encodings (landmarks and the
  network together, and the patches' conversion), the tracker.

With ``--reference``, face_recognition's own video example
(pipeline_vs_naive.run_reference) runs once in the same process first, and
the budget of the 50-times target (its CPU / 50) is printed beside the floor
that decoding and the encodings the clip's decisions need set.

The stages are timed with the process's CPU clock, so a busy machine lengthens
them all alike: their shares compare, within one run. ``--cprofile`` adds a
cProfile of one scan (its overhead inflates the Python-heavy stages). It
prints figures only.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
import cProfile
import functools
import io
from pathlib import Path
import pstats
import sys
import tempfile
import time
from typing import Any

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
MEDIA = ROOT.parent / "shared" / "media"
CLIP = MEDIA / "short_hamilton_clip.mp4"
FPS = 30000 / 1001

sys.path.insert(0, str(BENCHMARKS))
import standalone_pipeline  # noqa: E402, F401 - before the pipeline: no Home Assistant

from custom_components.openeye.pipeline import (  # noqa: E402
    analyzer as analyzer_module,
    frames as frames_module,
    motion as motion_module,
    tracker as tracker_module,
)
from custom_components.openeye.pipeline.cli import load_gallery, scan_video  # noqa: E402
from custom_components.openeye.pipeline.engine import FaceEngine  # noqa: E402
from custom_components.openeye.pipeline.file_reader import VideoFileReader  # noqa: E402
from custom_components.openeye.pipeline.messages import (  # noqa: E402
    FaceRecognized,
    UnknownFace,
)
from custom_components.openeye.pipeline.settings import AnalysisSettings  # noqa: E402


class Stages:
    """CPU seconds and calls per stage, and the detector's calls by pixels searched."""

    def __init__(self) -> None:
        """Start with nothing counted."""
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.detections: list[tuple[int, float, int]] = []

    def timed(self, name: str, function: Any) -> Any:  # noqa: ANN401
        """Return ``function`` wrapped to add its CPU time to stage ``name``."""

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.process_time() - started
                self.calls[name] += 1

        return wrapper


def install(stages: Stages, engine: FaceEngine) -> list[tuple[Any, str, Any]]:
    """Put timers around the pipeline's stages; return what to put back."""
    saved: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, attribute: str, name: str) -> None:  # noqa: ANN401
        original = getattr(owner, attribute)
        saved.append((owner, attribute, original))
        setattr(owner, attribute, stages.timed(name, original))

    patch(motion_module.MotionGate, "check", "motion check")
    patch(frames_module.Frame, "grey", "grey sampling")
    patch(analyzer_module.CameraAnalyzer, "_remember_changes", "remember changes")
    patch(analyzer_module.CameraAnalyzer, "_plan", "plan search")
    patch(analyzer_module.CameraAnalyzer, "_encode", "encode (all)")
    patch(frames_module.Frame, "rgb_region", "rgb region")
    patch(frames_module.Frame, "rgb", "rgb whole")
    patch(tracker_module.Tracker, "update", "tracker")
    patch(engine, "encode", "encode (dlib)")
    original_detect = engine.detect
    saved.append((engine, "detect", original_detect))

    def detect(rgb: Any, upsample: int = 1) -> Any:  # noqa: ANN401
        started = time.process_time()
        found = original_detect(rgb, upsample)
        spent = time.process_time() - started
        stages.seconds["detect (dlib)"] += spent
        stages.calls["detect (dlib)"] += 1
        stages.detections.append((rgb.shape[0] * rgb.shape[1], spent, len(found)))
        return found

    engine.detect = detect  # type: ignore[method-assign]
    return saved


def restore(saved: list[tuple[Any, str, Any]]) -> None:
    """Put the stages back as they were."""
    for owner, attribute, original in reversed(saved):
        if isinstance(owner, FaceEngine):
            delattr(owner, attribute)
        else:
            setattr(owner, attribute, original)


def decode_only() -> tuple[float, int]:
    """Read the whole clip through the pipeline's reader, analysing nothing; return CPU, frames."""
    started = time.process_time()
    reader = VideoFileReader(str(CLIP), start_time=0.0)
    for _frame in reader.frames(lambda _pts: False):
        pass
    return time.process_time() - started, reader.frames_read


def scan(engine: FaceEngine, known: Any, settings: AnalysisSettings) -> dict[str, Any]:  # noqa: ANN401
    """Scan the clip once as the command line does; return its CPU, counts and names."""
    results: list[Any] = []
    started = time.process_time()
    summary = scan_video(str(CLIP), engine, known, settings, results.append)
    return {
        "cpu": time.process_time() - started,
        "analysed": summary.frames_analysed,
        "detections": summary.detections,
        "named": [
            (round(r.pts * FPS) + 1, r.person_name, r.box[1] - r.box[3])
            for r in results
            if isinstance(r, FaceRecognized)
        ],
        "strangers": [round(r.pts * FPS) + 1 for r in results if isinstance(r, UnknownFace)],
    }


def report(stages: Stages, total: float, decode: float) -> None:
    """Print each stage's CPU, share of the scan and calls, and the detector's calls by size."""
    print(f"  {'stage':<18} {'CPU-s':>7} {'share':>6} {'calls':>6} {'ms/call':>8}")
    print(f"  {'decode (alone)':<18} {decode:7.3f} {100 * decode / total:5.1f}%")
    for name, seconds in sorted(stages.seconds.items(), key=lambda item: -item[1]):
        calls = stages.calls[name]
        print(
            f"  {name:<18} {seconds:7.3f} {100 * seconds / total:5.1f}% {calls:6d} "
            f"{1000 * seconds / calls:8.2f}"
        )
    buckets: dict[str, list[tuple[int, float, int]]] = defaultdict(list)
    for pixels, spent, found in stages.detections:
        label = (
            "whole 640x360"
            if pixels == 640 * 360
            else f"{'<=' if pixels <= 100_000 else '>'}100k px regions"
        )
        buckets[label].append((pixels, spent, found))
    for label, calls in sorted(buckets.items()):
        pixels = sum(call[0] for call in calls)
        seconds = sum(call[1] for call in calls)
        print(
            f"  detector, {label:<18}: {len(calls):4d} calls, {pixels / 1e6:6.2f} Mpx, "
            f"{seconds:6.3f} CPU-s ({1e9 * seconds / max(pixels, 1):.0f} ns/px), "
            f"{sum(call[2] for call in calls)} faces"
        )


def main() -> None:
    """Load the engine and gallery, then measure decoding and the timed scan, round by round."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--reference", action="store_true")
    args = parser.parse_args()
    reference = None
    if args.reference:
        import pipeline_vs_naive  # noqa: PLC0415 - OpenCV and face_recognition, only for this

        reference = pipeline_vs_naive.run_reference().cpu_seconds
        print(f"face_recognition's example: {reference:.2f} CPU-s, / 50: {reference / 50:.3f}")
    engine = FaceEngine()
    settings = AnalysisSettings()
    with tempfile.TemporaryDirectory(prefix="openeye-profile-") as folder:
        gallery = Path(folder)
        for name, photo in (
            ("Lin-Manuel Miranda", MEDIA / "lin-manuel-miranda.png"),
            ("Alex Lacamoire", MEDIA / "alex-lacamoire.png"),
        ):
            (gallery / name).mkdir()
            (gallery / name / photo.name).symlink_to(photo)
        known = load_gallery(engine, gallery, settings, lambda _warning: None)
    scan(engine, known, settings)  # warm-up: caches, first-call costs
    for round_number in range(args.rounds):
        decode, frames = decode_only()
        plain = scan(engine, known, settings)
        stages = Stages()
        saved = install(stages, engine)
        try:
            timed = scan(engine, known, settings)
        finally:
            restore(saved)
        print(
            f"round {round_number + 1}: decode alone {decode:.3f} CPU-s ({frames} frames); "
            f"scan {plain['cpu']:.3f} CPU-s untimed, {timed['cpu']:.3f} timed; "
            f"{plain['analysed']} analysed, {plain['detections']} detections; "
            f"named {plain['named']}; strangers {plain['strangers']}"
        )
        report(stages, timed["cpu"], decode)
        floor = decode + stages.seconds["encode (all)"]
        print(
            f"  floor (decoding + the {stages.calls['encode (dlib)']} encodings): {floor:.3f} CPU-s"
            + (f"; the 50-times budget leaves {reference / 50 - floor:.3f}" if reference else "")
        )
    if args.cprofile:
        profile = cProfile.Profile()
        profile.enable()
        scan(engine, known, settings)
        profile.disable()
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(25)
        print(text.getvalue())


if __name__ == "__main__":
    main()
