"""Sources against a real MJPEG camera on loopback, real video files and a hanging pipe.

The scenarios with a face media (tests/pipeline/face_media.py) run on the
astronaut always and on the shared Hamilton media when present: a file read at
the reader's own pace, a real-time file that loops and one that ends, and a
pushed source. The astronaut's own videos cover pacing, stops and probes.
"""

from __future__ import annotations

from collections.abc import Callable
import itertools
import logging
import math
import os
from pathlib import Path
import threading
import time
from typing import TYPE_CHECKING

import numpy as np
import pytest

from custom_components.openeye.pipeline import sources
from custom_components.openeye.pipeline.frames import Frame
from custom_components.openeye.pipeline.messages import SourceStatus
from custom_components.openeye.pipeline.settings import SourceSettings
from custom_components.openeye.pipeline.sources import LiveSource, PushedSource, probe, redact
from custom_components.openeye.pipeline.video_input import (
    DecodedPicture,
    VideoInput,
    VideoOpenError,
    file_path,
    is_stream_url,
)
from tests.faces import decode, write_face_video
from tests.pipeline.face_media import FaceMedia
from tests.pipeline.leaks import open_fds
from tests.pipeline.mjpeg_server import MjpegServer
from tests.video_files import write_video

if TYPE_CHECKING:
    from collections.abc import Iterator

# Short timeouts and back-off keep the fault tests to a few seconds each.
FAST = SourceSettings(
    open_timeout=1.0, read_timeout=1.0, backoff_initial=0.2, backoff_max=1.0, realtime=True
)

# (seconds since the log started, status, detail, retry_in, reason)
type Status = tuple[float, SourceStatus, str | None, float | None, str | None]


class StatusLog:
    """Records a source's status reports with the time they arrived, for tests to wait on."""

    def __init__(self) -> None:
        """Start with no report."""
        self.reports: list[Status] = []
        self._cond = threading.Condition()
        self.started = time.monotonic()

    def __call__(
        self,
        status: SourceStatus,
        detail: str | None,
        retry_in: float | None,
        reason: str | None,
    ) -> None:
        """Record one report (called from the source's threads)."""
        with self._cond:
            self.reports.append((time.monotonic() - self.started, status, detail, retry_in, reason))
            self._cond.notify_all()

    def statuses(self) -> list[SourceStatus]:
        """Return the statuses reported so far, in order."""
        with self._cond:
            return [report[1] for report in self.reports]

    def wait_for(self, predicate: Callable[[list[Status]], bool], timeout: float) -> list[Status]:
        """Wait until ``predicate(reports)`` holds; fail the test after ``timeout``."""
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self.reports), timeout):
                pytest.fail(f"timed out; reports so far: {self.reports}")
            return list(self.reports)

    def wait_for_status(self, status: SourceStatus, timeout: float, after: int = 0) -> Status:
        """Wait for ``status`` among the reports from index ``after``; return the report."""
        reports = self.wait_for(lambda r: any(s[1] is status for s in r[after:]), timeout)
        return next(report for report in reports[after:] if report[1] is status)


def test_url_kinds() -> None:
    """Network URLs are streams; bare paths and file:// URLs are files."""
    assert is_stream_url("rtsp://cam/1")
    assert is_stream_url("HTTPS://cam/video.mjpg")
    assert not is_stream_url("/media/clip.mp4")
    assert not is_stream_url("file:///media/clip.mp4")
    assert file_path("file:///media/clip.mp4") == "/media/clip.mp4"


def test_passwords_stay_out_of_names_and_logs() -> None:
    """A stream's password is masked wherever the source is named."""
    assert (
        redact("rtsp://admin:s3cret@192.168.1.9:554/live")
        == "rtsp://admin:***@192.168.1.9:554/live"
    )
    assert redact("http://cam.local/video.mjpg") == "http://cam.local/video.mjpg"
    assert redact("/media/clip.mp4") == "/media/clip.mp4"
    # The source's threads carry its name, which shows in thread dumps and profilers.
    source = LiveSource("rtsp://admin:s3cret@127.0.0.1:9/x", SourceSettings(), StatusLog())
    source.start()
    try:
        names = [thread.name for thread in threading.enumerate()]
        assert "openeye-source rtsp://admin:***@127.0.0.1:9/x" in names
        assert not [name for name in names if "s3cret" in name]
    finally:
        assert source.stop()


