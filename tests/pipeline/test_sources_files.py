"""Sources reading videos of the astronaut's head, and pushed photos of her: no shared media."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
import threading
import time

import numpy as np
import pytest

from custom_components.openeye.pipeline.messages import SourceStatus
from custom_components.openeye.pipeline.settings import SourceSettings
from custom_components.openeye.pipeline.sources import LiveSource, PushedSource, probe
from tests.faces import decode, one_face_jpeg, one_face_png, write_face_video
from tests.pipeline.test_sources import StatusLog
from tests.video_files import write_video


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Write the test videos once: 3 s and 0.5 s at 10 fps, 3 s at 1 fps, and one without frames."""
    folder = tmp_path_factory.mktemp("videos")
    paths = {
        "long": folder / "long.mp4",
        "short": folder / "short.mp4",
        "slow": folder / "slow.mp4",
        "empty": folder / "empty.avi",
    }
    write_face_video(str(paths["long"]), frames=30, fps=10.0)
    write_face_video(str(paths["short"]), frames=5, fps=10.0)
    write_face_video(str(paths["slow"]), frames=3, fps=1.0)
    write_video(paths["empty"], [], 10.0)
    return paths


def test_a_file_read_at_the_consumers_pace_then_ended(videos: dict[str, Path]) -> None:
    """A non-realtime file delivers exactly the due frames as fast as asked, then ENDED."""
    log = StatusLog()
    source = LiveSource(str(videos["long"]), SourceSettings(realtime=False), log)
    assert source.status is None
    source.start()
    taken: list[float] = []
    try:
        due = 0.0
        while True:
            source.request(due)
            if not source.wait_for_frame(5):
                break
            frame = source.take()
            assert frame is not None
            assert (frame.width, frame.height) == (640, 360)
            taken.append(frame.pts)
            due = frame.pts + 1.0
        assert source.ended
        assert source.status is SourceStatus.ENDED
        assert log.statuses() == [
            SourceStatus.CONNECTING,
            SourceStatus.STREAMING,
            SourceStatus.ENDED,
        ]
        assert log.reports[-1][2] == "the file has ended"
        assert log.reports[-1][0] < 2.5, "not paced by the clock"
        assert taken == pytest.approx([0.0, 1.0, 2.0], abs=1e-3)
        # Every frame is read (decoded), only the taken ones are converted.
        assert source.frames_read == 30
        assert source.frames_kept == 3
        assert source.newest_pts == pytest.approx(2.9, abs=1e-3)
    finally:
        assert source.stop()


def test_asking_again_keeps_a_frame_that_is_due_already(videos: dict[str, Path]) -> None:
    """A converted frame that still satisfies a new request is kept, not converted again."""
    source = LiveSource(str(videos["long"]), SourceSettings(realtime=False), StatusLog())
    source.start()
    try:
        source.request(1.0)
        assert source.wait_for_frame(5)
        source.request(0.5)
        source.request(1.0)
        frame = source.take()
        assert frame is not None
        assert frame.pts == pytest.approx(1.0, abs=1e-3)
        assert source.frames_kept == 1
        # A request beyond the stored frame drops it: the next converted frame is later.
        source.request(2.0)
        assert source.wait_for_frame(5)
        source.request(2.5)
        assert source.wait_for_frame(5)
        later = source.take()
        assert later is not None
        assert later.pts == pytest.approx(2.5, abs=1e-3)
    finally:
        assert source.stop()


def test_a_realtime_file_loops_at_its_own_frame_rate(videos: dict[str, Path]) -> None:
    """A looping realtime file is paced by its timestamps, across its loops too.

    The first frame of each new pass comes one frame interval after the last
    frame of the previous pass, as every other frame does: a 5-frame, 10 fps
    video delivers 10 frames a second, not 12.5.
    """
    log = StatusLog()
    source = LiveSource(str(videos["short"]), SourceSettings(realtime=True, loop=True), log)
    source.start()
    seen: list[tuple[float, float]] = []
    try:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            if source.wait_for_frame(1) and (frame := source.take()) is not None:
                seen.append((time.monotonic() - log.started, frame.pts))
        # 10 fps for 2 s, across four passes of the 0.5 s video.
        assert 15 <= source.frames_read <= 25
        assert seen[-1][1] > 1.5
        assert all(b[1] > a[1] for a, b in itertools.pairwise(seen))
        # The pts follow the wall clock, as a live camera's would. A late
        # consumer only ever adds to wall - pts; a pass that starts early
        # would take a frame interval off it at every loop.
        lags = [wall - pts for wall, pts in seen]
        assert min(lags[-5:]) > min(lags[:5]) - 0.05
        assert SourceStatus.ENDED not in log.statuses()
        assert not source.ended
    finally:
        assert source.stop()


