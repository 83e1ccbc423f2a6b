"""Frames: the decoder's picture, converted only into what each step asks for."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from custom_components.openeye.pipeline.frames import Frame
from custom_components.openeye.pipeline.motion import GREY_WIDTH
from tests.faces import astronaut_head_rgb
from tests.video_files import write_video


@pytest.fixture(scope="module")
def decoded(tmp_path_factory: pytest.TempPathFactory) -> av.VideoFrame:
    """Return one decoded 1280x720 picture of an H.264 video (YUV 4:2:0), as a camera sends."""
    path = Path(tmp_path_factory.mktemp("frames")) / "wide.mkv"
    rgb = np.zeros((720, 1280, 3), np.uint8)
    rgb[:, :640] = (200, 40, 40)
    rgb[100:360, 700:980] = astronaut_head_rgb()
    write_video(path, [rgb], 10.0)
    with av.open(str(path)) as container:
        return next(container.decode(video=0))


def test_grey_is_the_luma_plane_sampled_without_a_copy(decoded: av.VideoFrame) -> None:
    """The motion check reads the decoder's own luma plane, every step-th pixel: no conversion."""
    assert decoded.format.name == "yuv420p"
    frame = Frame(decoded, 0.0, 0.0)
    grey = frame.grey(GREY_WIDTH)
    step = 1280 // GREY_WIDTH
    assert grey.shape == (720 // step, 1280 // step)
    assert not grey.flags["OWNDATA"]
    luma = np.frombuffer(decoded.planes[0], np.uint8).reshape(720, -1)[:, :1280]
    np.testing.assert_array_equal(grey, luma[::step, ::step])
    # The luma of the red area and of the black background, in video range (16 is black).
    red = 16 + (0.299 * 200 + 0.587 * 40 + 0.114 * 40) * 219 / 255
    assert abs(float(grey[:, :100].mean()) - red) < 4
    assert abs(float(grey[:, -20:].mean()) - 16) < 4


def test_rgb_is_converted_once_per_size_and_kept(decoded: av.VideoFrame) -> None:
    """RGB comes from the scaler at the asked scale, once; the full size is shared."""
    frame = Frame(decoded, 1.5, 1e9)
    full = frame.rgb()
    assert full.shape == (720, 1280, 3)
    assert full.dtype == np.uint8
    assert frame.rgb(1.0) is full
    half = frame.rgb(0.5)
    assert half.shape == (360, 640, 3)
    assert frame.rgb(0.5) is half
    # Colours survive the conversion (within the loss of H.264 and 4:2:0).
    assert np.abs(full[300:400, 100:300].astype(int) - (200, 40, 40)).max() < 20
    assert np.abs(half[150:200, 50:150].astype(int) - (200, 40, 40)).max() < 20
    enlarged = frame.rgb(1.5)
    assert enlarged.shape == (1080, 1920, 3)
    assert (frame.width, frame.height, frame.pts, frame.timestamp) == (1280, 720, 1.5, 1e9)


def test_a_still_in_rgb_is_kept_as_it_is_and_greyed_by_the_scaler() -> None:
    """A decoded still becomes a frame whose full-size RGB is the picture itself."""
    rgb = astronaut_head_rgb()
    frame = Frame.from_rgb(rgb, 2.0, 3.0)
    np.testing.assert_array_equal(frame.rgb(), rgb)
    grey = frame.grey(GREY_WIDTH)
    assert grey.shape == (260, 280)
    assert grey.dtype == np.uint8
    # A grey of the picture: close to the usual weighted sum of its channels.
    weighted = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    assert np.abs(grey.astype(np.float32) - weighted).mean() < 4
    assert frame.grey(100).shape == (130, 140)


def test_a_picture_narrower_than_asked_is_returned_whole(decoded: av.VideoFrame) -> None:
    """No step below one: a small picture's grey is the whole picture."""
    small = Frame(decoded.reformat(width=160, height=90), 0.0, 0.0)
    assert small.grey(GREY_WIDTH).shape == (90, 160)