def test_mjpeg_stream_delivers_the_newest_frame_unconverted(camera: MjpegServer) -> None:
    """Frames flow as the decoder gives them; frames not due are dropped; stop leaves nothing."""
    # Counted while the camera is down, to compare with after it is down again.
    camera.stop()
    threads, fds = set(threading.enumerate()), open_fds()
    camera.start()
    log = StatusLog()
    source = LiveSource(camera.url, FAST, log, name="astronaut")
    source.start()
    try:
        assert source.wait_for_frame(5)
        frame = source.take()
        assert isinstance(frame, Frame)
        assert (frame.width, frame.height) == (512, 512)
        assert abs(frame.timestamp - time.time()) < 2
        # The same pixels as an independent decoding of one of the camera's JPEGs.
        rgb = frame.rgb()
        assert rgb.shape == (512, 512, 3)
        assert rgb.dtype == np.uint8
        differences = [np.abs(rgb.astype(int) - decode(jpeg)).mean() for jpeg in camera.frames]
        assert min(differences) < 3
        # Frames before the due pts are read and dropped, never kept for the consumer.
        source.request(frame.pts + 3600)
        kept = source.frames_kept
        time.sleep(0.6)
        assert source.frames_read >= 8
        assert source.frames_kept == kept
        assert source.take() is None
        source.request(frame.pts)
        assert source.wait_for_frame(2)
        second = source.take()
        assert second is not None
        assert second.pts > frame.pts
        assert log.statuses() == [SourceStatus.CONNECTING, SourceStatus.STREAMING]
    finally:
        assert source.stop()
    camera.stop()
    assert set(threading.enumerate()) == threads
    assert open_fds() == fds


def test_take_gives_the_newest_frame_after_the_consumer_was_busy(camera: MjpegServer) -> None:
    """While the consumer is busy, the kept frame is replaced by each newer one."""
    source = LiveSource(camera.url, FAST, StatusLog())
    source.start()
    try:
        assert source.wait_for_frame(5)
        # The consumer is busy: several newer frames arrive meanwhile.
        time.sleep(0.3)
        newest_before = source.newest_pts
        frame = source.take()
        assert frame is not None
        assert frame.pts >= newest_before
        assert source.frames_kept >= 3
    finally:
        assert source.stop()


def test_request_skips_frames_before_the_due_pts(camera: MjpegServer) -> None:
    """A frame is kept only once the stream reaches the pts the consumer asked for."""
    source = LiveSource(camera.url, FAST, StatusLog())
    source.start()
    try:
        assert source.wait_for_frame(5)
        first = source.take()
        assert first is not None
        source.request(first.pts + 0.5)
        assert source.wait_for_frame(5)
        later = source.take()
        assert later is not None
        assert later.pts >= first.pts + 0.5
    finally:
        assert source.stop()


def test_dropped_camera_reconnects_with_growing_backoff_then_fails_and_recovers(
    camera: MjpegServer,
) -> None:
    """Drop → RECONNECTING with growing retry_in → FAILED once → frames within 5 s of return."""
    log = StatusLog()
    source = LiveSource(camera.url, FAST, log)
    source.start()
    try:
        log.wait_for_status(SourceStatus.STREAMING, 5)
        camera.stop()
        reports = log.wait_for(
            lambda r: sum(s[1] is SourceStatus.FAILED for s in r) == 1 and len(r) >= 7, 15
        )
        reconnecting = [r for r in reports if r[1] is SourceStatus.RECONNECTING]
        retry = [r[3] for r in reconnecting]
        # The loss waits the initial back-off, each failed open twice as long, up to the maximum.
        assert retry == [0.2, 0.4, 0.8, 1.0, 1.0]
        assert all(r[2] for r in reconnecting), "each report says why"
        failed = reports[-1]
        assert failed[1] is SourceStatus.FAILED
        assert failed[3] == 1.0
        # FAILED stays FAILED, without a report per attempt.
        time.sleep(2.2)
        assert log.statuses()[-1] is SourceStatus.FAILED
        assert log.statuses().count(SourceStatus.FAILED) == 1
        count = len(log.reports)
        camera.start()
        returned = time.monotonic() - log.started
        streaming = log.wait_for_status(SourceStatus.STREAMING, 5, after=count)
        assert streaming[0] - returned < 5
        assert source.wait_for_frame(5)
    finally:
        assert source.stop()


def test_silent_server_is_caught_by_the_open_timeout(camera: MjpegServer) -> None:
    """A server that accepts and never answers makes the open fail after open_timeout."""
    camera.silent = True
    log = StatusLog()
    source = LiveSource(camera.url, FAST, log)
    source.start()
    try:
        report = log.wait_for_status(SourceStatus.RECONNECTING, 5)
        assert 0.9 < report[0] < 2.5
        assert report[2] == "no answer within 1 s"
        assert camera.connections >= 1
    finally:
        assert source.stop()