def test_a_realtime_file_without_loop_ends(videos: dict[str, Path]) -> None:
    """A realtime file without loop reports ENDED after about its duration."""
    log = StatusLog()
    source = LiveSource(str(videos["short"]), SourceSettings(realtime=True), log)
    source.start()
    try:
        ended = log.wait_for_status(SourceStatus.ENDED, 5)
        assert 0.35 < ended[0] < 2.0
        assert source.frames_read == 5
        assert source.ended
        assert not source.wait_for_frame(0.1)
    finally:
        assert source.stop()


def test_stopping_a_realtime_file_interrupts_its_pacing(videos: dict[str, Path]) -> None:
    """A source waiting for its next frame's time (a second away at 1 fps) stops at once."""
    threads = set(threading.enumerate())
    log = StatusLog()
    source = LiveSource(str(videos["slow"]), SourceSettings(realtime=True), log)
    source.start()
    log.wait_for_status(SourceStatus.STREAMING, 5)
    assert source.wait_for_frame(2)
    frame = source.take()
    assert frame is not None
    assert frame.pts == 1.0
    time.sleep(0.2)
    started = time.monotonic()
    assert source.stop()
    assert time.monotonic() - started < 0.5
    # Frame 0 was read before anything was asked for, frame 1 was taken, frame 2 is a second away.
    assert source.frames_read == 2
    assert set(threading.enumerate()) == threads
    assert log.statuses() == [SourceStatus.CONNECTING, SourceStatus.STREAMING]


def test_a_file_without_frames_is_retried(videos: dict[str, Path]) -> None:
    """A video that opens but has no frame is a failed attempt, with the reason."""
    settings = SourceSettings(backoff_initial=0.05, backoff_max=0.1)
    log = StatusLog()
    source = LiveSource(str(videos["empty"]), settings, log)
    source.start()
    try:
        report = log.wait_for_status(SourceStatus.RECONNECTING, 5)
        assert report[2] == "the file has no frame that can be read"
        assert report[3] == 0.05
        failed = log.wait_for_status(SourceStatus.FAILED, 5)
        assert failed[2] == "the file has no frame that can be read"
        assert source.frames_read == 0
        assert not source.ended
    finally:
        assert source.stop()


def test_a_probe_of_a_video_file(videos: dict[str, Path]) -> None:
    """A probe opens a video file, reads its first frame and releases it; an empty one fails."""
    threads = set(threading.enumerate())
    frame, detail, reason = probe(str(videos["long"]), timeout=2)
    assert (detail, reason) == (None, None)
    assert frame is not None
    assert (frame.width, frame.height) == (640, 360)
    assert frame.pts == 0.0
    assert probe(f"file://{videos['empty']}", timeout=2) == (
        None,
        "the file has no frame that can be read",
        "not_a_video",
    )
    assert set(threading.enumerate()) == threads


def test_a_pushed_source_keeps_the_newest_and_skips_bad_images(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only the newest pushed image is decoded; bad ones are logged once and skipped."""
    wake = threading.Event()
    source = PushedSource(wake=wake, name="doorbell")
    source.start()
    assert source.take() is None
    assert not source.wait_for_frame(0.01)
    assert not source.ended
    with caplog.at_level(logging.INFO):
        source.push(b"not an image", 1000.0)
        assert wake.is_set()
        assert source.take() is None
        source.push(one_face_jpeg()[:300], 1001.0)
        assert source.take() is None
        assert source.last_error is not None
        assert source.last_error.code == "not_an_image"
        warnings = [r for r in caplog.records if "doorbell" in r.getMessage()]
        assert [r.levelno for r in warnings] == [logging.WARNING]
        assert "a pushed image was skipped" in warnings[0].getMessage()

        png = one_face_png()
        source.push(b"replaced before it is taken", 1002.0)
        source.push(png, 1003.0)
        assert source.wait_for_frame(0.1)
        frame = source.take()
    assert frame is not None
    assert frame.timestamp == 1003.0
    np.testing.assert_array_equal(frame.rgb(), decode(png))
    assert frame.rgb().flags["C_CONTIGUOUS"]
    assert source.last_error is None
    recovered = [r for r in caplog.records if "can be read again" in r.getMessage()]
    assert [r.levelno for r in recovered] == [logging.INFO]
    assert source.frames_read == 4
    assert source.newest_pts == frame.pts
    assert source.take() is None

    # Images pushed before the due pts are not analysed; pts never go back.
    source.request(frame.pts + 3600)
    source.push(png, 900.0)
    assert source.newest_pts > frame.pts
    assert source.take() is None
    source.push(png, 1004.0)
    assert source.stop()
    assert not source.wait_for_frame(0.01), "stopping drops the image not yet taken"
