r"""Region search beside the version before it: the clip, the whole scan, start-up, idle and 1080p.

Run from the project root with the benchmarks' environment (benchmarks/make_venv.sh;
it needs ../shared/media):

    .venv-bench/bin/python benchmarks/region_search.py [--old REV] [--rounds 2] \
        [--seconds 20] [--only clip,scan,startup,idle,cameras,lag]

The earlier version (by default the commit where this branch left main, as
``git merge-base HEAD main`` gives it) is exported with ``git archive`` into
a folder beside the project (so that its scripts find ``../shared/media`` as
this checkout's do) and removed afterwards. Both versions are measured by this
one script, each in fresh child processes that import that version's
pipeline (without Home Assistant, as a worker does), alternating which goes
first from round to round, because the machine is shared and only figures
measured side by side compare. Every figure is printed for both versions:

- clip: the command line's scan of short_hamilton_clip.mp4 as fast as
  possible (engine and gallery loaded first), twice in one process: CPU,
  frames analysed, detections, who was named on which frames, strangers;
  and face_recognition's own video example on the same clip
  (pipeline_vs_naive.run_reference), once a round, for the ratio;
- scan: the whole ``scan`` command as a user runs it (``bootstrap.py
  __main__ scan CLIP --gallery G``), its process's CPU from start to end,
  twice with the same cache folder (the second finds the gallery cached);
- startup: five worker starts (spawned as the pool does, until WorkerReady),
  after one start that fills the cache;
- idle: one looping realtime 1080p camera with nothing moving (a still
  picture with sensor noise, H.264) through the real pool
  (high_resolution.run): the worker's CPU and memory, beside a process that
  only decodes the same file at its frame rate, and one that decodes only
  its key frames;
- cameras: four looping realtime 1080p cameras through the real pool
  (high_resolution.run, one worker per core): the clip upscaled to 1080p
  (high_resolution.upscale; people and the picture move), and a fixed 1080p
  camera whose picture holds the clip at its own size (people move, the
  rest of the picture is still; faces of 43-90 px): CPU per camera, frames
  analysed per second and camera, worker memory, strangers reported, and
  first recognition after Lin-Manuel Miranda's frames 1 and 85 were shown;
- lag: benchmarks/event_loop_lag.py of each version (a real Home Assistant
  with four 1080p cameras; compare_versions.run_script), its summary line.

It prints figures only.
"""

from __future__ import annotations

import argparse
from fractions import Fraction
import io
import json
import os
from pathlib import Path
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from typing import Any

import av
import numpy as np

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
MEDIA = ROOT.parent / "shared" / "media"
CLIP = MEDIA / "short_hamilton_clip.mp4"
PHOTOS = {
    "Lin-Manuel Miranda": MEDIA / "lin-manuel-miranda.png",
    "Alex Lacamoire": MEDIA / "alex-lacamoire.png",
}
FPS = 30000 / 1001
# A typical camera's key frame interval: one every two seconds.
GOP = 60
TASKS = ("clip", "scan", "startup", "idle", "cameras", "lag")

# The scripts beside this one are imported from here, by the parent and the children.
sys.path.insert(0, str(BENCHMARKS))


# Inputs ------------------------------------------------------------------------


def clip_pictures() -> list[np.ndarray]:
    """Return the clip's frames in RGB."""
    with av.open(str(CLIP)) as reader:
        return [frame.to_ndarray(format="rgb24") for frame in reader.decode(video=0)]


def write_h264(path: Path, pictures: Any) -> None:  # noqa: ANN401
    """Write 1080p RGB pictures as H.264 at 29.97 fps, a key frame every GOP frames.

    High resolution cameras send H.264 with a key frame every second or two;
    the decoding costs of an idle camera are those of this codec.
    """
    with av.open(str(path), "w", format="mp4") as writer:
        stream = writer.add_stream("libx264", rate=Fraction(30000, 1001))
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        stream.bit_rate = 4_000_000
        stream.options = {"g": str(GOP), "keyint_min": str(GOP), "bf": "0", "preset": "veryfast"}
        for rgb in pictures:
            writer.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        writer.mux(stream.encode(None))


