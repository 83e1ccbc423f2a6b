"""Opening sources with PyAV: only what the address names, with reasons that keep secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.openeye.pipeline.video_input import (
    VideoInput,
    VideoOpenError,
    file_path,
    is_stream_url,
)
from tests.faces import one_face_jpeg, write_face_video


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a short real video (MPEG-4 in MP4) in a folder of its own."""
    path = Path(tmp_path_factory.mktemp("input")) / "face.mp4"
    write_face_video(str(path), frames=6, fps=10.0)
    return path


def refusal(url: str) -> VideoOpenError:
    """Return the error that opening ``url`` raises (failing the test if it opens)."""
    with pytest.raises(VideoOpenError) as info:
        VideoInput(url, open_timeout=2, read_timeout=2).close()
    return info.value


def test_a_video_file_opens_and_decodes_in_order(clip: Path) -> None:
    """Pictures come in order, timed from the start of the file, at the file's rate."""
    video = VideoInput(f"file://{clip}", open_timeout=2, read_timeout=2)
    try:
        assert video.frame_interval == pytest.approx(0.1)
        assert video.frame_count == 6
        times = [picture.pts for picture in video.pictures()]
    finally:
        video.close()
    assert times == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])


def test_another_protocol_cannot_be_reached_through_a_file_address(clip: Path) -> None:
    """concat:, subfile and the like are names of files that do not exist, not protocols."""
    for url in (
        f"file://concat:{clip}|/etc/passwd",
        f"concat:{clip}|/etc/passwd",
        f"subfile,,start,0,end,100,,:{clip}",
        "file:///etc/passwd",
    ):
        error = refusal(url)
        assert error.reason in {"not_found", "not_a_video"}, url


def test_files_that_are_not_videos_are_refused(clip: Path, tmp_path: Path) -> None:
    """A still image, a playlist that points at other files, and random bytes: not videos."""
    still = tmp_path / "still.jpg"
    still.write_bytes(one_face_jpeg())
    playlist = tmp_path / "list.m3u8"
    playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{clip}\n#EXT-X-ENDLIST\n")
    concat = tmp_path / "list.ffconcat"
    concat.write_text(f"ffconcat version 1.0\nfile '{clip}'\n")
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(bytes(4096))
    for path in (still, playlist, concat, garbage):
        error = refusal(str(path))
        assert (error.reason, error.detail) == (
            "not_a_video",
            "the source is not a video OpenEye can read",
        ), path.name


def test_only_network_schemes_it_knows_are_opened() -> None:
    """RTSP(S) and HTTP(S) are streams; other schemes are refused before FFmpeg sees them."""
    for url in ("ftp://host/x.mp4", "udp://127.0.0.1:1234", "tcp://127.0.0.1:1", "pipe:0"):
        if is_stream_url(url):
            assert refusal(url).reason == "unsupported", url
    assert file_path("file:///media/clip.mp4") == "/media/clip.mp4"


def test_a_refusal_never_carries_the_address_or_its_password(socket_enabled: None) -> None:
    """What a failed open says (logs, status sensor, forms) names the reason, never the address."""
    for url in (
        "rtsp://admin:s3cret@127.0.0.1:1/live",
        "http://admin:s3cret@127.0.0.1:1/video.mjpg",
    ):
        error = refusal(url)
        assert error.reason == "refused"
        assert "s3cret" not in str(error)
        assert "127.0.0.1" not in str(error)