def test_stalled_stream_is_caught_by_the_read_timeout(camera: MjpegServer) -> None:
    """A camera that keeps the connection open but stops sending frames is reopened."""
    log = StatusLog()
    source = LiveSource(camera.url, FAST, log)
    source.start()
    try:
        log.wait_for_status(SourceStatus.STREAMING, 5)
        camera.stall()
        stalled = time.monotonic() - log.started
        report = log.wait_for_status(SourceStatus.RECONNECTING, 5)
        assert report[2] == "no frame for 1 s"
        assert 0.9 < report[0] - stalled < 2.5
        connections = camera.connections
        camera.resume()
        log.wait_for_status(SourceStatus.STREAMING, 5, after=2)
        assert camera.connections > connections
    finally:
        assert source.stop()


class StuckVideo:
    """A video input whose reads stop returning, as a call FFmpeg cannot interrupt.

    It decodes a real file for its first pictures, then blocks, ignoring its
    read timeout, until released: a read(2) of a quiet pipe or a DNS lookup
    behaves so inside FFmpeg.
    """

    release = threading.Event()
    opened = 0

    def __init__(self, url: str, open_timeout: float, read_timeout: float) -> None:
        """Open the real file behind the fake."""
        type(self).opened += 1
        self._real = VideoInput(url, open_timeout, read_timeout)
        self.frame_interval = self._real.frame_interval

    def pictures(self) -> Iterator[DecodedPicture]:
        """Yield five real pictures, then block until released."""
        for index, picture in enumerate(self._real.pictures()):
            if index == 5:
                self.release.wait()
                return
            yield picture

    def close(self) -> None:
        """Close the real file."""
        self._real.close()


def test_watchdog_abandons_a_read_that_ffmpeg_cannot_interrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read that blocks past its timeout is caught by the watchdog, and its thread abandoned.

    FFmpeg's own timeout is not consulted inside some calls (a read of a pipe,
    a DNS lookup), so only the watchdog can notice; the stuck thread is left
    behind and ends as soon as its call returns, while a new attempt opens the
    source again.
    """
    video = tmp_path / "face.mp4"
    write_face_video(str(video), frames=20)
    threads = set(threading.enumerate())
    monkeypatch.setattr(sources, "VideoInput", StuckVideo)
    StuckVideo.release.clear()
    settings = SourceSettings(
        open_timeout=0.5, read_timeout=0.5, backoff_initial=0.2, backoff_max=0.5, realtime=False
    )
    log = StatusLog()
    source = LiveSource(str(video), settings, log)
    source.start()
    try:
        taken = 0
        last_frame = 0.0
        while SourceStatus.RECONNECTING not in log.statuses():
            if source.wait_for_frame(0.05) and source.take() is not None:
                last_frame = time.monotonic() - log.started
                taken += 1
            assert time.monotonic() - log.started < 20
        assert taken == 5
        report = log.wait_for_status(SourceStatus.RECONNECTING, 0)
        assert report[2] == "no answer from the source for 0.5 s"
        # The watchdog fires one grace second after FFmpeg's timeout would have.
        assert 1.3 < report[0] - last_frame < 3.0
        # The source is opened again while the stuck attempt is still blocked.
        log.wait_for(lambda _reports: StuckVideo.opened >= 2, 5)
    finally:
        source.request_stop()
        StuckVideo.release.set()
        assert source.stop(timeout=5)
    assert set(threading.enumerate()) == threads


class StuckOpen:
    """A video input whose opening never returns until released (a DNS lookup that hangs)."""

    release = threading.Event()

    def __init__(self, url: str, open_timeout: float, read_timeout: float) -> None:
        """Block, ignoring the open timeout, until released; then fail."""
        self.release.wait()
        raise VideoOpenError("timeout", "released")


def test_a_probe_answers_within_its_time_even_when_opening_hangs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A probe whose open never returns says so within its timeout and a grace, not later.

    The stuck attempt is left behind; it ends once its call returns.
    """
    monkeypatch.setattr(sources, "VideoInput", StuckOpen)
    StuckOpen.release.clear()
    threads = set(threading.enumerate())
    started = time.monotonic()
    try:
        frame, detail, reason = probe("rtsp://camera.invalid/live", timeout=0.5)
        elapsed = time.monotonic() - started
    finally:
        StuckOpen.release.set()
    assert frame is None
    assert reason == "timeout"
    # The watchdog's verdict, or the probe's own deadline, whichever comes first.
    assert detail in {"no answer from the source for 0.5 s", "no frame within 0.5 s"}
    # The timeout, the watchdog's grace, and at most one more grace to stop.
    assert elapsed < 0.5 + 3 * sources.WATCHDOG_GRACE
    deadline = time.monotonic() + 10
    while set(threading.enumerate()) - threads and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(threading.enumerate()) == threads


