"""Writing and reading small test videos with PyAV, the library OpenEye itself reads them with."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

# The encoders used for test videos: MPEG-4 part 2 in MP4 and Motion JPEG in AVI
# are built into every FFmpeg, H.264 and H.265 (libx264, libx265) into PyAV's wheels.
CODEC_BY_SUFFIX = {".mp4": "mpeg4", ".avi": "mjpeg", ".mkv": "libx264"}


def write_video(
    path: Path | str, frames: Iterable[NDArray[np.uint8]], fps: float, codec: str | None = None
) -> int:
    """Write RGB frames as a video file; return how many were written.

    The codec follows the file's suffix unless given. A video without frames
    is a valid container with a video stream and no picture in it.
    """
    path = Path(path)
    codec = codec or CODEC_BY_SUFFIX[path.suffix]
    rate = Fraction(fps).limit_denominator(1001)
    count = 0
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        for rgb in frames:
            height, width = rgb.shape[:2]
            if count == 0:
                stream.width, stream.height = width, height
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            container.mux(stream.encode(frame))
            count += 1
        if count == 0:
            # No picture: the header alone is written, as a camera that recorded nothing.
            stream.width, stream.height = 64, 48
            container.start_encoding()
        container.mux(stream.encode(None))
    return count


def read_video(path: Path | str, limit: int | None = None) -> list[tuple[float, NDArray[np.uint8]]]:
    """Return the frames of a video as (seconds since its start, RGB pixels), at most ``limit``."""
    frames: list[tuple[float, NDArray[np.uint8]]] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        start = stream.start_time or 0
        for frame in container.decode(stream):
            seconds = (
                float((frame.pts - start) * stream.time_base) if frame.pts is not None else 0.0
            )
            frames.append((seconds, frame.to_ndarray(format="rgb24")))
            if limit is not None and len(frames) >= limit:
                break
    return frames
