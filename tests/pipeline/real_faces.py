"""Real faces for the pipeline's tests, loaded once per test process.

Loading the engine takes about a second and decoding the Hamilton clip a
little less, so the test modules share them through these cached helpers.
Everything here is read-only once built; tests must not modify the arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
import functools
from typing import TYPE_CHECKING

import cv2
import numpy as np

from custom_components.openeye.pipeline.engine import FaceEngine
from custom_components.openeye.pipeline.gallery import KnownFaces
from custom_components.openeye.pipeline.images import decode_image
from tests.media import media

if TYPE_CHECKING:
    from numpy.typing import NDArray

CLIP = "short_hamilton_clip.mp4"
LIN = "lin-manuel-miranda.png"
ALEX = "alex-lacamoire.png"
LIN_ID = "lin"
ALEX_ID = "alex"


@dataclass(frozen=True, slots=True)
class ClipFrame:
    """One decoded frame of the clip: its 1-based number, its pts and its BGR pixels."""

    number: int
    pts: float
    image: NDArray[np.uint8]


@functools.cache
def shared_engine() -> FaceEngine:
    """Return the face engine shared by every pipeline test of the process."""
    return FaceEngine()


def photo_encoding(name: str) -> NDArray[np.float64]:
    """Return the encoding of the single face of a shared photo (upsampled once)."""
    engine = shared_engine()
    rgb = decode_image(media(name).read_bytes())
    boxes = engine.detect(rgb, upsample=1)
    assert len(boxes) == 1, f"{name} should show exactly one face"
    return engine.encode(rgb, boxes)[0]


@functools.cache
def reference_gallery() -> KnownFaces:
    """Return the gallery of the clip's two reference photos."""
    return KnownFaces.from_arrays(
        [
            (LIN_ID, "Lin-Manuel Miranda", [photo_encoding(LIN).tolist()]),
            (ALEX_ID, "Alex Lacamoire", [photo_encoding(ALEX).tolist()]),
        ]
    )


@functools.cache
def clip_frames() -> tuple[ClipFrame, ...]:
    """Return every frame of the Hamilton clip with its pts, decoded once."""
    capture = cv2.VideoCapture(str(media(CLIP)))
    frames: list[ClipFrame] = []
    try:
        while True:
            ok, image = capture.read()
            if not ok:
                break
            pts = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000
            frames.append(ClipFrame(len(frames) + 1, pts, np.asarray(image, dtype=np.uint8)))
    finally:
        capture.release()
    return tuple(frames)


@functools.cache
def astronaut_bgr() -> NDArray[np.uint8]:
    """Return scikit-image's astronaut photo (a real face, no shared media needed) in BGR."""
    from skimage import data  # noqa: PLC0415 - only the tests that use it pay for the import

    rgb = np.asarray(data.astronaut(), dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def frame_number(pts: float) -> int:
    """Return the 1-based clip frame number shown at ``pts`` (29.97 frames a second)."""
    return round(pts * 30000 / 1001) + 1
