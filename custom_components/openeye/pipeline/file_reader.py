"""A video file read from start to end as fast as the analysis goes, in the calling thread.

This is the command line's and the benchmark's way through a file: no thread,
no pacing, the video's own timestamps. Every picture is decoded (which a
compressed video needs to reach the next one), but only the frames that the
analyzer wants are handed to it, unconverted (see :mod:`.frames`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .frames import Frame
from .video_input import VideoInput, VideoOpenError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

# A file on a local disk answers at once; these only bound a file on a stalled network share.
_OPEN_TIMEOUT = 30.0
_READ_TIMEOUT = 30.0


class SourceOpenError(OSError):
    """A source cannot be opened or has no frame to read."""


class VideoFileReader:
    """Reads one video file sequentially, handing over only the frames that are due."""

    def __init__(self, path: str, start_time: float) -> None:
        """Open ``path`` or raise :class:`SourceOpenError`.

        Frames get the timestamp ``start_time + pts``, as if a camera had
        filmed the video starting at ``start_time`` (seconds since the epoch).
        """
        self.path = path
        self.start_time = start_time
        self.frames_read = 0
        self.frames_delivered = 0
        # The pts of the newest frame read (0 before the first).
        self.pts = 0.0
        try:
            self._video: VideoInput | None = VideoInput(path, _OPEN_TIMEOUT, _READ_TIMEOUT)
        except VideoOpenError as err:
            raise SourceOpenError(f"the video file {path} could not be opened: {err}") from err
        # The container's count, or 0 when it does not say.
        self.frame_count = self._video.frame_count

    def frames(self, is_due: Callable[[float], bool]) -> Iterator[Frame]:
        """Yield the frames for which ``is_due(pts)`` is true, in order, then close the file.

        Raises :class:`SourceOpenError` when the file opens but not one frame
        can be read from it, or when reading it fails.
        """
        video = self._video
        if video is None:
            return
        try:
            for picture in video.pictures():
                self.frames_read += 1
                self.pts = picture.pts
                if not is_due(picture.pts):
                    continue
                self.frames_delivered += 1
                yield Frame(picture.video, picture.pts, self.start_time + picture.pts)
            if not self.frames_read:
                raise SourceOpenError(f"the video file {self.path} has no frame that can be read")
        except VideoOpenError as err:
            raise SourceOpenError(f"the video file {self.path} cannot be read: {err}") from err
        finally:
            self.close()

    def close(self) -> None:
        """Release the file; reading again yields nothing."""
        if self._video is not None:
            self._video.close()
            self._video = None
