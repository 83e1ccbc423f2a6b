"""Opening a camera's stream or a video file with PyAV, and decoding its pictures.

Every source is opened with what its kind needs and nothing more:

- FFmpeg may use only the protocols of the address's own scheme (a file opens
  that one regular file; ``concat:``, ``subfile``, pipes and devices are not
  reachable from any address), and a file only the demuxers of common video
  containers, so that a playlist or a list of files cannot lead elsewhere;
- opening and each read have their own timeouts, which FFmpeg checks while it
  waits on the network;
- the decoder runs one thread per camera: frame threads would add a frame of
  latency per thread, and cameras already run side by side.

Pictures leave the decoder as they are (most often YUV 4:2:0); converting them
is the consumer's business (see :mod:`.frames`), so frames that nobody
analyses cost only their decoding, which a compressed video needs anyway to
reach the next frame.
"""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import stat
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import av

if TYPE_CHECKING:
    from collections.abc import Iterator

    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

# The protocols FFmpeg may use for each scheme of address. RTSP needs RTP over
# UDP or TCP (and TLS for RTSPS); HTTP may be redirected to HTTPS.
PROTOCOLS_BY_SCHEME = {
    "rtsp": "rtsp,rtp,udp,tcp",
    "rtsps": "rtsps,rtsp,rtp,srtp,udp,tcp,tls",
    "http": "http,https,tcp,tls",
    "https": "http,https,tcp,tls",
}
# The demuxers a video file may be read with: the containers that cameras and
# recorders write. Left out on purpose: playlists (hls), lists of files
# (concat), image sequences and single images (image2, *_pipe), which either
# open other files or are not videos.
FILE_FORMATS = (
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpjpeg,mjpeg,h264,hevc,flv,asf,mpeg,nut,ogg"
)
# FFmpeg's rate guesses for some files are nonsense (1000 fps, or zero).
_MAX_SENSIBLE_RATE = 1000.0


class VideoOpenError(OSError):
    """A source cannot be opened, or stops being readable; ``reason`` is a stable code.

    Reasons: ``unsupported`` (an address OpenEye does not read), ``not_found``,
    ``not_a_file`` (a folder, a pipe or a device), ``refused`` (the connection),
    ``unauthorized`` (the user name or password), ``timeout``, ``not_a_video``
    and ``broken`` (reading failed).
    """

    def __init__(self, reason: str, detail: str) -> None:
        """Keep the reason code beside a message for logs and the status sensor."""
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def is_stream_url(source: str) -> bool:
    """Return whether ``source`` names a network stream rather than a local file."""
    scheme, separator, _ = source.partition("://")
    return bool(separator) and scheme.lower() != "file"


def file_path(source: str) -> str:
    """Return the local path of a file source (a bare path or a file:// URL)."""
    return source.removeprefix("file://")


def _open_target(url: str) -> tuple[str, dict[str, str]]:
    """Return what to hand FFmpeg for ``url``, and the container options of its kind."""
    if not is_stream_url(url):
        path = Path(file_path(url))
        try:
            mode = path.stat().st_mode
        except FileNotFoundError as err:
            raise VideoOpenError("not_found", "the file does not exist") from err
        except OSError as err:
            raise VideoOpenError("not_found", f"the file cannot be read: {err.strerror}") from err
        if not stat.S_ISREG(mode):
            raise VideoOpenError("not_a_file", "the path is not a regular file")
        # The "file:" prefix makes FFmpeg take the whole path as a file name,
        # never as another protocol's address ("concat:a|b", "subfile,...").
        real = os.path.realpath(path)
        return f"file:{real}", {"protocol_whitelist": "file", "format_whitelist": FILE_FORMATS}
    scheme = urlsplit(url).scheme.lower()
    protocols = PROTOCOLS_BY_SCHEME.get(scheme)
    if protocols is None:
        raise VideoOpenError("unsupported", f"{scheme}:// addresses are not supported")
    options = {"protocol_whitelist": protocols}
    if scheme in {"rtsp", "rtsps"}:
        # TCP first, as Home Assistant's own stream does: over UDP a busy Wi-Fi
        # loses packets and the decoder smears the frames. FFmpeg falls back to
        # UDP for the cameras that only speak it.
        options["rtsp_flags"] = "prefer_tcp"
    return url, options


# PyAV's exceptions for a failed open, in the order they are checked, and what
# each means to a user. Subclasses come before the classes they derive from.
_OPEN_ERRORS: tuple[tuple[tuple[type[Exception], ...], str, str], ...] = (
    (
        (av.HTTPUnauthorizedError, av.HTTPForbiddenError),
        "unauthorized",
        "the camera refused the user name or password",
    ),
    ((av.HTTPNotFoundError, FileNotFoundError), "not_found", "the address was not found"),
    ((av.ExitError, TimeoutError), "timeout", "no answer within {timeout:g} s"),
    ((ConnectionRefusedError,), "refused", "the connection was refused"),
    ((PermissionError,), "not_found", "permission denied"),
    (
        (av.InvalidDataError, ValueError),
        "not_a_video",
        "the source is not a video OpenEye can read",
    ),
)


