"""Fixtures of the pipeline's source, worker and pool tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.media import MEDIA
from tests.pipeline.face_media import FaceMedia, astronaut_media, hamilton_media
from tests.pipeline.mjpeg_server import MjpegServer, astronaut_frames


@pytest.fixture
def camera(socket_enabled: None) -> Iterator[MjpegServer]:
    """Serve the astronaut as a 20 fps MJPEG camera on loopback for one test."""
    server = MjpegServer(astronaut_frames(4), fps=20)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=["astronaut", "hamilton"])
def face_media(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> FaceMedia:
    """Return one media to run a scenario on: the astronaut, then the shared Hamilton media.

    The Hamilton run skips with the reason tests/media.py gives when
    ../shared/media is absent; the astronaut's never does.
    """
    if request.param == "astronaut":
        return astronaut_media(tmp_path_factory.mktemp("astronaut"))
    if not MEDIA.is_dir():
        pytest.skip(f"the shared test media are not at {MEDIA} (a fresh clone has no ../shared)")
    return hamilton_media(tmp_path_factory.mktemp("hamilton"))
