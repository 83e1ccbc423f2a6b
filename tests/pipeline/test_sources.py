"""Sources against a real MJPEG camera on loopback, real video files and a hanging pipe."""

from __future__ import annotations

from collections.abc import Callable
import contextlib
import itertools
import logging
import os
from pathlib import Path
import threading
import time

import cv2
import numpy as np
import pytest

from custom_components.openeye.pipeline.messages import SourceStatus
from custom_components.openeye.pipeline.settings import SourceSettings
from custom_components.openeye.pipeline.sources import (
    Frame,
    LiveSource,
    PushedSource,
    file_path,
    is_stream_url,
    probe,
    redact,
)
from tests.media import media, requires_media
from tests.pipeline.leaks import open_fds
from tests.pipeline.mjpeg_server import MjpegServer, astronaut_frames

# Short timeouts and back-off keep the fault tests to a few seconds each.
FAST = SourceSettings(
    open_timeout=1.0, read_timeout=1.0, backoff_initial=0.2, backoff_max=1.0, realtime=True
)

type Status = tuple[float, SourceStatus, str | None, float | None]


class StatusLog:
    """Records a source's status reports with the time they arrived, for tests to wait on."""

    def __init__(self) -> None:
        """Start with no report."""
        self.reports: list[Status] = []
        self._cond = threading.Condition()
        self.started = time.monotonic()

    def __call__(self, status: SourceStatus, detail: str | None, retry_in: float | None) -> None:
        """Record one report (called from the source's threads)."""
        with self._cond:
            self.reports.append((time.monotonic() - self.started, status, detail, retry_in))
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
    source = LiveSource("rtsp://admin:s3cret@127.0.0.1:9/x", SourceSettings(), StatusLog())
    assert "s3cret" not in source._name


def test_mjpeg_stream_delivers_the_newest_frame_and_converts_only_what_is_taken(
    camera: MjpegServer,
) -> None:
    """Frames flow; only taken frames are converted; stop leaves no thread and no descriptor."""
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
        # BGR, as the analyzer wants: the same pixels as OpenCV's own decoding.
        expected = cv2.imdecode(np.frombuffer(camera.frames[0], np.uint8), cv2.IMREAD_COLOR)
        assert frame.image.shape == expected.shape == (512, 512, 3)
        assert frame.image.dtype == np.uint8
        assert abs(frame.timestamp - time.time()) < 2
        # Let frames flow without a consumer: they are read, not converted.
        converted = source.frames_converted
        time.sleep(0.6)
        assert source.frames_read >= 8
        assert source.frames_converted == converted
        assert source.take() is None
        assert source.wait_for_frame(2)
        second = source.take()
        assert second is not None
        assert second.pts > frame.pts
        assert source.frames_converted <= converted + 2
        assert log.statuses() == [SourceStatus.CONNECTING, SourceStatus.STREAMING]
    finally:
        assert source.stop()
    camera.stop()
    assert set(threading.enumerate()) == threads
    assert open_fds() == fds


def test_take_gives_a_fresh_frame_when_the_stored_one_went_stale(camera: MjpegServer) -> None:
    """A frame converted while the consumer was busy is replaced by a newer one when taken."""
    source = LiveSource(camera.url, FAST, StatusLog())
    source.start()
    try:
        assert source.wait_for_frame(5)
        # The consumer is busy: several newer frames arrive meanwhile.
        time.sleep(0.3)
        newest_before = source.newest_pts
        frame = source.take()
        assert frame is not None
        assert frame.pts > newest_before - 0.01
    finally:
        assert source.stop()


def test_request_skips_frames_before_the_due_pts(camera: MjpegServer) -> None:
    """A frame is converted only once the stream reaches the pts the consumer asked for."""
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
        assert report[2] == "the stream could not be opened"
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


