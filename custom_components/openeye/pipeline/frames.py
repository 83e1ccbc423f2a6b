"""One decoded picture, converted only into what each step of the analysis asks for.

A :class:`Frame` keeps the decoder's own picture (a PyAV ``VideoFrame``, most
often YUV 4:2:0) and converts it on request, once, with FFmpeg's scaler:

- :meth:`Frame.grey` samples the luma plane, which is a grey picture already,
  so the motion check costs no colour conversion at all;
- :meth:`Frame.rgb` asks the scaler for RGB at the detection scale in one pass
  (resizing and colour conversion together), and keeps the result, so that the
  detector and the encoder share one conversion of a frame;
- :meth:`Frame.rgb_region` converts only a rectangle of the picture (a region
  where something moved, or the pixels around a face), at any scale: the
  decoder's planes are cut first, so the scaler's work follows the region's
  size, not the camera's resolution.

Frames that are never analysed are never converted, and no whole frame is
flipped, copied or averaged in numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import av
import numpy as np

from .engine import Box

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
# Planar 4:2:0 formats whose planes can be cut to a rectangle and handed to the
# scaler as a picture of their own: most cameras and files send one of them.
_PLANAR_420_FORMATS = frozenset({"yuv420p", "yuvj420p"})


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
            rgb = _packed(converted.to_ndarray())
            self._rgb[size] = rgb
        return rgb

    def rgb_region(self, box: Box, scale: float = 1.0) -> tuple[NDArray[np.uint8], Box]:
        """Return a rectangle of the picture in RGB, resized by ``scale``, and the rectangle used.

        The rectangle is ``box`` trimmed to the picture and, for a 4:2:0 picture,
        widened by at most a pixel on each side to even coordinates (a chroma
        sample covers 2x2 pixels); the returned box, in source pixels, says
        which pixels the RGB shows. Only that rectangle is converted: its
        planes are cut from the decoder's picture and scaled in one pass. A
        picture converted to full-size RGB already is cut from that instead.
        Nothing is kept: regions differ from one frame to the next.
        """
        top, bottom = max(box.top, 0), min(box.bottom, self.height)
        left, right = max(box.left, 0), min(box.right, self.width)
        if bottom <= top or right <= left:
            raise ValueError(f"The region {box} lies outside the {self.width}x{self.height} frame")
        video = self._video
        full = self._rgb.get((self.width, self.height))
        source: VideoFrame | None = None
        if full is None and video.format.name in _PLANAR_420_FORMATS:
            top, left = top - top % 2, left - left % 2
            bottom, right = bottom + bottom % 2, right + right % 2
            if bottom <= self.height and right <= self.width:
                source = _cut_420(video, top, bottom, left, right)
        if source is None:
            # Odd-sized pictures and other formats: cut the full-size RGB,
            # converted once and kept like any other RGB of the frame.
            top, bottom = max(box.top, 0), min(box.bottom, self.height)
            left, right = max(box.left, 0), min(box.right, self.width)
            cut = self.rgb(1.0)[top:bottom, left:right]
            if scale == 1.0:
                return np.ascontiguousarray(cut), Box(top, right, bottom, left)
            source = av.VideoFrame.from_ndarray(np.ascontiguousarray(cut), format="rgb24")
        used = Box(top, right, bottom, left)
        width = max(round((right - left) * scale), 1)
        height = max(round((bottom - top) * scale), 1)
        interpolation = "AREA" if scale < 1.0 else "BILINEAR"
        converted = source.reformat(
            width=width, height=height, format="rgb24", interpolation=interpolation
        )
        return _packed(converted.to_ndarray()), used


def _packed(pixels: NDArray[Any]) -> NDArray[np.uint8]:
    """Return RGB pixels in one C-contiguous block, copying only when they are not.

    PyAV 19 hands back a view with the decoder's row padding (a row is longer
    than its pixels) where PyAV 13 copied; dlib reads such a view as a packed
    block, refusing it or reading past its rows (a crash on Home Assistant
    2026's PyAV).
    """
    return np.ascontiguousarray(pixels, dtype=np.uint8)


def _cut_420(video: VideoFrame, top: int, bottom: int, left: int, right: int) -> VideoFrame:
    """Return a new 4:2:0 picture holding a rectangle (even coordinates) of ``video``'s planes."""
    planes: list[NDArray[np.uint8]] = []
    for index, (row_step, column_step) in enumerate(((1, 1), (2, 2), (2, 2))):
        plane = video.planes[index]
        rows = np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)
        planes.append(
            rows[top // row_step : bottom // row_step, left // column_step : right // column_step]
        )
    # PyAV takes a 4:2:0 picture as one array: the luma rows, then the two
    # chroma planes' bytes laid one after the other in rows of the same width.
    packed = np.concatenate([plane.ravel() for plane in planes]).reshape(-1, right - left)
    return av.VideoFrame.from_ndarray(packed, format=video.format.name)
