"""OpenEye's pipeline against face_recognition's own video example, on the same clip.

Run from the project root (it needs ../shared/media):

    .venv/bin/python benchmarks/pipeline_vs_naive.py

It runs, in this one process and on short_hamilton_clip.mp4 with the two
reference photos:

(a) face_recognition's "recognize faces in a video file" example loop: every
    frame, full resolution, one upsample, tolerance 0.5, the library's own
    functions (without drawing labels and writing the output movie, which
    would only add to its cost);
(b) OpenEye's pipeline as fast as possible: the command line's non-realtime
    path (``cli.scan_video``), with the default settings.

It prints the CPU seconds of both (reading and analysis; loading the models
and the reference photos is left out of both), the frames each analysed, the
people each found and the ratio. Then it replays the clip in real time to
measure how long after a face's first appearance (the first frame where the
reference loop found it) OpenEye reports it recognised, and it measures the
resident memory of a fresh interpreter that has loaded the engine, as a
worker process does. It prints figures only and asserts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from pathlib import Path
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any
import warnings

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT.parent / "shared" / "media"
CLIP = MEDIA / "short_hamilton_clip.mp4"
PHOTOS = {
    "Lin-Manuel Miranda": MEDIA / "lin-manuel-miranda.png",
    "Alex Lacamoire": MEDIA / "alex-lacamoire.png",
}
REFERENCE_TOLERANCE = 0.5
# Frames of one appearance may be this far apart (seconds) and still count as one.
APPEARANCE_GAP = 1.0
# A face found in frames this close (seconds) before an appearance belongs to it:
# the reference loop often detects a face a few frames before it can name it.
DETECTION_GAP = 0.5


import standalone_pipeline  # noqa: E402 - before the pipeline: no Home Assistant

from custom_components.openeye.pipeline.cli import (  # noqa: E402 - after the stubs
    load_gallery,
    scan_live,
    scan_video,
)
from custom_components.openeye.pipeline.engine import FaceEngine  # noqa: E402
from custom_components.openeye.pipeline.messages import (  # noqa: E402
    FaceDetected,
    FaceRecognized,
    UnknownFace,
)
from custom_components.openeye.pipeline.settings import AnalysisSettings  # noqa: E402


@dataclass
class ReferenceRun:
    """What face_recognition's example loop did."""

    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    frames: int = 0
    frames_with_faces: int = 0
    unnamed_faces: int = 0
    # For each name, the pts (seconds) of every frame where the loop named it.
    named_at: dict[str, list[float]] = field(default_factory=dict)
    # The pts of every frame where it found a face it could not name.
    unnamed_at: list[float] = field(default_factory=list)


def run_reference() -> ReferenceRun:
    """Run face_recognition's "recognize faces in a video file" example and time it."""
    with warnings.catch_warnings():
        # The models package imports the deprecated pkg_resources.
        warnings.simplefilter("ignore")
        import face_recognition  # noqa: PLC0415

    names = list(PHOTOS)
    known_faces = [
        face_recognition.face_encodings(face_recognition.load_image_file(PHOTOS[name]))[0]
        for name in names
    ]
    run = ReferenceRun()
    input_movie = cv2.VideoCapture(str(CLIP))
    cpu, wall = time.process_time(), time.perf_counter()
    while True:
        ret, frame = input_movie.read()
        if not ret:
            break
        run.frames += 1
        pts = input_movie.get(cv2.CAP_PROP_POS_MSEC) / 1000
        # The example converts with frame[:, :, ::-1]; dlib 19.24+ wants contiguous pixels.
        rgb_frame = np.ascontiguousarray(frame[:, :, ::-1])
        face_locations = face_recognition.face_locations(rgb_frame)
        face_encodings = face_recognition.face_encodings(rgb_frame, face_locations)
        run.frames_with_faces += bool(face_locations)
        for face_encoding in face_encodings:
            match = face_recognition.compare_faces(
                known_faces, face_encoding, tolerance=REFERENCE_TOLERANCE
            )
            name = next((names[i] for i, matched in enumerate(match) if matched), None)
            if name is None:
                run.unnamed_faces += 1
                run.unnamed_at.append(pts)
            else:
                run.named_at.setdefault(name, []).append(pts)
    run.cpu_seconds = time.process_time() - cpu
    run.wall_seconds = time.perf_counter() - wall
    input_movie.release()
    return run


