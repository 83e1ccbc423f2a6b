"""The demo camera's media, drawn from a real face that scikit-image ships.

``skimage.data.astronaut()`` is a real photo (NASA, public domain) that comes
with scikit-image, so the demo needs neither a network nor ``../shared``. Its
head region is cropped (the whole photo also gives a false detection on the
suit's badge) and written twice: as a still to teach, and moving across a
plain background in a short looping video, so that motion, a recognition and a
lost face all happen in every loop.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter
from skimage import data

PERSON_NAME = "Eileen Collins"
STILL_NAME = "astronaut.png"
VIDEO_NAME = "astronaut_demo.mp4"

# The head region of the 512x512 photo: rows 0:260, columns 80:360.
HEAD_ROWS = slice(0, 260)
HEAD_COLUMNS = slice(80, 360)

WIDTH, HEIGHT = 640, 360
FPS = 15
HEAD_TOP = 50
# The loop, in seconds: empty, walking in, standing, walking out, empty. The
# empty end is longer than OpenEye's track timeout (1 s) and motion hold (2 s),
# so the face is lost and the motion ends before the next loop begins.
EMPTY_START, WALK_IN, STAND, WALK_OUT, EMPTY_END = 1.5, 2.5, 3.0, 2.0, 3.0


def head() -> NDArray[np.uint8]:
    """Return the astronaut's head region in RGB."""
    rgb: NDArray[np.uint8] = data.astronaut()[HEAD_ROWS, HEAD_COLUMNS]  # type: ignore[no-untyped-call]
    return np.ascontiguousarray(rgb)


def _background() -> NDArray[np.uint8]:
    """Return a still wall and floor: nothing in it moves, so only the visitor is motion."""
    rows = np.linspace(0.0, 1.0, HEIGHT, dtype=np.float32)[:, None, None]
    wall = np.array([222, 214, 200], np.float32) * (1.0 - 0.25 * rows)
    frame = np.broadcast_to(wall, (HEIGHT, WIDTH, 3)).astype(np.uint8).copy()
    frame[int(HEIGHT * 0.86) :] = (120, 110, 96)
    return frame


def _alpha(height: int, width: int) -> NDArray[np.float32]:
    """Return a soft oval mask, so that the head is not a pasted rectangle."""
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).ellipse((6, 4, width - 7, height - 5), fill=255)
    blurred = mask.filter(ImageFilter.GaussianBlur(6))
    return (np.asarray(blurred, np.float32) / 255.0)[:, :, None]


def _left_edge(t: float, width: int) -> int | None:
    """Return where the head's left edge is at time ``t`` of the loop, or None when away."""
    centre = (WIDTH - width) // 2
    if t < EMPTY_START:
        return None
    t -= EMPTY_START
    if t < WALK_IN:
        return int(-width + (centre + width) * t / WALK_IN)
    t -= WALK_IN
    if t < STAND:
        # A little sway, as a person standing at a door would.
        return centre + int(6 * np.sin(2 * np.pi * t / STAND))
    t -= STAND
    if t < WALK_OUT:
        return int(centre + (WIDTH - centre) * t / WALK_OUT)
    return None


def frames() -> list[NDArray[np.uint8]]:
    """Return every frame of one loop of the demo video."""
    face = head().astype(np.float32)
    height, width = face.shape[:2]
    alpha = _alpha(height, width)
    background = _background()
    count = round((EMPTY_START + WALK_IN + STAND + WALK_OUT + EMPTY_END) * FPS)
    result = []
    for index in range(count):
        frame = background.copy()
        left = _left_edge(index / FPS, width)
        if left is not None:
            # Only the part of the head inside the frame is drawn.
            x0, x1 = max(left, 0), min(left + width, WIDTH)
            if x0 < x1:
                part = slice(x0 - left, x1 - left)
                region = frame[HEAD_TOP : HEAD_TOP + height, x0:x1].astype(np.float32)
                mixed = face[:, part] * alpha[:, part] + region * (1.0 - alpha[:, part])
                frame[HEAD_TOP : HEAD_TOP + height, x0:x1] = mixed.astype(np.uint8)
        result.append(frame)
    return result


def _replace(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file under a temporary name, then rename it: never a half-written file."""
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    write(partial)
    partial.replace(path)


def _write_still(path: Path) -> None:
    """Write the head as a PNG photo."""
    Image.fromarray(head(), "RGB").save(path, "PNG")


def _write_video(path: Path) -> None:
    """Write one loop of the demo as an MPEG-4 video (FFmpeg's own encoder, in every build)."""
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=Fraction(FPS))
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        # A high bit rate: the picture stays as sharp as the photo it shows.
        stream.bit_rate = 4_000_000
        for rgb in frames():
            container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        container.mux(stream.encode(None))


def ensure_demo_media(folder: Path) -> tuple[Path, Path]:
    """Write the still and the video into ``folder`` unless they are there; return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    still, video = folder / STILL_NAME, folder / VIDEO_NAME
    if not still.is_file():
        _replace(still, _write_still)
    if not video.is_file():
        _replace(video, _write_video)
    return still, video
