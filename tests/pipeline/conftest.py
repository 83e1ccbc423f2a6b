"""Fixtures of the pipeline's source, worker and pool tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest

from tests.media import media
from tests.pipeline.mjpeg_server import MjpegServer, astronaut_frames


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
    clip = cv2.VideoCapture(str(media("short_hamilton_clip.mp4")), cv2.CAP_FFMPEG)
    path = tmp_path / "short.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 20.0, (640, 360))
    try:
        for _ in range(10):
            ok, frame = clip.read()
            assert ok
            writer.write(frame)
    finally:
        writer.release()
        clip.release()
    return path
