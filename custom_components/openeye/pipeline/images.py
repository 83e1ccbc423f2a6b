"""Still images in and out, with Pillow: decoding with limits, face crops as JPEG."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .engine import Box

# A 50-megapixel photo decodes to 150 MB of pixels and takes seconds to scan;
# nothing a camera or a phone sends for enrollment needs more than this.
MAX_IMAGE_PIXELS = 40_000_000
# A PNG cannot be decoded at a reduced size, so it gets a lower limit: a
# 16-megapixel PNG takes about 250 MiB to decode, a 40-megapixel one 530 MiB.
MAX_PNG_PIXELS = 16_000_000
CROP_SIZE = 160
CROP_MARGIN = 0.3
JPEG_QUALITY = 85
# A JPEG with more pixels than this is decoded at half its size (or less), by
# the JPEG decoder itself: it then needs a quarter of the memory, and its
# faces are still far larger than the detector needs.
DECODE_FULL_SIZE_PIXELS = 16_000_000
# The image formats OpenEye reads, as Pillow names them: what cameras and
# phones send. Every other format is refused before any pixel is decoded, so
# that no other decoder of Pillow's is ever reached from outside.
ACCEPTED_FORMATS = ("JPEG", "PNG")


class ImageError(ValueError):
    """An image cannot be used; ``code`` names the reason for translated messages."""

    def __init__(self, code: str, message: str) -> None:
        """Keep a stable reason code beside the human-readable message."""
        super().__init__(message)
        self.code = code


def _too_large(width: int, height: int, max_pixels: int) -> ImageError:
    """Return the error for an image with more pixels than allowed."""
    return ImageError(
        "image_too_large",
        f"The image has {width}x{height} pixels; at most {max_pixels} are accepted",
    )


def decode_image(data: bytes, max_pixels: int = MAX_IMAGE_PIXELS) -> NDArray[np.uint8]:
    """Decode JPEG or PNG bytes into an RGB array, upright, or raise :class:`ImageError`.

    The size is read from the header and checked before any pixel is
    decoded; Pillow's own decompression-bomb limit stays as a second guard.
    A JPEG over :data:`DECODE_FULL_SIZE_PIXELS` comes back at half its size.
    A photo whose EXIF data says it was taken rotated is turned upright, as
    every photo viewer shows it.
    """
    try:
        with (
            # Pillow warns of sizes our own, lower limit refuses anyway.
            warnings.catch_warnings(action="ignore", category=Image.DecompressionBombWarning),
            Image.open(BytesIO(data), formats=ACCEPTED_FORMATS) as image,
        ):
            width, height = image.size
            limit = min(max_pixels, MAX_PNG_PIXELS) if image.format == "PNG" else max_pixels
            if width * height > limit:
                raise _too_large(width, height, limit)
            if image.format == "JPEG" and width * height > DECODE_FULL_SIZE_PIXELS:
                image.draft("RGB", (width // 2, height // 2))
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            rgb = upright if upright.mode == "RGB" else upright.convert("RGB")
            return np.asarray(rgb, dtype=np.uint8)
    except ImageError:
        raise
    except Image.DecompressionBombError as err:
        # Pillow refuses the largest sizes itself, as soon as it reads the header.
        raise ImageError("image_too_large", "The image has far too many pixels to be read") from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        # Pillow reports unknown, truncated and damaged data in these ways.
        raise ImageError("not_an_image", "The data is not a JPEG or PNG image") from err


def encode_jpeg(rgb: NDArray[np.uint8], quality: int = JPEG_QUALITY) -> bytes:
    """Encode an RGB array as JPEG bytes."""
    buffer = BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb), "RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


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
    picture = Image.fromarray(np.ascontiguousarray(crop), "RGB")
    longest = max(picture.size)
    if longest > size:
        factor = size / longest
        shrunk = (max(round(picture.width * factor), 1), max(round(picture.height * factor), 1))
        # A box filter averages whole areas of pixels, as a shrinking should.
        picture = picture.resize(shrunk, Image.Resampling.BOX)
    buffer = BytesIO()
    picture.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
