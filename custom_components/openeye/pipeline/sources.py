"""Frames in: streams and video files read in a thread, and still images pushed by the owner.

A :class:`LiveSource` reads an RTSP, HTTP(S) MJPEG or local video file with
PyAV (see :mod:`.video_input`). Its thread decodes every picture (which a
compressed video needs to reach the next one) and hands over only the
pictures that the consumer has asked for, unconverted: the consumer converts
what its analysis needs (see :mod:`.frames`). Frames are dropped, never
queued: the consumer always gets the newest one, and latency cannot grow
however slow the analysis is.

A :class:`PushedSource` holds the newest still image that the owner pushed
(for cameras without a stream) and decodes it only when it is taken.
"""

from __future__ import annotations

from collections.abc import Callable
import enum
import logging
import math
import threading
import time
from typing import TYPE_CHECKING, NamedTuple, Protocol
from urllib.parse import urlsplit, urlunsplit

from .frames import Frame
from .images import ImageError, decode_image
from .messages import SourceStatus
from .settings import SourceSettings
from .video_input import DecodedPicture, VideoInput, VideoOpenError, is_stream_url

if TYPE_CHECKING:
    from collections.abc import Iterator

_LOGGER = logging.getLogger(__name__)

# Opening has failed this many times in a row: the source counts as failed.
FAILURES_BEFORE_FAILED = 5
# FFmpeg checks its own open and read timeouts about every 100 ms while it
# waits on the network. The watchdog gives it this much longer before it
# declares a call hung (a read of a pipe, a DNS lookup: calls FFmpeg cannot
# interrupt), so that the two never race in the normal case.
WATCHDOG_GRACE = 1.0
# Frame interval assumed for a file that does not announce its frame rate.
DEFAULT_FRAME_INTERVAL = 0.1
# A realtime file that has fallen this far behind its clock starts a new clock
# instead of rushing through the backlog.
MAX_PACING_LAG = 1.0

# Called with the new status, a message that says why (for people), the
# seconds until the next attempt, and the reason as a stable code (for
# programs: see VideoOpenError; ``lost`` for a stream that broke off).
type StatusCallback = Callable[[SourceStatus, str | None, float | None, str | None], None]


class ProbeOutcome(NamedTuple):
    """What a probe found: one frame, or why there is none (a message and a reason code)."""

    frame: Frame | None
    detail: str | None
    reason: str | None


class Source(Protocol):
    """What the worker needs of any source: frames on request, and counts."""

    def start(self) -> None:
        """Begin reading."""

    def request_stop(self) -> None:
        """Ask the source to stop without waiting for it."""

    def stop(self, timeout: float | None = None) -> bool:
        """Stop and release everything; return False if a thread could not be joined."""

    def request(self, min_pts: float) -> None:
        """Ask for the first frame at or after ``min_pts`` (source seconds)."""

    def take(self) -> Frame | None:
        """Return the newest frame not yet taken, or None."""

    @property
    def frames_read(self) -> int:
        """Return how many frames (or images) the source has received."""

    @property
    def newest_pts(self) -> float:
        """Return the pts of the newest frame received (0 before the first)."""

    @property
    def ended(self) -> bool:
        """Return whether the source will never deliver another frame."""


def redact(source: str) -> str:
    """Return a source without the password of its URL, for names and log messages."""
    if not is_stream_url(source):
        return source
    parts = urlsplit(source)
    if parts.password is None:
        return source
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


class _Outcome(enum.Enum):
    """How one attempt to read a source ended."""

    FAILED_OPEN = enum.auto()
    LOST = enum.auto()
    HUNG = enum.auto()
    ENDED = enum.auto()
    STOPPED = enum.auto()


