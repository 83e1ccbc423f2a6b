"""Still images in and out: sizes checked before decoding, formats, EXIF, and face crops."""

from __future__ import annotations

from io import BytesIO
import struct
import zlib

import numpy as np
from numpy.typing import NDArray
from PIL import Image
import pytest

from custom_components.openeye.pipeline.engine import Box
from custom_components.openeye.pipeline.images import (
    CROP_SIZE,
    ImageError,
    decode_image,
    face_crop,
)
from tests.faces import astronaut_head_rgb, decode, encode, one_face_jpeg, one_face_png

# The astronaut's head photo is 280 pixels wide and 260 high.
HEAD_SIZE = (280, 260)
# Where the JPEG's start-of-frame segment (SOF0) begins, found by walking the segments.
SOF0 = b"\xff\xc0"
# The EXIF tag that says how a photo was held.
ORIENTATION = 0x0112


def decoded(jpeg: bytes) -> NDArray[np.uint8]:
    """Return a JPEG's pixels (RGB), failing the test if it does not decode."""
    return decode(jpeg)


def with_size(data: bytes, width: int, height: int) -> bytes:
    """Return a PNG or JPEG whose header announces another size (the pixels stay small)."""
    if data.startswith(b"\x89PNG"):
        ihdr = struct.pack(">II", width, height) + data[24:29]
        # The chunk's checksum follows the new size, so only the size is wrong.
        crc = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
        return data[:16] + ihdr + crc + data[33:]
    sof = data.index(SOF0)
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9 :]


