"""Synthetic cameras for the benchmarks that run a real Home Assistant: people passing a door.

Imported by the benchmark scripts next to it (not run by itself). A video is
a grey 640x360 scene in which real photos appear one after another, each for
a few seconds, with empty scene in between; written with PyAV (MPEG-4
part 2) into a temporary folder, never into the project. The faces are the
shared reference photos plus scikit-image's astronaut, and the same photos
are taught, so every appearance is a recognition. With OpenEye's presence
time at its minimum (10 s) and a cycle longer than that, every appearance is
a new visit: a ``face_recognized`` event, a bus event and a push.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
import sys

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.real_hass import RealHass  # noqa: E402 - after the path
from tests.video_files import write_video as write_frames  # noqa: E402

MEDIA = ROOT.parent / "shared" / "media"
WIDTH, HEIGHT = 640, 360
FPS = 10.0
BACKGROUND = 90


def astronaut_photo(folder: Path) -> Path:
    """Write the astronaut's head and shoulders (one face) as a JPEG in ``folder``."""
    from skimage import data  # noqa: PLC0415 - only needed here

    path = folder / "astronaut.jpg"
    Image.fromarray(np.ascontiguousarray(data.astronaut()[0:260, 80:360])).save(path, quality=95)
    return path


def people(folder: Path) -> list[tuple[str, Path]]:
    """Return the people who pass the door and their photos (faces 86 to 179 px wide here)."""
    return [
        ("Lin-Manuel Miranda", MEDIA / "lin-manuel-miranda.png"),
        ("Alex Lacamoire", MEDIA / "alex-lacamoire.png"),
        ("Barack Obama", MEDIA / "obama2.jpg"),
        ("Astronaut", astronaut_photo(folder)),
    ]


def _placed(photo: Path) -> np.ndarray:
    """Return a frame with the photo scaled to 340 px high, in the middle of the scene."""
    with Image.open(photo) as opened:
        rgb = opened.convert("RGB")
    scale = 340 / rgb.height
    resized = rgb.resize((round(rgb.width * scale), 340), Image.Resampling.BOX)
    image = np.asarray(resized, dtype=np.uint8)[:, :WIDTH]
    frame = np.full((HEIGHT, WIDTH, 3), BACKGROUND, dtype=np.uint8)
    top = (HEIGHT - image.shape[0]) // 2
    left = (WIDTH - image.shape[1]) // 2
    frame[top : top + image.shape[0], left : left + image.shape[1]] = image
    return frame


def write_video(path: Path, schedule: Sequence[tuple[Path | None, float]]) -> float:
    """Write a video of ``(photo, or None for the empty scene; seconds)`` steps; return seconds."""
    empty = np.full((HEIGHT, WIDTH, 3), BACKGROUND, dtype=np.uint8)
    frames: list[np.ndarray] = []
    total = 0.0
    for photo, seconds in schedule:
        frame = empty if photo is None else _placed(photo)
        frames.extend([frame] * round(seconds * FPS))
        total += seconds
    write_frames(path, frames, FPS, codec="mpeg4")
    return total


def doorway(folder: Path, show: float = 2.0, gap: float = 1.5) -> Path:
    """Write the busy door: each person for ``show`` s, then ``gap`` s of empty scene."""
    path = folder / "doorway.mp4"
    schedule: list[tuple[Path | None, float]] = []
    for _name, photo in people(folder):
        schedule += [(photo, show), (None, gap)]
    write_video(path, schedule)
    return path


async def teach(hass: RealHass, folder: Path) -> None:
    """Teach every person of the door from the same photo, through the REST services API."""
    for name, photo in people(folder):
        await hass.call_service("openeye", "enroll_face", {"name": name, "image_path": str(photo)})


def camera_copies(video: Path, count: int) -> list[Path]:
    """Return ``count`` links to one video: a camera is one source, so each needs its own."""
    paths = []
    for index in range(count):
        link = video.with_name(f"{video.stem}_{index}{video.suffix}")
        if not link.exists():
            link.symlink_to(video)
        paths.append(link)
    return paths


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile of values (0 when empty)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]
