"""A video file read from start to end as fast as the analysis goes, in the calling thread.

This is the command line's and the benchmark's way through a file: no thread,
no pacing, the video's own timestamps. Every frame is grabbed (demuxed and
decoded, which a compressed video needs to reach the next frame), but only
frames that the analyzer wants are converted to BGR pixels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from .sources import Frame

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


class SourceOpenError(OSError):
    """A source cannot be opened or has no frame to read."""


class VideoFileReader:
    """Reads one video file sequentially, converting only the frames that are due."""

    def __init__(self, path: str, start_time: float) -> None:
        """Open ``path`` or raise :class:`SourceOpenError`.

        Frames get the timestamp ``start_time + pts``, as if a camera had
        filmed the video starting at ``start_time`` (seconds since the epoch).
        """
        self.path = path
        self.start_time = start_time
        self.frames_read = 0
        self.frames_converted = 0
        # The pts of the newest frame read (0 before the first).
        self.pts = 0.0
        # One decoding thread: FFmpeg's frame threads cost more CPU in all (they
        # hand frames to each other) for a speed the analysis cannot use, and
        # cameras run side by side in parallel anyway.
        self._capture = cv2.VideoCapture(path, cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
        if not self._capture.isOpened():
            self._capture.release()
            raise SourceOpenError(f"the video file {path} could not be opened")
        count = self._capture.get(cv2.CAP_PROP_FRAME_COUNT)
        # FFmpeg estimates the count from the duration; 0 means it could not.
        self.frame_count = int(count) if count > 0 else 0

    def frames(self, is_due: Callable[[float], bool]) -> Iterator[Frame]:
        """Yield the frames for which ``is_due(pts)`` is true, in order, then close the file.

        Raises :class:`SourceOpenError` when the file opens but not one frame
        can be read from it.
        """
        try:
            while self._capture.grab():
                self.frames_read += 1
                # Some containers repeat or lack timestamps; pts never goes back.
                pts = max(self._capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0, self.pts)
                self.pts = pts
                if not is_due(pts):
                    continue
                ok, image = self._capture.retrieve()
                if not ok or image is None:  # pragma: no cover - grab() succeeded, so does this
                    continue
                self.frames_converted += 1
                yield Frame(np.asarray(image, dtype=np.uint8), pts, self.start_time + pts)
            if not self.frames_read:
                raise SourceOpenError(f"the video file {self.path} has no frame that can be read")
        finally:
            self.close()

    def close(self) -> None:
        """Release the file; reading again yields nothing."""
        self._capture.release()