class PipeCamera:
    """Writes MJPEG frames into a named pipe from a thread until told to go quiet."""

    def __init__(self, fifo: Path) -> None:
        """Open the pipe for writing (a reader must be opening it) and start writing."""
        self.fifo = fifo
        self.quiet = threading.Event()
        self._frames = astronaut_frames(2)
        self._fd = os.open(fifo, os.O_WRONLY)
        os.set_blocking(self._fd, False)
        self._thread = threading.Thread(target=self._write)
        self._thread.start()

    def _write(self) -> None:
        """Write whole frames, waiting whenever the pipe is full, until quiet."""
        index = 0
        while not self.quiet.is_set():
            data = memoryview(self._frames[index % 2])
            index += 1
            while data and not self.quiet.is_set():
                try:
                    data = data[os.write(self._fd, data) :]
                except BlockingIOError:
                    time.sleep(0.005)

    def close(self) -> None:
        """Stop writing and close the pipe: a reader blocked in read(2) gets end of file."""
        self.quiet.set()
        self._thread.join()
        os.close(self._fd)

    def release_openers(self, threads: set[threading.Thread]) -> None:
        """Let readers blocked in open(2) through until only ``threads`` are left."""
        deadline = time.monotonic() + 10
        while set(threading.enumerate()) - threads and time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                os.close(os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK))
            time.sleep(0.05)


def test_watchdog_abandons_a_read_that_ffmpeg_cannot_interrupt(tmp_path: Path) -> None:
    """A read blocked in the kernel (a pipe whose writer went quiet) is caught by the watchdog.

    FFmpeg's own timeout is never consulted while read(2) blocks on a pipe, so
    only the watchdog can notice; the stuck thread is abandoned and ends as soon
    as its read returns.
    """
    threads = set(threading.enumerate())
    fifo = tmp_path / "camera.mjpeg"
    os.mkfifo(fifo)
    settings = SourceSettings(
        open_timeout=0.5, read_timeout=0.5, backoff_initial=0.2, backoff_max=0.5, realtime=False
    )
    log = StatusLog()
    source = LiveSource(str(fifo), settings, log)
    source.start()
    pipe = PipeCamera(fifo)
    try:
        # Take frames; after a few the writer goes quiet, and once FFmpeg has
        # used up what it buffered, its read blocks.
        taken = 0
        last_frame = 0.0
        while SourceStatus.RECONNECTING not in log.statuses():
            if source.wait_for_frame(0.05) and source.take() is not None:
                last_frame = time.monotonic() - log.started
                taken += 1
            if taken >= 5:
                pipe.quiet.set()
            assert time.monotonic() - log.started < 20
        assert SourceStatus.STREAMING in log.statuses()
        report = log.wait_for_status(SourceStatus.RECONNECTING, 0)
        assert report[2] == "no answer from the source for 0.5 s"
        # The watchdog fires one grace second after FFmpeg's timeout would have.
        assert 1.3 < report[0] - last_frame < 3.0
    finally:
        pipe.close()
        source.request_stop()
        # Later attempts block in open(2) until a writer appears.
        pipe.release_openers(threads)
        assert source.stop(timeout=5)
    assert set(threading.enumerate()) == threads


@requires_media
def test_file_read_at_the_consumers_pace_then_ended() -> None:
    """A non-realtime file delivers exactly the due frames as fast as asked, then ENDED."""
    log = StatusLog()
    source = LiveSource(str(media("short_hamilton_clip.mp4")), SourceSettings(realtime=False), log)
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
            assert frame.image.shape == (360, 640, 3)
            taken.append(frame.pts)
            due = frame.pts + 1.0
        assert source.ended
        assert log.statuses() == [
            SourceStatus.CONNECTING,
            SourceStatus.STREAMING,
            SourceStatus.ENDED,
        ]
        assert log.reports[-1][0] < 3, "not paced by the clock"
        assert len(taken) == 10
        assert taken[0] == 0.0
        assert all(1.0 <= b - a < 1.04 for a, b in itertools.pairwise(taken))
        # Every frame is read (decoded), only the taken ones are converted.
        assert source.frames_read == 275
        assert source.frames_converted == len(taken)
    finally:
        assert source.stop()


