"""Fixtures of the pipeline's source, worker and pool tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.media import media
from tests.pipeline.mjpeg_server import MjpegServer, astronaut_frames
from tests.video_files import read_video, write_video


@pytest.fixture
def camera(socket_enabled: None) -> Iterator[MjpegServer]:
    """Serve the astronaut as a 20 fps MJPEG camera on loopback for one test."""
    server = MjpegServer(astronaut_frames(4), fps=20)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def short_clip(tmp_path: Path) -> Path:
    """Write the first 10 frames of the Hamilton clip as a 0.5 s, 20 fps video in tmp_path."""
    path = tmp_path / "short.avi"
    frames = read_video(media("short_hamilton_clip.mp4"), limit=10)
    write_video(path, (rgb for _pts, rgb in frames), 20.0)
    return path
