"""Real faces for the pipeline's tests, loaded once per test process.

Loading the engine takes about a second and decoding the Hamilton clip a
little less, so the test modules share them through these cached helpers.
Everything here is read-only once built; tests must not modify the arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
import functools
from typing import TYPE_CHECKING

import av
import numpy as np

from custom_components.openeye.pipeline.engine import FaceEngine
from custom_components.openeye.pipeline.frames import Frame
from custom_components.openeye.pipeline.gallery import KnownFaces
from custom_components.openeye.pipeline.images import decode_image
from tests.media import media

if TYPE_CHECKING:
    from av.video.frame import VideoFrame
    from numpy.typing import NDArray

CLIP = "short_hamilton_clip.mp4"
LIN = "lin-manuel-miranda.png"
ALEX = "alex-lacamoire.png"
LIN_ID = "lin"
ALEX_ID = "alex"


@dataclass(frozen=True, slots=True)
class ClipFrame:
    """One decoded frame of the clip: its 1-based number, its pts and the decoder's picture."""

    number: int
    pts: float
    video: VideoFrame

    def frame(self, timestamp: float | None = None) -> Frame:
        """Return the picture as a new frame for the analyzer (its conversions not shared)."""
        return Frame(self.video, self.pts, self.pts if timestamp is None else timestamp)

    @property
    def rgb(self) -> NDArray[np.uint8]:
        """Return the picture in RGB at full size."""
        return self.frame().rgb()


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
    frames: list[ClipFrame] = []
    with av.open(str(media(CLIP))) as container:
        stream = container.streams.video[0]
        start = stream.start_time or 0
        for video in container.decode(stream):
            pts = float((video.pts - start) * stream.time_base)
            frames.append(ClipFrame(len(frames) + 1, pts, video))
    return tuple(frames)


@functools.cache
def astronaut_rgb() -> NDArray[np.uint8]:
    """Return scikit-image's astronaut photo (a real face, no shared media needed) in RGB."""
    from skimage import data  # noqa: PLC0415 - only the tests that use it pay for the import

    return np.ascontiguousarray(data.astronaut(), dtype=np.uint8)


def picture(rgb: NDArray[np.uint8], pts: float, timestamp: float | None = None) -> Frame:
    """Return an RGB picture as a frame for the analyzer, taken at ``pts``."""
    return Frame.from_rgb(rgb, pts, pts if timestamp is None else timestamp)


def frame_number(pts: float) -> int:
    """Return the 1-based clip frame number shown at ``pts`` (29.97 frames a second)."""
    return round(pts * 30000 / 1001) + 1