def make_inputs(folder: Path) -> dict[str, Path]:
    """Write the gallery folder and the three 1080p videos into ``folder``."""
    from high_resolution import upscale  # noqa: PLC0415 - it loads this checkout's pipeline

    gallery = folder / "gallery"
    for name, photo in PHOTOS.items():
        (gallery / name).mkdir(parents=True)
        (gallery / name / photo.name).symlink_to(photo)
    moving = folder / "clip_upscaled_1080p.mp4"
    upscale(CLIP, moving, (1920, 1080))
    pictures = clip_pictures()
    # The clip's frame 60 enlarged, a scene without anyone in front.
    still = av.VideoFrame.from_ndarray(np.ascontiguousarray(pictures[59]), format="rgb24")
    backdrop = still.reformat(width=1920, height=1080, interpolation="BILINEAR").to_ndarray()
    rng = np.random.default_rng(1)
    idle = folder / "idle_1080p.mp4"
    # 20 s of a still picture with sensor noise of a few grey levels.
    write_h264(
        idle,
        (
            np.clip(backdrop.astype(np.int16) + rng.integers(-3, 4, backdrop.shape), 0, 255).astype(
                np.uint8
            )
            for _ in range(600)
        ),
    )
    fixed = folder / "fixed_camera_1080p.mp4"
    dimmed = np.asarray(backdrop * 0.6, dtype=np.uint8)

    def composed(picture: np.ndarray) -> np.ndarray:
        """Return the dimmed backdrop with the clip at its own size in its lower right part."""
        scene = dimmed.copy()
        scene[600:960, 900:1540] = picture
        return scene

    write_h264(fixed, (composed(picture) for picture in pictures))
    return {"gallery": gallery, "idle": idle, "moving": moving, "fixed": fixed}


# Children ----------------------------------------------------------------------


def import_pipeline(tree: Path) -> None:
    """Make ``tree``'s pipeline importable without Home Assistant, as a worker does.

    The package stubs point at ``tree``: the scripts beside this one, imported
    afterwards, then use that version's pipeline, whatever they import.
    """
    bootstrap = tree / "custom_components" / "openeye" / "pipeline" / "bootstrap.py"
    sys.path.insert(0, str(tree))
    namespace: dict[str, Any] = {"__name__": "openeye_bootstrap", "__file__": str(bootstrap)}
    exec(compile(bootstrap.read_text(), str(bootstrap), "exec"), namespace)  # noqa: S102
    namespace["install_package_stubs"]()


def child_reference() -> dict[str, Any]:
    """Run face_recognition's video example (pipeline_vs_naive); return its CPU and names."""
    import pipeline_vs_naive  # noqa: PLC0415 - only this child needs OpenCV

    run = pipeline_vs_naive.run_reference()
    return {"cpu": run.cpu_seconds, "named": sorted(run.named_at), "frames": run.frames}


def child_clip(tree: Path, inputs: dict[str, Path]) -> dict[str, Any]:
    """Scan the clip twice as fast as possible with the version's default settings."""
    import_pipeline(tree)
    from custom_components.openeye.pipeline.cli import load_gallery, scan_video  # noqa: PLC0415
    from custom_components.openeye.pipeline.engine import FaceEngine  # noqa: PLC0415
    from custom_components.openeye.pipeline.messages import (  # noqa: PLC0415
        FaceRecognized,
        UnknownFace,
    )
    from custom_components.openeye.pipeline.settings import AnalysisSettings  # noqa: PLC0415

    engine = FaceEngine()
    settings = AnalysisSettings()
    known = load_gallery(engine, inputs["gallery"], settings, lambda _warning: None)
    runs = []
    for _ in range(2):
        results: list[Any] = []
        summary = scan_video(str(CLIP), engine, known, settings, results.append)
        runs.append(
            {
                "cpu": summary.cpu_seconds,
                "analysed": summary.frames_analysed,
                "detections": summary.detections,
                "people": summary.people_seen,
                "unknown": summary.unknown_faces,
                "named": [
                    (round(r.pts * FPS) + 1, r.person_name, r.box[1] - r.box[3])
                    for r in results
                    if isinstance(r, FaceRecognized)
                ],
                "strangers": [
                    round(r.pts * FPS) + 1 for r in results if isinstance(r, UnknownFace)
                ],
            }
        )
    return {"runs": runs, "min_face_size": settings.min_face_size}