@requires_media
def test_realtime_file_loops_at_its_own_frame_rate(short_clip: Path) -> None:
    """A looping realtime file is paced by its timestamps and its pts keep increasing."""
    log = StatusLog()
    source = LiveSource(str(short_clip), SourceSettings(realtime=True, loop=True), log)
    source.start()
    seen: list[tuple[float, float]] = []
    try:
        deadline = time.monotonic() + 1.6
        while time.monotonic() < deadline:
            if source.wait_for_frame(1) and (frame := source.take()) is not None:
                seen.append((time.monotonic() - log.started, frame.pts))
        # 20 fps for 1.6 s, across three passes of the 0.5 s clip.
        assert 26 <= source.frames_read <= 36
        assert seen[-1][1] > 1.2
        assert all(b[1] > a[1] for a, b in itertools.pairwise(seen))
        # The pts follow the wall clock, as a live camera's would.
        assert all(abs((wall - seen[0][0]) - (pts - seen[0][1])) < 0.25 for wall, pts in seen)
        assert SourceStatus.ENDED not in log.statuses()
    finally:
        assert source.stop()


@requires_media
def test_realtime_file_without_loop_ends(short_clip: Path) -> None:
    """A realtime file without loop reports ENDED after about its duration."""
    log = StatusLog()
    source = LiveSource(str(short_clip), SourceSettings(realtime=True), log)
    source.start()
    try:
        ended = log.wait_for_status(SourceStatus.ENDED, 5)
        assert 0.4 < ended[0] < 2.0
        assert source.frames_read == 10
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
        assert failed[2] == "the file could not be opened"
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


@requires_media
def test_pushed_source_keeps_the_newest_and_skips_bad_images(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only the newest pushed image is decoded (BGR); a bad one is logged once and skipped."""
    wake = threading.Event()
    source = PushedSource(wake=wake, name="doorbell")
    source.start()
    assert source.take() is None
    assert not source.wait_for_frame(0.01)
    with caplog.at_level(logging.WARNING):
        source.push(b"not an image", 1000.0)
        assert wake.is_set()
        assert source.take() is None
        source.push(b"\xff\xd8 still not", 1001.0)
        assert source.take() is None
    assert source.last_error is not None
    assert source.last_error.code == "not_an_image"
    warnings = [r for r in caplog.records if "doorbell" in r.getMessage()]
    assert len(warnings) == 1, "a failing camera is logged once, not per image"

    data = media("obama_small.jpg").read_bytes()
    source.push(b"replaced before it is taken", 1002.0)
    source.push(data, 1003.0)
    assert source.wait_for_frame(0.1)
    frame = source.take()
    assert frame is not None
    assert frame.timestamp == 1003.0
    expected = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    np.testing.assert_array_equal(frame.image, expected)
    assert frame.image.flags["C_CONTIGUOUS"]
    assert source.last_error is None
    assert source.frames_read == 4
    assert source.newest_pts == frame.pts
    assert source.take() is None

    # Images pushed before the due pts are not analysed.
    source.request(frame.pts + 3600)
    source.push(data, 1004.0)
    assert source.take() is None
    assert not source.ended
    assert source.stop()


def test_probe_reads_one_frame_or_says_why(camera: MjpegServer, tmp_path: Path) -> None:
    """A probe returns one frame of a working source, and the reason for a broken one."""
    frame, detail = probe(camera.url, timeout=2)
    assert frame is not None
    assert frame.image.shape == (512, 512, 3)
    assert detail is None
    frame, detail = probe(str(tmp_path / "missing.mp4"), timeout=2)
    assert frame is None
    assert detail == "the file could not be opened"
    camera.stop()
    threads = set(threading.enumerate())
    frame, detail = probe(camera.url, timeout=2)
    assert (frame, detail) == (None, "the stream could not be opened")
    assert set(threading.enumerate()) == threads