def png_bomb(width: int, height: int) -> bytes:
    """Return a small PNG (a few KB) of a single grey colour that decodes to width x height."""
    raw = zlib.compress(b"".join(b"\x00" + bytes(width) for _ in range(height)), 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def rotated_jpeg(rgb: NDArray[np.uint8], orientation: int) -> bytes:
    """Return a JPEG of the pixels as stored, with an EXIF orientation tag."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    buffer = BytesIO()
    Image.fromarray(rgb, "RGB").save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


def test_decoding_gives_rgb_pixels() -> None:
    """A JPEG or PNG decodes to contiguous RGB pixels of its size."""
    rgb = decode_image(one_face_png())
    np.testing.assert_array_equal(rgb, astronaut_head_rgb())
    assert rgb.flags["C_CONTIGUOUS"]
    lossy = decode_image(one_face_jpeg())
    assert lossy.shape == (260, 280, 3)
    assert np.abs(lossy.astype(np.int16) - astronaut_head_rgb()).mean() < 3


def test_jpeg_fill_bytes_are_skipped() -> None:
    """JPEG allows any number of 0xFF fill bytes before a marker; they decode as usual."""
    jpeg = one_face_jpeg()
    padded = jpeg[:2] + b"\xff\xff\xff" + jpeg[2:]
    assert decode_image(padded).shape == (260, 280, 3)


def test_huge_images_are_refused_before_decoding() -> None:
    """A header announcing too many pixels is refused at once, whatever follows it."""
    for data, limit in ((one_face_png(), 16_000_000), (one_face_jpeg(), 40_000_000)):
        huge = with_size(data, 8_000, 6_000)
        with pytest.raises(ImageError, match=f"8000x6000 pixels; at most {limit} are") as info:
            decode_image(huge)
        assert info.value.code == "image_too_large"
        # Sizes far beyond are refused by Pillow itself as soon as it reads the header.
        with pytest.raises(ImageError, match="far too many pixels") as info:
            decode_image(with_size(data, 60_000, 60_000))
        assert info.value.code == "image_too_large"
    # The limit is inclusive, in pixels.
    width, height = HEAD_SIZE
    assert decode_image(one_face_jpeg(), max_pixels=width * height).shape == (260, 280, 3)
    with pytest.raises(ImageError) as info:
        decode_image(one_face_jpeg(), max_pixels=width * height - 1)
    assert info.value.code == "image_too_large"


def test_only_jpeg_and_png_are_read() -> None:
    """Other formats are refused before any pixel is decoded, even when Pillow could read them."""
    rgb = astronaut_head_rgb()
    for extension in (".bmp", ".webp", ".tif"):
        with pytest.raises(ImageError) as info:
            decode_image(encode(rgb, extension))
        assert info.value.code == "not_an_image"


def test_large_photos_are_decoded_within_bounds() -> None:
    """A JPEG over 16 megapixels is decoded at half size; a PNG over 16 megapixels is refused."""
    big = np.full((3000, 6000, 3), 180, np.uint8)
    big[1000:2000, 2000:4000] = (20, 40, 200)
    half = decode_image(encode(big))
    assert half.shape == (1500, 3000, 3)
    assert np.abs(half[700, 1500].astype(int) - (20, 40, 200)).max() < 12
    assert decode_image(encode(big[:, :2500])).shape == (3000, 2500, 3)
    with pytest.raises(ImageError, match="at most 16000000 are accepted") as info:
        decode_image(png_bomb(6000, 3000))
    assert info.value.code == "image_too_large"


def test_a_png_bomb_is_refused_from_its_header() -> None:
    """A few kilobytes that would decode to 60 megapixels are refused without decoding them."""
    bomb = png_bomb(10_000, 6_000)
    assert len(bomb) < 100_000
    with pytest.raises(ImageError, match="10000x6000 pixels") as info:
        decode_image(bomb)
    assert info.value.code == "image_too_large"
    # The same kind of file, small enough, is an ordinary grey picture.
    assert decode_image(png_bomb(300, 200)).shape == (200, 300, 3)


def test_a_photo_taken_sideways_is_turned_upright() -> None:
    """A phone photo with an EXIF rotation decodes as it is shown, not as it is stored."""
    rgb = astronaut_head_rgb()
    # Orientation 6: the stored picture must be turned 90 degrees clockwise to be upright.
    stored = np.ascontiguousarray(np.rot90(rgb, k=1))
    upright = decode_image(rotated_jpeg(stored, 6))
    assert upright.shape == (260, 280, 3)
    assert np.abs(upright.astype(np.int16) - rgb).mean() < 4
    # Without the tag, the same pixels stay as they are stored.
    plain = decode_image(encode(stored))
    assert plain.shape == (280, 260, 3)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image",
        one_face_jpeg()[:200],
        # The header (under a kilobyte for this photo) is whole; the pixels stop early.
        one_face_jpeg()[:2000],
        b"\x89PNG\r\n\x1a\n" + bytes(40),
    ],
    ids=["empty", "text", "truncated jpeg", "jpeg cut in its pixels", "broken png"],
)
def test_data_that_is_no_image(data: bytes) -> None:
    """Empty, foreign or broken data is not_an_image, never an exception of Pillow."""
    with pytest.raises(ImageError, match="not a JPEG or PNG image") as info:
        decode_image(data)
    assert info.value.code == "not_an_image"


def test_a_face_crop_keeps_a_margin_around_the_face() -> None:
    """The crop is square around the box with 30 % margin, and shows those pixels."""
    rgb = astronaut_head_rgb()
    box = Box(top=80, right=180, bottom=160, left=100)
    crop = decoded(face_crop(rgb, box))
    # 80 px and 30 % margin: 104 px, centred on the box.
    assert crop.shape == (104, 104, 3)
    expected = rgb[68:172, 88:192].astype(np.int16)
    assert np.abs(crop.astype(np.int16) - expected).mean() < 4


def test_a_face_crop_at_the_border_is_cut_by_the_image() -> None:
    """A face in a corner gives the part of the square that lies inside the picture."""
    rgb = astronaut_head_rgb()
    corner = decoded(face_crop(rgb, Box(top=0, right=50, bottom=50, left=0)))
    # Centre 25, half side 32.5: from 0 (not -7) to 57.
    assert corner.shape == (57, 57, 3)
    np.testing.assert_allclose(corner.mean(), rgb[:57, :57].mean(), atol=3)
    edge = decoded(face_crop(rgb, Box(top=200, right=280, bottom=260, left=220)))
    assert edge.shape == (260 - 191, 280 - 211, 3)


def test_a_box_outside_the_image_gives_the_whole_picture() -> None:
    """A box entirely outside the frame (a stale track) still gives a crop: the whole frame."""
    rgb = astronaut_head_rgb()
    whole = decoded(face_crop(rgb, Box(top=400, right=700, bottom=500, left=600)))
    assert whole.shape == (149, CROP_SIZE, 3)
    shrunk = np.asarray(Image.fromarray(rgb).resize((CROP_SIZE, 149), Image.Resampling.BOX))
    assert np.abs(whole.astype(np.int16) - shrunk).mean() < 4


def test_a_large_face_is_shrunk_to_the_crop_size() -> None:
    """A face filling the picture is scaled down to at most CROP_SIZE pixels a side."""
    big = np.asarray(Image.fromarray(astronaut_head_rgb()).resize((840, 780)))
    crop = decoded(face_crop(big, Box(top=200, right=600, bottom=600, left=200)))
    assert crop.shape == (CROP_SIZE, CROP_SIZE, 3)
    small = decoded(face_crop(big, Box(top=200, right=600, bottom=600, left=200), size=64))
    assert small.shape == (64, 64, 3)