class _Session:
    """One attempt to open a source and read it, in its own thread.

    A call into FFmpeg that never returns cannot be interrupted from Python,
    and closing the container under it from another thread would crash the
    process. So the watchdog abandons such a session: its thread is left to
    release its container if the call ever returns, and a new session opens the
    source again.
    """

    def __init__(self, number: int) -> None:
        """Prepare attempt number ``number``; the thread is started by the source."""
        self.number = number
        self.thread: threading.Thread | None = None
        # The monotonic time by which the current blocking call should have
        # returned, and the timeout it was given; None while not in FFmpeg.
        self.deadline: float | None = None
        self.timeout = 0.0
        self.abandoned = False
        self.streamed = False
        self.outcome = _Outcome.STOPPED
        self.detail: str | None = None
        self.reason: str | None = None
        self.done = threading.Event()
        # A realtime file's pacing clock (monotonic time at pts 0), kept across
        # the passes of a looping file: its timeline continues, so does its pace.
        self.clock: float | None = None


class LiveSource:
    """Reads a stream or a video file in a thread, reopening it with back-off when it fails."""

    def __init__(
        self,
        url: str,
        settings: SourceSettings,
        on_status: StatusCallback,
        *,
        wake: threading.Event | None = None,
        name: str = "",
    ) -> None:
        """Prepare to read ``url``; nothing happens before :meth:`start`.

        ``on_status`` is called from the source's threads whenever its state
        changes; ``wake`` is set whenever a requested frame is ready or the
        state changes, so that a consumer can sleep on one event for many sources.
        """
        self.url = url
        self.settings = settings
        self._on_status = on_status
        self._wake = wake
        self._name = name or redact(url)
        self._is_file = not is_stream_url(url)
        # Files read as fast as the consumer asks; streams (and realtime
        # files) run at their own pace and the consumer gets the newest frame.
        self._paced_by_consumer = self._is_file and not settings.realtime
        self._stopping = threading.Event()
        self._cond = threading.Condition()
        self._status_lock = threading.RLock()
        self._status: SourceStatus | None = None
        self._supervisor: threading.Thread | None = None
        self._sessions: list[_Session] = []
        # Frame exchange with the consumer, guarded by _cond.
        self._frames_read = 0
        self._frames_kept = 0
        self._newest_pts = 0.0
        self._min_pts: float | None = None
        self._stored: Frame | None = None
        self._frame_interval = DEFAULT_FRAME_INTERVAL
        self._ended = False
        # Live pts are seconds on this clock since the source started.
        self._clock_start = time.monotonic()

    # Consumer side ------------------------------------------------------

    @property
    def frames_read(self) -> int:
        """Return how many frames have been read (grabbed) since the source started."""
        with self._cond:
            return self._frames_read

    @property
    def frames_kept(self) -> int:
        """Return how many frames were kept for the consumer; the others were never due."""
        with self._cond:
            return self._frames_kept

    @property
    def newest_pts(self) -> float:
        """Return the pts of the newest frame read (0 before the first)."""
        with self._cond:
            return self._newest_pts

    @property
    def status(self) -> SourceStatus | None:
        """Return the last status reported (None before :meth:`start`)."""
        with self._status_lock:
            return self._status

    @property
    def ended(self) -> bool:
        """Return whether a file without loop has reached its end."""
        with self._cond:
            return self._ended

    def request(self, min_pts: float = -math.inf) -> None:
        """Ask for the frames read at or after ``min_pts`` (source seconds).

        A stored frame that is older than ``min_pts`` is dropped: it is no
        longer due.
        """
        with self._cond:
            if self._stored is not None and self._stored.pts >= min_pts:
                return
            self._stored = None
            self._min_pts = min_pts
            self._cond.notify_all()

    def take(self) -> Frame | None:
        """Return the newest due frame not yet taken, or None.

        A stream keeps the newest due frame for the consumer, replacing an
        older one that was not taken (keeping one costs nothing: it is not
        converted), so what is analysed is never older than the last frame
        read. A file read at the consumer's pace decodes its next due frame
        only once the previous one has been taken.
        """
        with self._cond:
            frame = self._stored
            self._stored = None
            if frame is not None:
                # A file read at the consumer's pace decodes its next frame
                # only when asked; a stream keeps the newest frame from now on,
                # until the consumer says which frames are due.
                self._min_pts = None if self._paced_by_consumer else -math.inf
            elif self._min_pts is None:
                # Nothing has been asked for yet: any frame will do.
                self._min_pts = -math.inf
            self._cond.notify_all()
            return frame

    def wait_for_frame(self, timeout: float) -> bool:
        """Wait until a frame can be taken; return False on timeout, stop or end."""
        with self._cond:
            if self._stored is None and self._min_pts is None:
                self._min_pts = -math.inf
                self._cond.notify_all()
            self._cond.wait_for(
                lambda: self._stored is not None or self._stopping.is_set() or self._ended,
                timeout=timeout,
            )
            return self._stored is not None

    # Life cycle -----------------------------------------------------------

    def start(self) -> None:
        """Start reading in a thread."""
        if self._supervisor is not None:
            raise RuntimeError("the source has already been started")
        self._clock_start = time.monotonic()
        self._supervisor = threading.Thread(
            target=self._supervise, name=f"openeye-source {self._name}", daemon=True
        )
        self._supervisor.start()

    def request_stop(self) -> None:
        """Ask the threads to stop; :meth:`stop` waits for them."""
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()

    def stop(self, timeout: float | None = None) -> bool:
        """Stop reading, release the source and join every thread.

        A thread can only be joined once FFmpeg returns from the call it is
        in, which its own timeouts bound; ``timeout`` defaults to that bound.
        Returns False if a thread stuck in a call FFmpeg cannot interrupt had
        to be left behind (it is a daemon thread and releases its container if
        the call ever returns). With ``timeout=0`` this only checks, quietly.
        """
        self.request_stop()
        if timeout is None:
            timeout = max(self.settings.open_timeout, self.settings.read_timeout) + WATCHDOG_GRACE
        deadline = time.monotonic() + timeout
        # The supervisor first: once it has ended, no new session can appear.
        if self._supervisor is not None:
            self._supervisor.join(max(deadline - time.monotonic(), 0.0))
        threads = [s.thread for s in self._sessions if s.thread is not None]
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        alive = [
            thread
            for thread in (self._supervisor, *threads)
            if thread is not None and thread.is_alive()
        ]
        if alive and timeout > 0:
            _LOGGER.warning(
                "Source %s: %d thread(s) stuck in FFmpeg are left behind", self._name, len(alive)
            )
        return not alive

    # Status ----------------------------------------------------------------

    def _report(
        self,
        status: SourceStatus,
        detail: str | None = None,
        retry_in: float | None = None,
        reason: str | None = None,
    ) -> None:
        """Tell the owner about a state change; FAILED is reported once until frames flow."""
        with self._status_lock:
            if status is SourceStatus.FAILED and self._status is SourceStatus.FAILED:
                return
            if status is SourceStatus.STREAMING and self._status is SourceStatus.STREAMING:
                return
            self._status = status
            self._on_status(status, detail, retry_in, reason)
        if self._wake is not None:
            self._wake.set()

    # The supervisor thread ------------------------------------------------

    def _supervise(self) -> None:
        """Open, watch and reopen the source with exponential back-off until stopped."""
        failures = 0
        delay = self.settings.backoff_initial
        number = 0
        self._report(SourceStatus.CONNECTING)
        while not self._stopping.is_set():
            number += 1
            session = _Session(number)
            session.thread = threading.Thread(
                target=self._read,
                args=(session,),
                name=f"openeye-capture {self._name} #{number}",
                daemon=True,
            )
            self._sessions = [
                s for s in self._sessions if s.thread is not None and s.thread.is_alive()
            ]
            self._sessions.append(session)
            session.thread.start()
            self._watch(session)
            if self._stopping.is_set():
                break
            if session.outcome is _Outcome.ENDED:
                with self._cond:
                    self._ended = True
                    self._cond.notify_all()
                self._report(SourceStatus.ENDED, "the file has ended")
                break
            if session.streamed:
                failures = 0
                delay = self.settings.backoff_initial
            else:
                failures += 1
            if failures >= FAILURES_BEFORE_FAILED:
                wait = self.settings.backoff_max
                self._report(SourceStatus.FAILED, session.detail, wait, session.reason)
            else:
                wait = delay
                delay = min(delay * 2, self.settings.backoff_max)
                self._report(SourceStatus.RECONNECTING, session.detail, wait, session.reason)
            self._stopping.wait(wait)

    def _watch(self, session: _Session) -> None:
        """Wait for the session to end; abandon it if FFmpeg is stuck past its timeout."""
        interval = min(0.1, max(self.settings.read_timeout, 0.01) / 4)
        while not session.done.wait(interval):
            if self._stopping.is_set():
                return
            with self._cond:
                deadline, timeout = session.deadline, session.timeout
                if deadline is None or time.monotonic() <= deadline + WATCHDOG_GRACE:
                    continue
                session.abandoned = True
                session.outcome = _Outcome.HUNG
                session.detail = f"no answer from the source for {timeout:g} s"
                session.reason = "timeout"
            _LOGGER.debug("Source %s: attempt %d hung, abandoned", self._name, session.number)
            return

    def _finish(
        self,
        session: _Session,
        outcome: _Outcome,
        detail: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Record how a session ended, unless the watchdog has already abandoned it."""
        with self._cond:
            if not session.abandoned:
                session.outcome = outcome
                session.detail = detail
                session.reason = reason

    # Session threads ------------------------------------------------------

    def _expect(self, session: _Session, timeout: float | None) -> None:
        """Arm (or with None, disarm) the watchdog for the next blocking call."""
        with self._cond:
            session.timeout = timeout or 0.0
            session.deadline = None if timeout is None else time.monotonic() + timeout

    def _open(self, session: _Session) -> VideoInput | None:
        """Open the source with FFmpeg's own timeouts; None (and the reason) on failure."""
        self._expect(session, self.settings.open_timeout)
        try:
            video = VideoInput(self.url, self.settings.open_timeout, self.settings.read_timeout)
        except VideoOpenError as err:
            self._expect(session, None)
            self._finish(session, _Outcome.FAILED_OPEN, err.detail, err.reason)
            return None
        self._expect(session, None)
        interval = video.frame_interval
        if self._is_file and interval is not None:
            with self._cond:
                self._frame_interval = interval
        return video

    def _read(self, session: _Session) -> None:
        """Open the source and read frames until it fails, ends, hangs or is stopped."""
        video = None
        try:
            video = self._open(session)
            while video is not None and not self._stopping.is_set() and not session.abandoned:
                again = self._read_pass(session, video)
                if not again:
                    break
                # A looping file: start it again, continuing its timeline.
                video.close()
                video = self._open(session)
        except Exception:  # pragma: no cover - a defect in PyAV or here; keep the worker alive
            _LOGGER.exception("Source %s: reading failed", self._name)
            self._finish(session, _Outcome.LOST, "reading the source failed", "broken")
        finally:
            if video is not None:
                video.close()
            session.done.set()

    def _read_pass(self, session: _Session, video: VideoInput) -> bool:
        """Read frames from an open source; return True when a looping file should restart."""
        pass_frames = 0
        with self._cond:
            # A file read again (looping, or reopened) continues its timeline
            # one frame after the newest pts, so pts never go back.
            pts_base = self._newest_pts + self._frame_interval if self._frames_read else 0.0
        pictures = video.pictures()
        while not self._stopping.is_set():
            if self._paced_by_consumer and not self._wait_for_request(session):
                return False
            self._expect(session, self.settings.read_timeout)
            started = time.monotonic()
            picture, error = _next_picture(pictures)
            self._expect(session, None)
            if session.abandoned or self._stopping.is_set():
                return False
            if picture is None:
                return self._end_of_pass(session, pass_frames, started, error)
            timestamp = time.time()
            # A file keeps its own timeline; a stream's pts is the time it was read.
            pts = pts_base + picture.pts if self._is_file else time.monotonic() - self._clock_start
            pass_frames += 1
            if not session.streamed:
                session.streamed = True
                self._report(SourceStatus.STREAMING)
            if self._is_file and self.settings.realtime:
                session.clock = self._pace(pts, session.clock)
                if self._stopping.is_set():
                    return False
            self._publish(session, picture, pts, timestamp)
        return False

    def _end_of_pass(
        self, session: _Session, pass_frames: int, started: float, error: VideoOpenError | None
    ) -> bool:
        """Decide what the end of the pictures means: a file's end (loop or not) or a loss."""
        if self._is_file and pass_frames and error is None:
            if self.settings.loop:
                return True
            self._finish(session, _Outcome.ENDED)
            return False
        if error is not None:
            detail, reason = error.detail, error.reason
        elif time.monotonic() - started >= self.settings.read_timeout * 0.9:
            detail, reason = f"no frame for {self.settings.read_timeout:g} s", "timeout"
        elif self._is_file:
            detail, reason = "the file has no frame that can be read", "not_a_video"
        else:
            detail, reason = "the stream ended or broke off", "lost"
        self._finish(session, _Outcome.LOST, detail, reason)
        return False

    def _wait_for_request(self, session: _Session) -> bool:
        """Wait (consumer-paced files) until a frame is wanted; False when stopping."""
        with self._cond:
            self._cond.wait_for(
                lambda: (
                    self._stopping.is_set()
                    or session.abandoned
                    or (self._min_pts is not None and self._stored is None)
                )
            )
            return not self._stopping.is_set() and not session.abandoned

    def _pace(self, pts: float, clock: float | None) -> float:
        """Wait until a realtime file's frame is due; return the clock (monotonic at pts 0)."""
        now = time.monotonic()
        if clock is None or now - (clock + pts) > MAX_PACING_LAG:
            return now - pts
        self._stopping.wait(max(clock + pts - now, 0.0))
        return clock

    def _publish(
        self, session: _Session, picture: DecodedPicture, pts: float, timestamp: float
    ) -> None:
        """Count a decoded picture, and keep it if the consumer wants it."""
        with self._cond:
            self._frames_read += 1
            self._newest_pts = pts
            if session.abandoned or self._min_pts is None or pts < self._min_pts:
                return
            if self._paced_by_consumer:
                # The consumer asked for this one frame; the next waits for its request.
                self._min_pts = None
            self._frames_kept += 1
            self._stored = Frame(picture.video, pts, timestamp)
            self._cond.notify_all()
        if self._wake is not None:
            self._wake.set()


def _next_picture(
    pictures: Iterator[DecodedPicture],
) -> tuple[DecodedPicture | None, VideoOpenError | None]:
    """Return the next decoded picture, or None and the error that ended the pictures."""
    try:
        return next(pictures, None), None
    except VideoOpenError as err:
        return None, err


class PushedSource:
    """Holds the newest still image pushed by the owner and decodes it when taken.

    Images that are replaced before they are taken are never decoded. A bad
    image is logged (a warning once, until a good image arrives) and skipped.
    """

    def __init__(self, *, wake: threading.Event | None = None, name: str = "") -> None:
        """Prepare an empty source; ``wake`` is set when an image arrives."""
        self._wake = wake
        self._name = name
        self._lock = threading.Lock()
        self._data: bytes | None = None
        self._timestamp = 0.0
        self._pts = 0.0
        self._min_pts = -math.inf
        self._frames_read = 0
        self._clock_start = time.monotonic()
        self._failing = False
        self._arrived = threading.Condition(self._lock)
        self.last_error: ImageError | None = None

    @property
    def frames_read(self) -> int:
        """Return how many images have been pushed."""
        with self._lock:
            return self._frames_read

    @property
    def newest_pts(self) -> float:
        """Return the pts of the newest image pushed (seconds since the source started)."""
        with self._lock:
            return self._pts

    @property
    def ended(self) -> bool:
        """Return False: the owner may always push another image."""
        return False

    def start(self) -> None:
        """Do nothing: the owner pushes."""

    def request_stop(self) -> None:
        """Drop any image not yet taken."""
        with self._lock:
            self._data = None

    def stop(self, timeout: float | None = None) -> bool:
        """Drop any image not yet taken; there is no thread to join."""
        self.request_stop()
        return True

    def push(self, data: bytes, timestamp: float) -> None:
        """Keep ``data`` as the newest image, replacing one not yet taken."""
        with self._lock:
            self._data = data
            self._timestamp = timestamp
            # The pts is the source's own monotonic clock: pushed wall-clock
            # timestamps can repeat or go back when the clock is set.
            self._pts = max(time.monotonic() - self._clock_start, self._pts + 1e-6)
            self._frames_read += 1
            self._arrived.notify_all()
        if self._wake is not None:
            self._wake.set()

    def request(self, min_pts: float = -math.inf) -> None:
        """Only take images pushed at or after ``min_pts``."""
        with self._lock:
            self._min_pts = min_pts

    def take(self) -> Frame | None:
        """Decode and return the newest image not yet taken, or None."""
        with self._lock:
            data, pts, timestamp = self._data, self._pts, self._timestamp
            self._data = None
            if data is None or pts < self._min_pts:
                return None
        try:
            rgb = decode_image(data)
        except ImageError as err:
            self.last_error = err
            if not self._failing:
                self._failing = True
                _LOGGER.warning("Camera %s: a pushed image was skipped: %s", self._name, err)
            return None
        if self._failing:
            self._failing = False
            _LOGGER.info("Camera %s: pushed images can be read again", self._name)
        self.last_error = None
        return Frame.from_rgb(rgb, pts, timestamp)

    def wait_for_frame(self, timeout: float) -> bool:
        """Wait until an image is waiting to be taken; False on timeout."""
        with self._arrived:
            return self._arrived.wait_for(lambda: self._data is not None, timeout=timeout)


def probe(url: str, timeout: float) -> ProbeOutcome:
    """Open a stream or file, read one frame and release it: the frame, or None and why.

    Used to test a camera's address before it is saved. No attempt is
    repeated within ``timeout``: the first failure is the answer.
    """
    details: list[tuple[str, str | None]] = []

    def on_status(
        status: SourceStatus, detail: str | None, retry_in: float | None, reason: str | None
    ) -> None:
        """Keep the reason of a failure."""
        if detail is not None and status is not SourceStatus.ENDED:
            details.append((detail, reason))

    settings = SourceSettings(
        open_timeout=timeout,
        read_timeout=timeout,
        backoff_initial=timeout + WATCHDOG_GRACE,
        backoff_max=timeout + WATCHDOG_GRACE,
        realtime=False,
    )
    source = LiveSource(url, settings, on_status, name=f"probe {redact(url)}")
    source.start()
    try:
        deadline = time.monotonic() + timeout + WATCHDOG_GRACE
        frame = None
        # Wait for the frame or the first failure, whichever comes first.
        while frame is None and not details and time.monotonic() < deadline:
            if source.wait_for_frame(min(0.1, max(deadline - time.monotonic(), 0.0))):
                frame = source.take()
            elif source.ended:
                break
    finally:
        # An attempt stuck in a call FFmpeg cannot interrupt is left behind
        # (it ends when the call returns) rather than holding the answer up.
        source.stop(timeout=WATCHDOG_GRACE)
    if frame is not None:
        return ProbeOutcome(frame, None, None)
    if details:
        return ProbeOutcome(None, *details[0])
    return ProbeOutcome(None, f"no frame within {timeout:g} s", "timeout")