def child_startup(tree: Path) -> dict[str, Any]:
    """Start workers as the pool does; return the seconds to WorkerReady of each start."""
    import_pipeline(tree)
    import socket  # noqa: PLC0415

    from custom_components.openeye.pipeline.pool import worker_command  # noqa: PLC0415
    from custom_components.openeye.pipeline.protocol import receive_message  # noqa: PLC0415

    seconds = []
    for _ in range(6):
        ours, theirs = socket.socketpair()
        with ours:
            started = time.monotonic()
            with theirs:
                process = subprocess.Popen(  # noqa: S603 - the tree's own worker command
                    worker_command(theirs.fileno()),
                    pass_fds=(theirs.fileno(),),
                    stdin=subprocess.DEVNULL,
                )
            receive_message(ours)
            seconds.append(time.monotonic() - started)
        process.wait(timeout=30)
    # The first start fills the cache (where the version has one).
    return {"first": seconds[0], "starts": seconds[1:]}


def child_pool(
    tree: Path, inputs: dict[str, Path], video: str, cameras: int, seconds: float
) -> dict[str, Any]:
    """Play looping realtime cameras through the version's real pool (high_resolution.run)."""
    import_pipeline(tree)
    import asyncio  # noqa: PLC0415

    import high_resolution  # noqa: PLC0415 - after the stubs: it imports the tree's pipeline

    label = f"{cameras} x {video} ({tree.name})"
    return dict(asyncio.run(high_resolution.run(label, inputs[video], cameras, 1.0, seconds)))


def child_decode(video: Path, seconds: float, key_frames_only: bool) -> dict[str, Any]:
    """Decode a file at its frame rate, looping, as a camera's reader does; return the CPU."""
    cpu = time.process_time()
    started = time.monotonic()
    frames = 0
    while time.monotonic() - started < seconds:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            # One thread, as the camera's reader decodes (video_input.py).
            stream.codec_context.thread_count = 1
            if key_frames_only:
                stream.codec_context.skip_frame = "NONKEY"
            loop_start = time.monotonic()
            for frame in container.decode(stream):
                frames += 1
                due = loop_start + float(frame.pts * stream.time_base)
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                if time.monotonic() - started >= seconds:
                    break
    elapsed = time.monotonic() - started
    return {"cpu_percent": 100 * (time.process_time() - cpu) / elapsed, "frames": frames}


