"""Still images in and out: headers read before decoding, limits, and face crops at the borders."""

from __future__ import annotations

import struct

import cv2
import numpy as np
from numpy.typing import NDArray
import pytest

from custom_components.openeye.pipeline.engine import Box
from custom_components.openeye.pipeline.images import (
    CROP_SIZE,
    ImageError,
    decode_image,
    face_crop,
    image_size,
)
from tests.faces import astronaut_head_rgb, encode, one_face_jpeg, one_face_png

# The astronaut's head photo is 280 pixels wide and 260 high.
HEAD_SIZE = (280, 260)
# Where the JPEG's start-of-frame segment (SOF0) begins, found by walking the segments.
SOF0 = b"\xff\xc0"


def decoded(jpeg: bytes) -> NDArray[np.uint8]:
    """Return a JPEG's pixels (BGR), failing the test if it does not decode."""
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return np.asarray(image, dtype=np.uint8)


def with_size(data: bytes, width: int, height: int) -> bytes:
    """Return a PNG or JPEG whose header announces another size (the pixels stay small)."""
    if data.startswith(b"\x89PNG"):
        return data[:16] + struct.pack(">II", width, height) + data[24:]
    sof = data.index(SOF0)
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9 :]


def test_sizes_are_read_from_png_and_jpeg_headers() -> None:
    """Both formats give their size without decoding; other data gives None."""
    assert image_size(one_face_png()) == HEAD_SIZE
    assert image_size(one_face_jpeg()) == HEAD_SIZE
    assert image_size(encode(astronaut_head_rgb(), ".bmp")) is None
    assert image_size(b"") is None
    assert image_size(b"\x89PNG\r\n\x1a\n short") is None
    assert image_size(b"GIF89a" + bytes(100)) is None


def test_jpeg_fill_bytes_and_broken_segments() -> None:
    """Fill bytes before a marker are skipped; a broken or truncated segment list gives None."""
    jpeg = one_face_jpeg()
    # JPEG allows any number of 0xFF fill bytes before a marker; decoders skip them too.
    padded = jpeg[:2] + b"\xff\xff\xff" + jpeg[2:]
    assert image_size(padded) == HEAD_SIZE
    assert decoded(padded).shape == (260, 280, 3)
    # A segment that does not start with a marker: the header cannot be trusted.
    assert image_size(jpeg[:2] + b"\x00\x10" + jpeg[4:]) is None
    # Cut before the frame header: the size is not known yet.
    assert image_size(jpeg[: jpeg.index(SOF0)]) is None
    assert image_size(jpeg[: jpeg.index(SOF0) + 6]) is None


def test_decoding_gives_rgb_pixels() -> None:
    """A JPEG or PNG decodes to contiguous RGB pixels of its size."""
    rgb = decode_image(one_face_png())
    np.testing.assert_array_equal(rgb, astronaut_head_rgb())
    assert rgb.flags["C_CONTIGUOUS"]
    lossy = decode_image(one_face_jpeg())
    assert lossy.shape == (260, 280, 3)
    assert np.abs(lossy.astype(np.int16) - astronaut_head_rgb()).mean() < 3


def test_huge_images_are_refused_before_decoding() -> None:
    """A header announcing too many pixels is refused at once, whatever follows it."""
    for data in (one_face_png(), one_face_jpeg()):
        huge = with_size(data, 60_000, 60_000)
        with pytest.raises(ImageError, match="60000x60000 pixels; at most 40000000") as info:
            decode_image(huge)
        assert info.value.code == "image_too_large"
    # The limit is inclusive, in pixels.
    width, height = HEAD_SIZE
    assert decode_image(one_face_jpeg(), max_pixels=width * height).shape == (260, 280, 3)
    with pytest.raises(ImageError) as info:
        decode_image(one_face_jpeg(), max_pixels=width * height - 1)
    assert info.value.code == "image_too_large"


def test_formats_without_a_known_header_are_checked_after_decoding() -> None:
    """A BMP's size is not read from its header, so it is checked once decoded."""
    bmp = encode(astronaut_head_rgb(), ".bmp")
    assert decode_image(bmp).shape == (260, 280, 3)
    with pytest.raises(ImageError, match="280x260 pixels; at most 1000 are accepted") as info:
        decode_image(bmp, max_pixels=1000)
    assert info.value.code == "image_too_large"


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image", one_face_jpeg()[:200], b"\x89PNG\r\n\x1a\n" + bytes(40)],
    ids=["empty", "text", "truncated jpeg", "broken png"],
)
def test_data_that_is_no_image(data: bytes) -> None:
    """Empty, foreign or broken data is not_an_image, never an exception of OpenCV."""
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
    expected = rgb[68:172, 88:192, ::-1].astype(np.int16)
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
    shrunk = cv2.resize(rgb[:, :, ::-1], (CROP_SIZE, 149), interpolation=cv2.INTER_AREA)
    assert np.abs(whole.astype(np.int16) - shrunk).mean() < 4


def test_a_large_face_is_shrunk_to_the_crop_size() -> None:
    """A face filling the picture is scaled down to at most CROP_SIZE pixels a side."""
    big = np.ascontiguousarray(cv2.resize(astronaut_head_rgb(), (840, 780)))
    crop = decoded(face_crop(big, Box(top=200, right=600, bottom=600, left=200)))
    assert crop.shape == (CROP_SIZE, CROP_SIZE, 3)
    small = decoded(face_crop(big, Box(top=200, right=600, bottom=600, left=200), size=64))
    assert small.shape == (64, 64, 3)