def make_gallery(folder: Path) -> Path:
    """Lay out the reference photos as a gallery: one folder per person, linked, not copied."""
    for name, photo in PHOTOS.items():
        (folder / name).mkdir(parents=True)
        (folder / name / photo.name).symlink_to(photo)
    return folder


def appearances(times: list[float]) -> list[tuple[float, float]]:
    """Group frame times into appearances: runs with gaps of at most APPEARANCE_GAP seconds."""
    runs: list[tuple[float, float]] = []
    for pts in sorted(times):
        if runs and pts - runs[-1][1] <= APPEARANCE_GAP:
            runs[-1] = (runs[-1][0], pts)
        else:
            runs.append((pts, pts))
    return runs


def first_detection(start: float, reference: ReferenceRun) -> float:
    """Return when the reference loop first found a face in the run leading to ``start``.

    Walking back from the appearance's first named frame, frames with a face
    (named or not) at most DETECTION_GAP apart count as the same appearance.
    """
    found = sorted(
        {pts for times in reference.named_at.values() for pts in times} | set(reference.unnamed_at)
    )
    first = start
    for pts in reversed([pts for pts in found if pts < start]):
        if first - pts > DETECTION_GAP:
            break
        first = pts
    return first


def frame_of(pts: float) -> int:
    """Return the 1-based frame number of a pts in the 29.97 fps clip."""
    return round(pts * 30000 / 1001) + 1


