"""Still images in and out of the pipeline: decoding with limits, face crops as JPEG."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .engine import Box

# A 50-megapixel photo decodes to 150 MB of pixels and takes seconds to scan;
# nothing a camera or a phone sends for enrollment needs more than this.
MAX_IMAGE_PIXELS = 40_000_000
CROP_SIZE = 160
CROP_MARGIN = 0.3
JPEG_QUALITY = 85

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers carry the image size; C4, C8 and CC are not frames.
_JPEG_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


class ImageError(ValueError):
    """An image cannot be used; ``code`` names the reason for translated messages."""

    def __init__(self, code: str, message: str) -> None:
        """Keep a stable reason code beside the human-readable message."""
        super().__init__(message)
        self.code = code


def image_size(data: bytes) -> tuple[int, int] | None:
    """Return (width, height) read from a PNG or JPEG header, or None when unknown.

    Reading the header first lets a huge image be refused before its pixels
    are decoded into memory.
    """
    if data.startswith(_PNG_SIGNATURE) and len(data) >= 24:  # noqa: PLR2004 - IHDR offset
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if not data.startswith(b"\xff\xd8"):
        return None
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:  # noqa: PLR2004 - marker prefix
            return None
        marker = data[offset + 1]
        if marker == 0xFF:  # noqa: PLR2004 - fill byte before a marker
            offset += 1
            continue
        length = struct.unpack(">H", data[offset + 2 : offset + 4])[0]
        if marker in _JPEG_SOF_MARKERS and offset + 9 <= len(data):
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            return int(width), int(height)
        offset += 2 + length
    return None


def decode_image(data: bytes, max_pixels: int = MAX_IMAGE_PIXELS) -> NDArray[np.uint8]:
    """Decode JPEG or PNG bytes into an RGB array, or raise :class:`ImageError`."""
    size = image_size(data)
    if size is not None and size[0] * size[1] > max_pixels:
        raise ImageError(
            "image_too_large",
            f"The image has {size[0]}x{size[1]} pixels; at most {max_pixels} are accepted",
        )
    buffer = np.frombuffer(data, dtype=np.uint8)
    bgr = cv2.imdecode(buffer, cv2.IMREAD_COLOR) if buffer.size else None
    if bgr is None:
        raise ImageError("not_an_image", "The data is not a JPEG or PNG image OpenEye can read")
    height, width = bgr.shape[:2]
    if height * width > max_pixels:
        raise ImageError(
            "image_too_large",
            f"The image has {width}x{height} pixels; at most {max_pixels} are accepted",
        )
    return np.ascontiguousarray(bgr[:, :, ::-1])


def encode_jpeg(rgb: NDArray[np.uint8], quality: int = JPEG_QUALITY) -> bytes:
    """Encode an RGB array as JPEG bytes."""
    ok, encoded = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV only fails here on empty input
        raise ImageError("encode_failed", "The image could not be encoded as JPEG")
    return bytes(encoded)


def face_crop(
    rgb: NDArray[np.uint8],
    box: Box,
    size: int = CROP_SIZE,
    margin: float = CROP_MARGIN,
    quality: int = JPEG_QUALITY,
) -> bytes:
    """Return a square JPEG of the face with some margin, at most ``size`` pixels a side.

    The margin keeps hair and chin in the picture, which makes the crop
    recognisable to a person teaching the gallery.
    """
    height, width = rgb.shape[:2]
    centre_x = (box.left + box.right) / 2
    centre_y = (box.top + box.bottom) / 2
    half = max(box.width, box.height) * (1 + margin) / 2
    left = max(int(centre_x - half), 0)
    right = min(int(centre_x + half), width)
    top = max(int(centre_y - half), 0)
    bottom = min(int(centre_y + half), height)
    crop = rgb[top:bottom, left:right]
    if crop.size == 0:
        crop = rgb
    longest = max(crop.shape[:2])
    if longest > size:
        factor = size / longest
        crop = np.asarray(
            cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA),
            dtype=np.uint8,
        )
    return encode_jpeg(np.ascontiguousarray(crop), quality)
