"""A rectangle of a frame in RGB: only its pixels are converted, and they are the frame's own."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from custom_components.openeye.pipeline.engine import Box
from custom_components.openeye.pipeline.frames import Frame
from tests.faces import astronaut_head_rgb
from tests.video_files import write_video


@pytest.fixture(scope="module")
def decoded(tmp_path_factory: pytest.TempPathFactory) -> av.VideoFrame:
    """Return one decoded 1280x720 picture of an H.264 video (YUV 4:2:0) with a face in it."""
    path = Path(tmp_path_factory.mktemp("regions")) / "wide.mkv"
    rgb = np.zeros((720, 1280, 3), np.uint8)
    rgb[:, :640] = (200, 40, 40)
    rgb[100:360, 700:980] = astronaut_head_rgb()
    write_video(path, [rgb], 10.0)
    with av.open(str(path)) as container:
        return next(container.decode(video=0))


def test_a_region_is_the_full_conversion_cut(decoded: av.VideoFrame) -> None:
    """Cut from the decoder's planes, a region holds exactly the pixels of the full RGB's cut.

    Odd coordinates are widened to even ones (a chroma sample covers 2x2
    pixels), and the box returned says which pixels came.
    """
    assert decoded.format.name == "yuv420p"
    full = Frame(decoded, 0.0, 0.0).rgb()
    frame = Frame(decoded, 0.0, 0.0)
    rgb, used = frame.rgb_region(Box(101, 991, 361, 699))
    assert used == Box(100, 992, 362, 698)
    np.testing.assert_array_equal(rgb, full[100:362, 698:992])
    # A region reaching past the picture is trimmed to it.
    rgb, used = frame.rgb_region(Box(-50, 1400, 30, 1200))
    assert used == Box(0, 1280, 30, 1200)
    np.testing.assert_array_equal(rgb, full[0:30, 1200:1280])


def test_a_region_is_scaled_in_the_same_pass(decoded: av.VideoFrame) -> None:
    """Enlarged or shrunk, a region has the scaled size and the same picture."""
    frame = Frame(decoded, 0.0, 0.0)
    full = frame.rgb()
    enlarged, used = frame.rgb_region(Box(100, 980, 360, 700), 1.5)
    assert used == Box(100, 980, 360, 700)
    assert enlarged.shape == (390, 420, 3)
    shrunk, _ = frame.rgb_region(Box(100, 980, 360, 700), 0.5)
    assert shrunk.shape == (130, 140, 3)
    # Every second pixel of the enlarged region (3 for 2) and the average of
    # 2x2 pixels in the shrunk one stay close to the original pixels.
    original = full[100:360, 700:980].astype(int)
    assert np.abs(enlarged[::3, ::3].astype(int) - original[::2, ::2]).mean() < 6
    block = original.reshape(130, 2, 140, 2, 3).mean(axis=(1, 3))
    assert np.abs(shrunk.astype(int) - block).mean() < 3


def test_full_range_pictures_keep_their_colours(decoded: av.VideoFrame) -> None:
    """A full-range 4:2:0 picture, as many IP cameras send, is cut in its own format."""
    full_range = decoded.reformat(format="yuvj420p")
    frame = Frame(full_range, 0.0, 0.0)
    rgb, used = frame.rgb_region(Box(200, 600, 400, 100))
    np.testing.assert_array_equal(rgb, Frame(full_range, 0.0, 0.0).rgb()[200:400, 100:600])
    assert used == Box(200, 600, 400, 100)
    assert np.abs(rgb.astype(int) - (200, 40, 40)).max() < 20


def test_an_rgb_picture_is_cut_from_its_own_pixels() -> None:
    """A still (RGB already) is cut as it is, and scaled by the scaler when asked."""
    head = astronaut_head_rgb()
    frame = Frame.from_rgb(head, 0.0, 0.0)
    rgb, used = frame.rgb_region(Box(11, 201, 151, 31))
    assert used == Box(11, 201, 151, 31)
    np.testing.assert_array_equal(rgb, head[11:151, 31:201])
    doubled, _ = frame.rgb_region(Box(11, 201, 151, 31), 2.0)
    assert doubled.shape == (280, 340, 3)


def test_an_odd_sized_picture_falls_back_to_the_full_conversion(decoded: av.VideoFrame) -> None:
    """Where even coordinates would leave the picture, the full RGB is cut instead."""
    odd = decoded.reformat(width=641, height=361)
    frame = Frame(odd, 0.0, 0.0)
    rgb, used = frame.rgb_region(Box(301, 641, 361, 501))
    assert used == Box(301, 641, 361, 501)
    np.testing.assert_array_equal(rgb, Frame(odd, 0.0, 0.0).rgb()[301:361, 501:641])
    scaled, _ = frame.rgb_region(Box(301, 641, 361, 501), 2.0)
    assert scaled.shape == (120, 280, 3)


def test_a_region_outside_the_picture_is_refused(decoded: av.VideoFrame) -> None:
    """An empty rectangle is a caller's mistake, said as such."""
    frame = Frame(decoded, 0.0, 0.0)
    with pytest.raises(ValueError, match="outside"):
        frame.rgb_region(Box(800, 100, 900, 50))


@pytest.mark.parametrize("box", [Box(101, 991, 361, 699), Box(0, 1280, 720, 0), Box(7, 33, 29, 11)])
@pytest.mark.parametrize("scale", [1.0, 0.5, 1.5])
def test_pictures_come_as_one_packed_block(decoded: av.VideoFrame, box: Box, scale: float) -> None:
    """Every RGB picture a frame gives is C-contiguous, whatever the decoder's row padding.

    dlib reads an array as one packed block: PyAV 19 (Home Assistant 2026)
    hands back views with padded rows where PyAV 13 copied, and dlib crashed
    on them.
    """
    frame = Frame(decoded, 0.0, 0.0)
    rgb, _used = frame.rgb_region(box, scale)
    assert rgb.flags.c_contiguous
    assert frame.rgb(scale).flags.c_contiguous