def test_pipes_and_devices_are_refused_at_once(tmp_path: Path) -> None:
    """A named pipe is not a video file: refused before FFmpeg could block on it."""
    fifo = tmp_path / "camera.mjpeg"
    os.mkfifo(fifo)
    started = time.monotonic()
    frame, detail, reason = probe(str(fifo), timeout=5)
    assert frame is None
    assert (detail, reason) == ("the path is not a regular file", "not_a_file")
    frame, detail, _reason = probe("/dev/zero", timeout=5)
    assert (frame, detail) == (None, "the path is not a regular file")
    frame, detail, _reason = probe(str(tmp_path), timeout=5)
    assert (frame, detail) == (None, "the path is not a regular file")
    assert time.monotonic() - started < 2


def test_a_file_read_at_the_consumers_pace_then_ended(face_media: FaceMedia) -> None:
    """A non-realtime file delivers exactly the due frames as fast as asked, then ENDED."""
    log = StatusLog()
    source = LiveSource(str(face_media.video), SourceSettings(realtime=False), log)
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
        # Six seconds of the astronaut's video, 9.2 of the clip: read in far less.
        assert log.reports[-1][0] < 2.5, "not paced by the clock"
        # Each frame taken is the first one at or after a second past the one before:
        # frame numbers 0, 10, 20... at 10 frames a second, 0, 30, 60... at 29.97.
        fps = face_media.video_fps
        expected: list[float] = []
        number = 0
        while number < face_media.video_frames:
            expected.append(number / fps)
            number = math.ceil((number / fps + 1.0) * fps - 1e-6)
        assert taken == pytest.approx(expected, abs=1e-3)
        # Every frame is read (decoded), only the taken ones are converted.
        assert source.frames_read == face_media.video_frames
        assert source.frames_kept == len(taken)
        assert source.newest_pts == pytest.approx((face_media.video_frames - 1) / fps, abs=1e-3)
    finally:
        assert source.stop()


def test_a_realtime_file_loops_at_its_own_frame_rate(face_media: FaceMedia) -> None:
    """A looping realtime file is paced by its timestamps, across its loops too.

    The first frame of each new pass comes one frame interval after the last
    frame of the previous pass, as every other frame does: a 5-frame, 10 fps
    video delivers 10 frames a second, not 12.5.
    """
    log = StatusLog()
    source = LiveSource(str(face_media.brief_video), SourceSettings(realtime=True, loop=True), log)
    source.start()
    seen: list[tuple[float, float]] = []
    try:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            if source.wait_for_frame(1) and (frame := source.take()) is not None:
                seen.append((time.monotonic() - log.started, frame.pts))
        # The video's frame rate for 2 s, across four passes of the half-second video:
        # 20 frames of the astronaut's, 40 of the clip's.
        expected = face_media.brief_fps * 2.0
        assert 0.75 * expected <= source.frames_read <= 1.125 * expected
        assert seen[-1][1] > 1.5
        assert all(b[1] > a[1] for a, b in itertools.pairwise(seen))
        # The pts follow the wall clock, as a live camera's would. A late
        # consumer only ever adds to wall - pts; a pass that starts early
        # would take a frame interval off it at every loop.
        assert all(abs((wall - seen[0][0]) - (pts - seen[0][1])) < 0.25 for wall, pts in seen)
        lags = [wall - pts for wall, pts in seen]
        assert min(lags[-5:]) > min(lags[:5]) - 0.05
        assert SourceStatus.ENDED not in log.statuses()
        assert not source.ended
    finally:
        assert source.stop()


def test_a_realtime_file_without_loop_ends(face_media: FaceMedia) -> None:
    """A realtime file without loop reports ENDED after about its duration (half a second)."""
    log = StatusLog()
    source = LiveSource(str(face_media.brief_video), SourceSettings(realtime=True), log)
    source.start()
    try:
        ended = log.wait_for_status(SourceStatus.ENDED, 5)
        assert 0.4 < ended[0] < 2.0
        assert source.frames_read == face_media.brief_frames
        assert source.ended
        assert not source.wait_for_frame(0.1)
    finally:
        assert source.stop()


