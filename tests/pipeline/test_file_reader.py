"""The command line's file reader on a real video of the astronaut's head: no shared media."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from custom_components.openeye.pipeline.file_reader import SourceOpenError, VideoFileReader
from tests.faces import astronaut_head_rgb, write_face_video
from tests.video_files import write_video

FRAMES, EMPTY, FPS = 20, 10, 10.0
START = 1_700_000_000.0


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a 3-second MP4: 2 s of the head moving right, then 1 s of grey background."""
    path = tmp_path_factory.mktemp("reader") / "face.mp4"
    write_face_video(str(path), frames=FRAMES, fps=FPS, absent_frames=EMPTY)
    return path


def test_every_frame_in_order_with_its_timestamps(video: Path) -> None:
    """All frames come with pts from the video and timestamps from the start time."""
    reader = VideoFileReader(str(video), start_time=START)
    assert reader.frame_count == FRAMES + EMPTY
    frames = list(reader.frames(lambda _pts: True))
    assert len(frames) == FRAMES + EMPTY
    assert reader.frames_read == reader.frames_delivered == FRAMES + EMPTY
    assert [frame.pts for frame in frames] == pytest.approx([i / FPS for i in range(30)], abs=1e-3)
    assert all(frame.timestamp == START + frame.pts for frame in frames)
    assert reader.pts == frames[-1].pts
    first = frames[0].rgb()
    assert first.shape == (360, 640, 3)
    assert first.dtype == np.uint8
    # The first frame shows the head at (50, 20) on grey.
    pasted = first[50:310, 20:300].astype(np.int16)
    assert np.abs(pasted - astronaut_head_rgb()).mean() < 8
    assert np.abs(first[330:, :].astype(np.int16) - 90).max() < 8
    # The last frames show the background alone.
    assert np.abs(frames[-1].rgb().astype(np.int16) - 90).max() < 8


def test_only_due_frames_are_handed_over(video: Path) -> None:
    """Every frame is read, only those the caller wants are handed over, in order."""
    asked: list[float] = []

    def every_half_second(pts: float) -> bool:
        asked.append(pts)
        return round(pts * FPS) % 5 == 0

    reader = VideoFileReader(str(video), start_time=START)
    frames = list(reader.frames(every_half_second))
    assert len(asked) == reader.frames_read == FRAMES + EMPTY
    assert all(b > a for a, b in itertools.pairwise(asked))
    assert [frame.pts for frame in frames] == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0, 2.5])
    assert reader.frames_delivered == 6


def test_the_file_is_released_after_reading_or_stopping(video: Path) -> None:
    """Reading to the end, or stopping early, closes the file: reading again yields nothing."""
    reader = VideoFileReader(str(video), start_time=START)
    assert len(list(reader.frames(lambda _pts: True))) == FRAMES + EMPTY
    assert list(reader.frames(lambda _pts: True)) == []
    assert reader.frames_read == FRAMES + EMPTY

    early = VideoFileReader(str(video), start_time=START)
    frames = early.frames(lambda _pts: True)
    assert next(frames).pts == 0.0
    frames.close()
    assert list(early.frames(lambda _pts: True)) == []
    assert early.frames_read == 1


def test_a_file_that_cannot_be_opened(tmp_path: Path) -> None:
    """A missing file, and bytes that are no video, are refused when opened."""
    missing = tmp_path / "missing.mp4"
    with pytest.raises(SourceOpenError, match=f"the video file {missing} could not be opened"):
        VideoFileReader(str(missing), start_time=START)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00" * 4096)
    with pytest.raises(SourceOpenError, match="not a video OpenEye can read"):
        VideoFileReader(str(garbage), start_time=START)


def test_a_video_without_frames(tmp_path: Path) -> None:
    """A video that opens but holds no frame says so when read, and is released."""
    empty = tmp_path / "empty.avi"
    write_video(empty, [], FPS)
    reader = VideoFileReader(str(empty), start_time=START)
    assert reader.frame_count == 0
    with pytest.raises(SourceOpenError, match="has no frame that can be read"):
        list(reader.frames(lambda _pts: True))
    assert reader.frames_read == 0