def _open_error(err: Exception, timeout: float) -> VideoOpenError:
    """Translate PyAV's exception for a failed open into a reason and a message."""
    for kinds, reason, message in _OPEN_ERRORS:
        if isinstance(err, kinds):
            return VideoOpenError(reason, message.format(timeout=timeout))
    return VideoOpenError("broken", f"the source could not be opened: {_reason(err)}")


def _reason(err: Exception) -> str:
    """Return why an operation failed, without the address: PyAV's messages include it."""
    return str(getattr(err, "strerror", None) or type(err).__name__)


@dataclass(frozen=True, slots=True)
class DecodedPicture:
    """One picture as the decoder gives it, with its time in the source's timeline."""

    video: VideoFrame
    # Seconds since the start of the stream or file; never going back.
    pts: float


class VideoInput:
    """An opened stream or file whose video pictures are decoded one at a time.

    Use it from one thread only: a PyAV container must not be closed under a
    read that another thread is in.
    """

    def __init__(self, url: str, open_timeout: float, read_timeout: float) -> None:
        """Open ``url`` or raise :class:`VideoOpenError` (which says why)."""
        target, options = _open_target(url)
        try:
            container = av.open(
                target,
                container_options=options,
                timeout=(max(open_timeout, 0.001), max(read_timeout, 0.001)),
            )
        except (av.FFmpegError, OSError, ValueError) as err:
            raise _open_error(err, open_timeout) from err
        if not container.streams.video:
            container.close()
            raise VideoOpenError("not_a_video", "the source has no video")
        self._container: InputContainer = container
        self._stream: VideoStream = container.streams.video[0]
        self._stream.codec_context.thread_count = 1
        self._read_timeout = read_timeout
        self._is_stream = is_stream_url(url)
        self._start: int | None = self._stream.start_time
        self._newest_pts = 0.0
        self.corrupt_packets = 0

    @property
    def frame_interval(self) -> float | None:
        """Return the seconds between frames that the source announces, if sensible."""
        rate = self._stream.average_rate or self._stream.guessed_rate
        if rate is None or not 0 < float(rate) < _MAX_SENSIBLE_RATE:
            return None
        return 1.0 / float(rate)

    @property
    def frame_count(self) -> int:
        """Return the number of frames the container announces (0 when unknown)."""
        return int(self._stream.frames or 0)

    def pictures(self) -> Iterator[DecodedPicture]:
        """Yield the decoded pictures in order until the source ends.

        A packet the decoder cannot use is skipped and counted (a camera's
        stream may carry a damaged one); a read that fails or times out raises
        :class:`VideoOpenError` with reason ``timeout`` or ``broken``.
        """
        stream = self._stream
        time_base = stream.time_base
        demuxer = self._container.demux(stream)
        while True:
            started = time.monotonic()
            try:
                packet = next(demuxer, None)
            except (av.ExitError, TimeoutError) as err:
                raise VideoOpenError("timeout", f"no frame for {self._read_timeout:g} s") from err
            except (av.FFmpegError, OSError) as err:
                raise VideoOpenError("broken", f"the stream broke off: {_reason(err)}") from err
            if packet is None:
                return
            if self._is_stream and time.monotonic() - started >= self._read_timeout:
                # The read was cut off by its timeout, yet FFmpeg handed over a
                # packet: the one its parser held back until the next frame
                # began (an RTSP camera that went silent). Taking it would
                # start a second full wait for the next packet, so a frozen
                # camera would be noticed only after twice the read timeout.
                raise VideoOpenError("timeout", f"no frame for {self._read_timeout:g} s")
            try:
                decoded = stream.decode(packet)
            except av.InvalidDataError:
                self.corrupt_packets += 1
                continue
            for video in decoded:
                yield DecodedPicture(video, self._seconds(video, time_base))

    def _seconds(self, video: VideoFrame, time_base: object) -> float:
        """Return a picture's time since the start of the source, never going back."""
        pts = video.pts
        if pts is None or time_base is None:
            seconds = self._newest_pts
        else:
            if self._start is None:
                self._start = pts
            seconds = float((pts - self._start) * time_base)  # type: ignore[operator]
        # Some containers repeat or lack timestamps; the timeline never goes back.
        self._newest_pts = max(seconds, self._newest_pts)
        return self._newest_pts

    def close(self) -> None:
        """Release the source; reading again yields nothing."""
        self._container.close()
