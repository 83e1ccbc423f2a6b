"""Real face images that need no shared media: scikit-image's astronaut photo.

The full photo also holds a false HOG detection on the suit's badge when
upsampled, so the tests use the head and shoulders only, which show exactly
one face.
"""

from __future__ import annotations

from collections.abc import Iterator
import functools
from io import BytesIO

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFilter

from tests.video_files import write_video


@functools.cache
def astronaut_head_rgb() -> NDArray[np.uint8]:
    """Return the astronaut's head and shoulders (280x260, one face) in RGB."""
    from skimage import data  # noqa: PLC0415 - only tests that draw faces pay for the import

    return np.ascontiguousarray(data.astronaut()[0:260, 80:360])


# Pillow's format names for the file extensions the tests use.
_FORMATS = {".jpg": "JPEG", ".png": "PNG", ".bmp": "BMP", ".webp": "WEBP", ".tif": "TIFF"}


def encode(rgb: NDArray[np.uint8], extension: str = ".jpg", quality: int = 95) -> bytes:
    """Return the image encoded in the format its file extension names."""
    buffer = BytesIO()
    image = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    if extension == ".jpg":
        image.save(buffer, "JPEG", quality=quality)
    else:
        image.save(buffer, _FORMATS[extension])
    return buffer.getvalue()


def decode(data: bytes) -> NDArray[np.uint8]:
    """Return the RGB pixels of JPEG or PNG bytes (an independent check of OpenEye's output)."""
    with Image.open(BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8)


def one_face_jpeg() -> bytes:
    """Return a JPEG showing one real face."""
    return encode(astronaut_head_rgb())


def one_face_png() -> bytes:
    """Return a PNG showing one real face."""
    return encode(astronaut_head_rgb(), ".png")


def two_faces_jpeg() -> bytes:
    """Return a JPEG showing two faces side by side."""
    head = astronaut_head_rgb()
    return encode(np.ascontiguousarray(np.hstack([head, head])))


def no_face_jpeg() -> bytes:
    """Return a JPEG of a smooth gradient, with no face in it."""
    gradient = np.tile(np.linspace(0, 255, 320, dtype=np.uint8), (240, 1))
    return encode(np.ascontiguousarray(np.dstack([gradient] * 3)))


def write_face_video(
    path: str, frames: int = 40, fps: float = 10.0, absent_frames: int = 0, step: int = 8
) -> None:
    """Write a short MP4 of the astronaut's head moving across a grey background.

    With ``absent_frames``, the background alone follows for that many frames,
    so that a looping camera shows the face, loses it, and shows it again.
    The head moves ``step`` pixels a frame: 80 px/s at the default 10 fps.
    """
    write_video(path, _face_video_frames(frames, absent_frames, step), fps)


def _face_video_frames(frames: int, absent_frames: int, step: int) -> Iterator[NDArray[np.uint8]]:
    """Yield the frames of :func:`write_face_video` in RGB."""
    head = astronaut_head_rgb()
    height, width = 360, 640
    for index in range(frames + absent_frames):
        frame = np.full((height, width, 3), 90, dtype=np.uint8)
        if index < frames:
            left = 20 + (index * step) % (width - head.shape[1] - 40)
            frame[50 : 50 + head.shape[0], left : left + head.shape[1]] = head
        yield frame


def mirrored_face_jpeg() -> bytes:
    """Return the same face mirrored: the same person, about 0.19 away in face distance."""
    return encode(np.ascontiguousarray(astronaut_head_rgb()[:, ::-1]))


def blurred_face_jpeg() -> bytes:
    """Return the same face blurred: the same person, about 0.47 away in face distance.

    Between the strictest tolerance the options allow (0.3) and the default
    (0.6): a match by default, and none at the strictest.
    """
    blurred = Image.fromarray(astronaut_head_rgb()).filter(ImageFilter.GaussianBlur(3))
    return encode(np.asarray(blurred, dtype=np.uint8))