def worker_memory() -> dict[str, Any]:
    """Measure the RSS of a fresh interpreter that loads the engine as a worker does.

    The child registers the package stubs exactly as ``bootstrap.py`` does
    for a worker (so neither Home Assistant nor the integration is loaded),
    imports the engine, loads dlib's models, then analyses one photo (dlib
    allocates its working buffers on first use).
    """
    code = f"""
import importlib.util, json, sys
sys.path.insert(0, {str(ROOT)!r})
def rss():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return {{key: int(fields[key].split()[0]) // 1024 for key in ("VmRSS", "VmHWM")}}
figures = {{"bare": rss()}}
spec = importlib.util.spec_from_file_location("bootstrap", {str(standalone_pipeline.BOOTSTRAP)!r})
bootstrap = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bootstrap)
bootstrap.install_package_stubs()
from custom_components.openeye.pipeline.engine import FaceEngine
figures["imported"] = rss()
engine = FaceEngine()
figures["models_loaded"] = rss()
from custom_components.openeye.pipeline.images import decode_image
rgb = decode_image(open({str(PHOTOS["Lin-Manuel Miranda"])!r}, "rb").read())
engine.encode(rgb, engine.detect(rgb, upsample=0))
del rgb
figures["after_one_frame"] = rss()
figures["homeassistant_loaded"] = any(name.startswith("homeassistant") for name in sys.modules)
print(json.dumps(figures))
"""
    output = subprocess.run(  # noqa: S603 - this interpreter, with code written above
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return dict(json.loads(output))


def main() -> None:
    """Run both, print the figures."""
    if not CLIP.is_file():
        sys.exit(f"The shared media are not at {MEDIA}")
    print(f"clip: {CLIP.name}; gallery: {', '.join(p.name for p in PHOTOS.values())}")

    print("\n(a) face_recognition's video example (every frame, full resolution, 1 upsample)...")
    reference = run_reference()
    print(
        f"    {reference.cpu_seconds:.2f} CPU-seconds ({reference.wall_seconds:.2f} s wall), "
        f"{reference.frames} frames analysed, {reference.frames_with_faces} with a face"
    )
    for name, times in reference.named_at.items():
        runs = ", ".join(f"frames {frame_of(a)}-{frame_of(b)}" for a, b in appearances(times))
        print(f"    found {name} in {len(times)} frames ({runs})")
    print(
        f"    found {reference.unnamed_faces} unnamed faces in {len(reference.unnamed_at)} frames"
    )

    engine = FaceEngine()
    with tempfile.TemporaryDirectory() as folder:
        known = load_gallery(engine, make_gallery(Path(folder)), AnalysisSettings(), print)

    print("\n(b) OpenEye's pipeline, as fast as possible (cli.scan_video, default settings)...")
    results: list[Any] = []
    summary = scan_video(str(CLIP), engine, known, AnalysisSettings(), results.append)
    print(
        f"    {summary.cpu_seconds:.2f} CPU-seconds ({summary.wall_seconds:.2f} s wall), "
        f"{summary.frames_read} frames read, {summary.frames_analysed} analysed, "
        f"{summary.detections} detections"
    )
    for result in results:
        if isinstance(result, FaceDetected | FaceRecognized | UnknownFace):
            who = getattr(result, "person_name", "") or ""
            print(
                f"    frame {frame_of(result.pts):3d}  track {result.track_id}  "
                f"{result.type} {who}".rstrip()
            )
    print(f"    people seen: {summary.people_seen}; unknown faces: {summary.unknown_faces}")

    ratio = reference.cpu_seconds / summary.cpu_seconds
    same = sorted(reference.named_at) == sorted(summary.people_seen)
    print(
        f"\nCPU ratio (a)/(b): {ratio:.1f} (target: at least 20); "
        f"same people found: {'yes' if same else 'NO'} "
        f"({sorted(reference.named_at)} vs {sorted(summary.people_seen)})"
    )

    print("\nRealtime replay (--realtime): from first appearance to face_recognized...")
    timed: list[tuple[float, Any]] = []
    live = scan_live(
        str(CLIP),
        engine,
        known,
        AnalysisSettings(),
        lambda result: timed.append((time.time(), result)),
    )
    # A realtime frame's timestamp is the wall-clock time it was read; timestamp - pts
    # is the wall-clock time of pts 0, which places the reference's frames in time.
    offsets = [r.timestamp - r.pts for _t, r in timed if isinstance(r, FaceDetected)]
    origin = statistics.median(offsets) if offsets else time.time()
    recognised = [(t, r) for t, r in timed if isinstance(r, FaceRecognized)]
    for name, times in reference.named_at.items():
        for start, end in appearances(times):
            match = next(
                (
                    (t, r)
                    for t, r in recognised
                    if r.person_name == name and start <= r.pts <= end + APPEARANCE_GAP
                ),
                None,
            )
            label = f"    {name}, frames {frame_of(start)}-{frame_of(end)}:"
            if match is None:
                print(f"{label} not recognised by OpenEye")
                continue
            emitted, result = match
            detected = first_detection(start, reference)
            print(
                f"{label} decided on frame {frame_of(result.pts)}, "
                f"{result.pts - start:.2f} s of video after the first frame the reference "
                f"named the person and {result.pts - detected:.2f} s after the first frame it "
                f"found that face (frame {frame_of(detected)}); the result was out "
                f"{emitted - (origin + start):.2f} s and {emitted - (origin + detected):.2f} s "
                "of wall-clock time after those frames were shown"
            )
    print(
        f"    realtime run: {live.cpu_seconds:.2f} CPU-seconds in {live.wall_seconds:.2f} s, "
        f"{live.frames_read} frames read, {live.frames_analysed} analysed"
    )

    print("\nMemory of a fresh interpreter that loads the engine (as a worker does), MB:")
    memory = worker_memory()
    for stage in ("bare", "imported", "models_loaded", "after_one_frame"):
        print(f"    {stage:16s} RSS {memory[stage]['VmRSS']:4d}  (peak {memory[stage]['VmHWM']})")
    print(f"    Home Assistant loaded in it: {memory['homeassistant_loaded']}")


if __name__ == "__main__":
    main()
