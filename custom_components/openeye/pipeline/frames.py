"""One decoded picture, converted only into what each step of the analysis asks for.

A :class:`Frame` keeps the decoder's own picture (a PyAV ``VideoFrame``, most
often YUV 4:2:0) and converts it on request, once, with FFmpeg's scaler:

- :meth:`Frame.grey` samples the luma plane, which is a grey picture already,
  so the motion check costs no colour conversion at all;
- :meth:`Frame.rgb` asks the scaler for RGB at the detection scale in one pass
  (resizing and colour conversion together), and keeps the result, so that the
  detector and the encoder share one conversion of a frame.

Frames that are never analysed are never converted, and no whole frame is
flipped, copied or averaged in numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import av
import numpy as np

if TYPE_CHECKING:
    from av.video.frame import VideoFrame
    from numpy.typing import NDArray

# Pixel formats whose first plane is the 8-bit luma (grey) picture, stored row
# by row: the motion check reads it as it is. Other formats (RGB stills, 10-bit
# video) are converted to grey by the scaler instead.
_LUMA_FIRST_FORMATS = frozenset(
    {
        "gray",
        "nv12",
        "nv21",
        "yuv410p",
        "yuv411p",
        "yuv420p",
        "yuv422p",
        "yuv440p",
        "yuv444p",
        "yuvj411p",
        "yuvj420p",
        "yuvj422p",
        "yuvj440p",
        "yuvj444p",
    }
)


class Frame:
    """A decoded picture with its times; pixels are converted on request and kept."""

    __slots__ = ("_rgb", "_video", "pts", "timestamp")

    def __init__(
        self,
        video: VideoFrame,
        pts: float,
        timestamp: float,
        *,
        rgb: NDArray[np.uint8] | None = None,
    ) -> None:
        """Wrap a decoded picture taken at ``pts`` (source seconds) and ``timestamp`` (epoch).

        ``rgb``, when given, is the same picture in RGB at full size already.
        """
        self._video = video
        # Seconds in the source's own timeline; always increasing for one source.
        self.pts = pts
        # Wall-clock time (seconds since the epoch) at which the frame was read.
        self.timestamp = timestamp
        self._rgb: dict[tuple[int, int], NDArray[np.uint8]] = {}
        if rgb is not None:
            self._rgb[(video.width, video.height)] = rgb

    @classmethod
    def from_rgb(cls, rgb: NDArray[np.uint8], pts: float, timestamp: float) -> Frame:
        """Return a frame holding an RGB picture (a decoded still image)."""
        rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        return cls(av.VideoFrame.from_ndarray(rgb, format="rgb24"), pts, timestamp, rgb=rgb)

    @property
    def width(self) -> int:
        """Return the picture's width in pixels."""
        return int(self._video.width)

    @property
    def height(self) -> int:
        """Return the picture's height in pixels."""
        return int(self._video.height)

    def grey(self, min_width: int) -> NDArray[np.uint8]:
        """Return the grey picture, sampled by a whole step, at least ``min_width`` wide.

        The result is a view of the decoder's luma plane where the format has
        one (no copy, no conversion): every ``step``-th pixel of every
        ``step``-th row. A picture narrower than ``min_width`` is returned whole.
        """
        video = self._video
        width, height = self.width, self.height
        step = max(width // max(min_width, 1), 1)
        if video.format.name in _LUMA_FIRST_FORMATS:
            plane = video.planes[0]
            # Rows are padded to the plane's line size; the padding is cut off.
            luma = np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)
            return luma[:height:step, :width:step]
        target_width = max(-(-width // step), 1)
        target_height = max(-(-height // step), 1)
        grey = video.reformat(
            width=target_width, height=target_height, format="gray", interpolation="AREA"
        )
        plane = grey.planes[0]
        rows = np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)
        return rows[:target_height, :target_width]

    def rgb(self, scale: float = 1.0) -> NDArray[np.uint8]:
        """Return the picture in RGB, resized by ``scale``, converted once and kept.

        Shrinking averages pixels (area interpolation); enlarging interpolates
        bilinearly. The scaler converts and resizes in one pass.
        """
        size = (max(round(self.width * scale), 1), max(round(self.height * scale), 1))
        rgb = self._rgb.get(size)
        if rgb is None:
            video = self._video
            if size == (self.width, self.height):
                converted = video.reformat(format="rgb24")
            else:
                interpolation = "AREA" if scale < 1.0 else "BILINEAR"
                converted = video.reformat(
                    width=size[0], height=size[1], format="rgb24", interpolation=interpolation
                )
            rgb = np.asarray(converted.to_ndarray(), dtype=np.uint8)
            self._rgb[size] = rgb
        return rgb