def test_missing_file_fails_after_five_attempts(tmp_path: Path) -> None:
    """A file that cannot be opened is retried with back-off and reported FAILED once."""
    settings = SourceSettings(backoff_initial=0.05, backoff_max=0.1)
    log = StatusLog()
    source = LiveSource(str(tmp_path / "missing.mp4"), settings, log)
    source.start()
    try:
        failed = log.wait_for_status(SourceStatus.FAILED, 5)
        assert failed[2] == "the file does not exist"
        assert failed[3] == 0.1
        assert [r[3] for r in log.reports if r[1] is SourceStatus.RECONNECTING] == [
            0.05,
            0.1,
            0.1,
            0.1,
        ]
        time.sleep(0.3)
        assert log.statuses().count(SourceStatus.FAILED) == 1
        assert source.frames_read == 0
    finally:
        assert source.stop()


def test_a_source_starts_once(tmp_path: Path) -> None:
    """Starting a source twice is a programming error."""
    source = LiveSource(str(tmp_path / "missing.mp4"), SourceSettings(), StatusLog())
    source.start()
    try:
        with pytest.raises(RuntimeError):
            source.start()
    finally:
        assert source.stop()


def test_a_pushed_source_keeps_the_newest_and_skips_bad_images(
    face_media: FaceMedia, caplog: pytest.LogCaptureFixture
) -> None:
    """Only the newest pushed image is decoded; bad ones are logged once and skipped."""
    wake = threading.Event()
    source = PushedSource(wake=wake, name="doorbell")
    source.start()
    assert source.take() is None
    assert not source.wait_for_frame(0.01)
    assert not source.ended
    photo = face_media.photo
    with caplog.at_level(logging.INFO):
        source.push(b"not an image", 1000.0)
        assert wake.is_set()
        assert source.take() is None
        source.push(b"\xff\xd8 still not", 1001.0)
        assert source.take() is None
        source.push(photo[:300], 1002.0)
        assert source.take() is None
        assert source.last_error is not None
        assert source.last_error.code == "not_an_image"
        warnings = [r for r in caplog.records if "doorbell" in r.getMessage()]
        # A failing camera is logged once, not per image.
        assert [r.levelno for r in warnings] == [logging.WARNING]
        assert "a pushed image was skipped" in warnings[0].getMessage()

        source.push(b"replaced before it is taken", 1003.0)
        source.push(photo, 1004.0)
        assert source.wait_for_frame(0.1)
        frame = source.take()
    assert frame is not None
    assert frame.timestamp == 1004.0
    np.testing.assert_array_equal(frame.rgb(), decode(photo))
    assert frame.rgb().flags["C_CONTIGUOUS"]
    assert source.last_error is None
    recovered = [r for r in caplog.records if "can be read again" in r.getMessage()]
    assert [r.levelno for r in recovered] == [logging.INFO]
    assert source.frames_read == 5
    assert source.newest_pts == frame.pts
    assert source.take() is None

    # Images pushed before the due pts are not analysed; pts never go back.
    source.request(frame.pts + 3600)
    source.push(photo, 900.0)
    assert source.newest_pts > frame.pts
    assert source.take() is None
    source.push(photo, 1005.0)
    assert source.take() is None
    assert not source.ended
    assert source.stop()
    assert not source.wait_for_frame(0.01), "stopping drops the image not yet taken"


def test_probe_reads_one_frame_or_says_why(camera: MjpegServer, tmp_path: Path) -> None:
    """A probe returns one frame of a working source, and the reason for a broken one."""
    frame, detail, reason = probe(camera.url, timeout=2)
    assert frame is not None
    assert (frame.width, frame.height) == (512, 512)
    assert (detail, reason) == (None, None)
    frame, detail, reason = probe(str(tmp_path / "missing.mp4"), timeout=2)
    assert frame is None
    assert (detail, reason) == ("the file does not exist", "not_found")
    camera.stop()
    threads = set(threading.enumerate())
    assert probe(camera.url, timeout=2) == (None, "the connection was refused", "refused")
    assert set(threading.enumerate()) == threads


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Write the astronaut's videos once: 3 s at 10 fps, 3 s at 1 fps, and one without frames."""
    folder = tmp_path_factory.mktemp("videos")
    paths = {
        "long": folder / "long.mp4",
        "slow": folder / "slow.mp4",
        "empty": folder / "empty.avi",
    }
    write_face_video(str(paths["long"]), frames=30, fps=10.0)
    write_face_video(str(paths["slow"]), frames=3, fps=1.0)
    write_video(paths["empty"], [], 10.0)
    return paths


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