def run_child(arguments: list[str]) -> Any:  # noqa: ANN401
    """Run this script as a child with ``arguments``; return the JSON it prints last."""
    result = subprocess.run(  # noqa: S603 - this interpreter and this script
        [sys.executable, str(Path(__file__).resolve()), *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        return {"error": result.stderr[-1500:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def whole_scan(tree: Path, inputs: dict[str, Path], cache: Path) -> dict[str, float]:
    """Run the scan command of ``tree`` as a user does; return its process's CPU and wall time."""
    command = [
        sys.executable,
        str(tree / "custom_components" / "openeye" / "pipeline" / "bootstrap.py"),
        "__main__",
        "scan",
        str(CLIP),
        "--gallery",
        str(inputs["gallery"]),
        "--json",
    ]
    environment = {**os.environ, "OPENEYE_CACHE_DIR": str(cache)}
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - the tree's own command line
        command, cwd=tree, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    if status:
        return {"error": float(status)}
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": time.monotonic() - started}


def loop_lag(tree: Path, seconds: float) -> str:
    """Run the version's event_loop_lag.py with four 1080p cameras; return its last lines."""
    from compare_versions import run_script  # noqa: PLC0415

    output = run_script(
        tree, "event_loop_lag.py", ["--seconds", str(seconds), "--size", "1920x1080"]
    )
    return "\n".join(line for line in output.splitlines() if line.strip())


# The parent ------------------------------------------------------------------------


def measure(
    name: str, tree: Path, inputs: dict[str, Path], folder: Path, *, tasks: set[str], seconds: float
) -> dict[str, Any]:
    """Measure every asked task for one version; print and return the figures."""
    figures: dict[str, Any] = {}
    paths = json.dumps({key: str(value) for key, value in inputs.items()})
    cache = folder / f"cache-{tree.name}"
    base = ["--tree", str(tree), "--inputs", paths, "--seconds", str(seconds)]
    if "clip" in tasks:
        figures["clip"] = run_child(["--child", "clip", *base])
    if "scan" in tasks:
        scan_cache = folder / f"scan-cache-{tree.name}-{time.monotonic_ns()}"
        figures["scan"] = [whole_scan(tree, inputs, scan_cache) for _ in range(2)]
    if "startup" in tasks:
        figures["startup"] = run_child(["--child", "startup", *base, "--cache", str(cache)])
    if "idle" in tasks:
        figures["idle"] = run_child(["--child", "pool", *base, "--video", "idle", "--cameras", "1"])
    if "cameras" in tasks:
        for video in ("moving", "fixed"):
            figures[f"cameras-{video}"] = run_child(
                ["--child", "pool", *base, "--video", video, "--cameras", "4"]
            )
    print(f"--- {name}: {json.dumps(figures)}", flush=True)
    if "lag" in tasks:
        print(f"--- {name}, event loop lag:\n{loop_lag(tree, seconds)}", flush=True)
    return figures


def child(args: argparse.Namespace) -> None:
    """Run one child task and print its figures as the last line, in JSON."""
    inputs = {key: Path(value) for key, value in json.loads(args.inputs or "{}").items()}
    if args.cache:
        os.environ["OPENEYE_CACHE_DIR"] = args.cache
    if args.child == "reference":
        result = child_reference()
    elif args.child == "clip":
        result = child_clip(args.tree, inputs)
    elif args.child == "startup":
        result = child_startup(args.tree)
    elif args.child == "pool":
        result = child_pool(args.tree, inputs, args.video, args.cameras, args.seconds)
    else:
        result = child_decode(inputs[args.video], args.seconds, args.key_frames)
    print(json.dumps(result))


def git(*arguments: str) -> bytes:
    """Return the output of a git command run in this checkout."""
    return subprocess.run(  # noqa: S603 - git with this script's own arguments
        ["git", *arguments],  # noqa: S607 - git from PATH
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout


def export_tree(revision: str) -> Path:
    """Write the files of ``revision`` into a folder beside the project; return the folder.

    An export, not a worktree: it leaves the repository's worktrees as they
    are, and a branch that moves meanwhile does not move it.
    """
    tree = ROOT.parent / f".openeye-old-{revision}"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir()
    with tarfile.open(fileobj=io.BytesIO(git("archive", revision))) as archive:
        archive.extractall(tree, filter="data")
    return tree


def main() -> None:
    """Export the earlier version, measure both versions round by round, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", help="the earlier version (default: git merge-base HEAD main)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring time per camera row")
    parser.add_argument("--only", default=",".join(TASKS), help="tasks, comma-separated")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--inputs", help=argparse.SUPPRESS)
    parser.add_argument("--video", help=argparse.SUPPRESS)
    parser.add_argument("--cameras", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--key-frames", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if not CLIP.is_file():
        sys.exit(f"The shared media are not at {MEDIA}")
    tasks = set(args.only.split(","))
    old = args.old or git("merge-base", "HEAD", "main").decode().strip()
    commit = git("rev-parse", "--short", old).decode().strip()
    head = git("rev-parse", "--short", "HEAD").decode().strip()
    dirty = (
        " with uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    )
    old_tree = export_tree(commit)
    print(
        f"earlier version {commit}, this checkout {head}{dirty}; "
        f"load average at start: {os.getloadavg()}; {os.cpu_count()} cores",
        flush=True,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="openeye-regions-") as name:
            folder = Path(name)
            started = time.monotonic()
            inputs = make_inputs(folder)
            print(f"inputs written in {time.monotonic() - started:.0f} s", flush=True)
            sides = [(f"earlier ({commit})", old_tree), (f"this checkout ({head})", ROOT)]
            paths = json.dumps({key: str(value) for key, value in inputs.items()})
            for round_number in range(args.rounds):
                print(f"===== round {round_number + 1}, load {os.getloadavg()}", flush=True)
                if "clip" in tasks:
                    reference = run_child(["--child", "reference"])
                    print(f"--- reference: {json.dumps(reference)}", flush=True)
                if "idle" in tasks:
                    for key_frames in (False, True):
                        flag = ["--key-frames"] if key_frames else []
                        decode = run_child(
                            ["--child", "decode", "--inputs", paths, "--video", "idle",
                             "--seconds", str(args.seconds), *flag]
                        )  # fmt: skip
                        label = "key frames only" if key_frames else "every frame"
                        print(f"--- decode only, {label}: {json.dumps(decode)}", flush=True)
                order = sides if round_number % 2 == 0 else sides[::-1]
                for side, tree in order:
                    measure(side, tree, inputs, folder, tasks=tasks, seconds=args.seconds)
            print(f"load average at end: {os.getloadavg()}", flush=True)
    finally:
        shutil.rmtree(old_tree, ignore_errors=True)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
