"""OpenEye's command line: scan a stream, a video or a photo against a folder of known faces.

    python -m custom_components.openeye.pipeline scan SOURCE --gallery DIR
        [--tolerance T] [--realtime] [--json] [--duration S] [--crops]

The gallery folder holds one folder per person, named after the person, with
one or more photos of that person. What each photo gave is remembered in the
cache folder (``~/.cache/openeye``, see cache.py), so a second scan of the
same gallery encodes only the photos that changed. SOURCE is a stream URL
(rtsp://, http://...), a video file or a JPEG/PNG photo. The analysis runs in this process, with the
same analyzer that Home Assistant's workers use.

A video file is read as fast as possible by default, driven by its own
timestamps; ``--realtime`` reads it at its frame rate instead, as a live camera
would deliver it (frames are dropped when the analysis falls behind). Streams
are always read live, until they end, ``--duration`` seconds have passed, or
Ctrl-C.

``python -m custom_components.openeye.pipeline`` runs the integration's
``__init__`` first, which imports Home Assistant; where Home Assistant is not
installed, ``python custom_components/openeye/pipeline/bootstrap.py __main__
scan ...`` runs the same command without it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace
import json
import logging
import os
from pathlib import Path
import queue
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from . import remote_worker, wire
from .analyzer import CameraAnalyzer
from .engine import EngineUnavailableError, FaceEngine
from .file_reader import SourceOpenError, VideoFileReader
from .gallery import KnownFaces
from .gallery_cache import GalleryCache, PhotoOutcome
from .messages import (
    CameraResult,
    FaceDetected,
    FaceLost,
    FaceRecognized,
    Figures,
    ImageAnalysis,
    MotionEnded,
    MotionStarted,
    SourceStatus,
    SourceStatusChanged,
    UnknownFace,
    result_to_dict,
)
from .mqtt_link import (
    DEFAULT_HEARTBEAT,
    DEFAULT_KEEPALIVE,
    DEFAULT_PREFIX,
    LinkError,
    LinkOptions,
    check_name,
    parse_broker_url,
)
from .remote_worker import RemoteWorkerOptions
from .settings import AnalysisSettings, SourceSettings
from .sources import LiveSource, redact
from .still import analyze_still
from .video_input import file_path, is_stream_url

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from .frames import Frame
    from .mqtt_link import Codec

EXIT_OK = 0
EXIT_ERROR = 1
CAMERA_ID = "scan"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
# How long the live loop waits for a frame before it looks at the source's state again.
FRAME_WAIT = 0.2
# The progress bar is redrawn at most this often (seconds), and this wide (characters).
PROGRESS_INTERVAL = 0.2
PROGRESS_WIDTH = 30

type ResultCallback = Callable[[Any], None]
type ProgressCallback = Callable[[int, int], None]


class ScanError(Exception):
    """The scan cannot run; ``code`` is stable for scripts, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        """Keep a stable reason code beside the message."""
        super().__init__(message)
        self.code = code


@dataclass(slots=True)
class ScanSummary:
    """What a scan did, in figures: printed last, and returned to the benchmark."""

    source: str
    mode: str
    frames_read: int = 0
    frames_analysed: int = 0
    detections: int = 0
    # time.process_time() spent on the scan itself (reading and analysis, not
    # loading the engine or the gallery), and the wall-clock time it took.
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    people_seen: list[str] = field(default_factory=list)
    unknown_faces: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as a JSON-ready dict of type ``summary``."""
        return {
            "type": "summary",
            "source": self.source,
            "mode": self.mode,
            "frames_read": self.frames_read,
            "frames_analysed": self.frames_analysed,
            "detections": self.detections,
            "cpu_seconds": round(self.cpu_seconds, 3),
            "wall_seconds": round(self.wall_seconds, 3),
            "people_seen": self.people_seen,
            "unknown_faces": self.unknown_faces,
        }


@dataclass(frozen=True, slots=True)
class GalleryWarning:
    """A gallery photo that was skipped, and why."""

    person: str
    file: str
    reason: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        """Return the warning as a JSON-ready dict of type ``gallery_warning``."""
        return {
            "type": "gallery_warning",
            "person": self.person,
            "file": self.file,
            "reason": self.reason,
            "detail": self.detail,
        }


# The gallery ------------------------------------------------------------------


def load_gallery(
    engine: FaceEngine,
    folder: Path,
    settings: AnalysisSettings,
    warn: Callable[[GalleryWarning], None],
    *,
    use_cache: bool = True,
) -> KnownFaces:
    """Return the known faces of a folder with one folder of photos per person.

    A photo that is not an image, shows no face or shows several faces is
    reported through ``warn`` and skipped. Raises :class:`ScanError` when the
    folder is missing or no photo gives a usable face. What each photo gave
    is remembered (see :mod:`.gallery_cache`) unless ``use_cache`` is False,
    so that the next load encodes only the photos that changed.
    """
    if not folder.is_dir():
        raise ScanError("gallery_missing", f"The gallery folder {folder} does not exist")
    cache = GalleryCache(folder, settings.still_upsample) if use_cache else None
    people: list[tuple[str, str, list[tuple[float, ...]]]] = []
    for entry in sorted(folder.iterdir()):
        if not entry.is_dir():
            if entry.suffix.lower() in IMAGE_SUFFIXES:
                warn(
                    GalleryWarning(
                        "",
                        str(entry),
                        "not_in_person_folder",
                        "photos belong in a folder named after the person",
                    )
                )
            continue
        encodings = [
            encoding
            for photo in sorted(entry.iterdir())
            if photo.is_file() and photo.suffix.lower() in IMAGE_SUFFIXES
            if (encoding := _photo_encoding(engine, entry.name, photo, settings, warn, cache=cache))
            is not None
        ]
        if encodings:
            people.append((entry.name, entry.name, encodings))
    if cache is not None:
        cache.save()
    if not people:
        raise ScanError(
            "gallery_empty",
            f"The gallery {folder} has no usable face: it needs one folder per person, "
            "each with at least one photo showing that person's face alone",
        )
    return KnownFaces.from_arrays(people)


def _photo_encoding(
    engine: FaceEngine,
    person: str,
    photo: Path,
    settings: AnalysisSettings,
    warn: Callable[[GalleryWarning], None],
    *,
    cache: GalleryCache | None,
) -> tuple[float, ...] | None:
    """Return the encoding of the one face of a gallery photo, or warn and return None."""
    data = photo.read_bytes()
    outcome = cache.get(data) if cache is not None else None
    if outcome is None:
        outcome = _analyse_photo(engine, data, settings)
        if cache is not None:
            cache.put(data, outcome)
    if outcome.encoding is None:
        warn(GalleryWarning(person, str(photo), outcome.reason or "no_face", outcome.detail))
    return outcome.encoding


def _analyse_photo(engine: FaceEngine, data: bytes, settings: AnalysisSettings) -> PhotoOutcome:
    """Return what a gallery photo gives: the encoding of its one face, or why there is none."""
    analysis = analyze_still(engine, data, KnownFaces(), settings, 0)
    if analysis.error is not None:
        return PhotoOutcome(reason=analysis.error, detail=analysis.error_detail or "")
    if not analysis.faces:
        return PhotoOutcome(reason="no_face", detail="no face was found in the photo")
    if len(analysis.faces) > 1:
        return PhotoOutcome(
            reason="several_faces",
            detail=f"{len(analysis.faces)} faces were found; a gallery photo must show one",
        )
    return PhotoOutcome(encoding=analysis.faces[0].encoding)


# Scanning -------------------------------------------------------------------


class _Scan:
    """Feeds frames to an analyzer and keeps the running figures of the scan."""

    def __init__(
        self,
        analyzer: CameraAnalyzer,
        summary: ScanSummary,
        on_result: ResultCallback,
    ) -> None:
        """Start a scan that reports every result to ``on_result``."""
        self.analyzer = analyzer
        self.summary = summary
        self._on_result = on_result
        self._figures_due = 0.0
        self._frames_read_reported = 0
        self.last_pts = 0.0
        self.last_timestamp = time.time()
        self._cpu_start = time.process_time()
        self._wall_start = time.perf_counter()

    def emit(self, result: Any) -> None:  # noqa: ANN401 - any result dataclass
        """Count a result and pass it on."""
        if isinstance(result, FaceRecognized) and result.person_name not in (
            self.summary.people_seen
        ):
            self.summary.people_seen.append(result.person_name)
        elif isinstance(result, UnknownFace):
            self.summary.unknown_faces += 1
        elif isinstance(result, Figures):
            self.summary.frames_analysed += result.frames_analysed
            self.summary.detections += result.detections
        self._on_result(result)

    def feed(self, frame: Frame, frames_read: int) -> None:
        """Analyse one frame; every ``figures_interval`` seconds, report figures."""
        self.last_pts, self.last_timestamp = frame.pts, frame.timestamp
        for event in self.analyzer.process(frame):
            self.emit(event)
        interval = self.analyzer.settings.figures_interval
        if frame.pts >= self._figures_due:
            if self._figures_due:
                self._figures(frames_read)
            self._figures_due = frame.pts + interval

    def _figures(self, frames_read: int) -> None:
        """Report the figures since the previous report."""
        self.emit(
            self.analyzer.figures(
                self.last_pts, self.last_timestamp, frames_read - self._frames_read_reported
            )
        )
        self._frames_read_reported = frames_read

    def close(self, frames_read: int, end_pts: float, end_timestamp: float) -> ScanSummary:
        """Finish the analyzer's timeline, report the last figures and complete the summary.

        ``end_pts`` and ``end_timestamp`` are those of the last frame read,
        which may come after the last frame analysed.
        """
        if end_pts > self.last_pts:
            self.last_pts, self.last_timestamp = end_pts, end_timestamp
        for event in self.analyzer.finish(self.last_pts, self.last_timestamp):
            self.emit(event)
        self._figures(frames_read)
        self.summary.frames_read = frames_read
        self.summary.cpu_seconds = time.process_time() - self._cpu_start
        self.summary.wall_seconds = time.perf_counter() - self._wall_start
        return self.summary


def scan_video(
    path: str,
    engine: FaceEngine,
    known: KnownFaces,
    settings: AnalysisSettings,
    on_result: ResultCallback,
    *,
    on_progress: ProgressCallback | None = None,
    duration: float | None = None,
) -> ScanSummary:
    """Scan a video file as fast as possible, driven by its timestamps.

    Every frame is grabbed; only frames the analyzer wants are converted.
    Raises :class:`ScanError` when the file cannot be opened or read.
    """
    analyzer = CameraAnalyzer(CAMERA_ID, engine, settings, known)
    scan = _Scan(analyzer, ScanSummary(path, "file"), on_result)
    try:
        reader = VideoFileReader(path, start_time=time.time())
    except SourceOpenError as err:
        raise ScanError("source_unavailable", str(err)) from err
    total = reader.frame_count
    try:
        for frame in reader.frames(analyzer.is_due):
            scan.feed(frame, reader.frames_read)
            if on_progress is not None:
                on_progress(reader.frames_read, total)
            if duration is not None and frame.pts >= duration:
                break
    except SourceOpenError as err:
        raise ScanError("source_unavailable", str(err)) from err
    finally:
        reader.close()
    if on_progress is not None:
        on_progress(reader.frames_read, max(total, reader.frames_read))
    return scan.close(reader.frames_read, reader.pts, reader.start_time + reader.pts)


def scan_live(
    source: str,
    engine: FaceEngine,
    known: KnownFaces,
    settings: AnalysisSettings,
    on_result: ResultCallback,
    *,
    on_progress: ProgressCallback | None = None,
    duration: float | None = None,
) -> ScanSummary:
    """Scan a stream, or a file at its own frame rate, as a live camera delivers it.

    The source reads in its own thread and the analysis always takes the
    newest frame that is due, so frames are dropped when it falls behind.
    The scan ends with the file, after ``duration`` seconds of the source's
    time, or on Ctrl-C. Raises :class:`ScanError` when the source cannot be
    opened at all.
    """
    stream = is_stream_url(source)
    total = 0 if stream else _probe_file(source)
    watch = _StatusWatch()
    live = LiveSource(source, SourceSettings(realtime=True, loop=False), watch.put, name=CAMERA_ID)
    analyzer = CameraAnalyzer(CAMERA_ID, engine, settings, known)
    scan = _Scan(analyzer, ScanSummary(source, "stream" if stream else "realtime"), on_result)
    live.start()
    try:
        while True:
            watch.drain(live, scan)
            live.request(analyzer.next_due())
            if live.wait_for_frame(FRAME_WAIT):
                frame = live.take()
                if frame is None:  # pragma: no cover - only a second consumer could take it first
                    continue
                scan.feed(frame, live.frames_read)
                if on_progress is not None and total:
                    on_progress(live.frames_read, total)
                if duration is not None and frame.pts >= duration:
                    break
            elif live.ended:
                break
    except KeyboardInterrupt:
        # Ctrl-C ends a live scan normally: the open tracks are decided and summarised.
        pass
    finally:
        live.stop()
    if on_progress is not None and total:
        on_progress(live.frames_read, max(total, live.frames_read))
    # The source's last words (such as the end of the file) arrive while it stops.
    watch.drain(live, scan)
    return scan.close(live.frames_read, live.newest_pts, time.time())


_FAILURES = frozenset({SourceStatus.RECONNECTING, SourceStatus.FAILED})


class _StatusWatch:
    """Collects a live source's status changes (from its threads) for the scan's thread."""

    def __init__(self) -> None:
        """Start with no status and no frame seen."""
        self._queue: queue.SimpleQueue[
            tuple[SourceStatus, str | None, float | None, str | None]
        ] = queue.SimpleQueue()
        self.streamed = False

    def put(
        self, status: SourceStatus, detail: str | None, retry_in: float | None, reason: str | None
    ) -> None:
        """Queue a status change; called from the source's threads."""
        self._queue.put((status, detail, retry_in, reason))

    def drain(self, live: LiveSource, scan: _Scan) -> None:
        """Report the queued changes.

        Raises :class:`ScanError` when the source fails before it ever
        delivered a frame: a wrong address or a broken file should be said at
        once rather than retried forever.
        """
        while not self._queue.empty():
            status, detail, retry_in, reason = self._queue.get()
            scan.emit(
                SourceStatusChanged(
                    CAMERA_ID, live.newest_pts, time.time(), status, detail, retry_in, reason
                )
            )
            if status is SourceStatus.STREAMING:
                self.streamed = True
            elif status in _FAILURES and not self.streamed:
                raise ScanError(
                    "source_unavailable",
                    f"{redact(live.url)}: {detail or 'it could not be opened'}",
                )


def _probe_file(path: str) -> int:
    """Return a video file's frame count (0 when unknown), or raise if it cannot be opened."""
    reader = None
    try:
        reader = VideoFileReader(file_path(path), start_time=0.0)
    except SourceOpenError as err:
        raise ScanError("source_unavailable", str(err)) from err
    reader.close()
    return reader.frame_count


def scan_image(
    path: str, engine: FaceEngine, known: KnownFaces, settings: AnalysisSettings
) -> ImageAnalysis:
    """Analyse one photo at full resolution, or raise :class:`ScanError` if unreadable."""
    analysis = analyze_still(engine, Path(path).read_bytes(), known, settings, 0)
    if analysis.error is not None:
        raise ScanError("source_unavailable", f"The photo {path}: {analysis.error_detail}")
    return analysis


# Output ---------------------------------------------------------------------


class Output:
    """Writes results as JSON lines or as a readable log, and the progress bar."""

    def __init__(
        self, json_lines: bool, crops: bool, out: TextIO, err: TextIO, progress: bool
    ) -> None:
        """Write results to ``out`` and warnings and the progress bar to ``err``."""
        self.json_lines = json_lines
        self.crops = crops
        self.out = out
        self.err = err
        self._progress = progress
        self._progress_drawn = 0.0
        self._bar_visible = False

    def _line(self, text: str) -> None:
        """Print a line of the log, clearing the progress bar first."""
        self._clear_bar()
        print(text, file=self.out, flush=True)

    def _json(self, data: dict[str, Any]) -> None:
        """Print one JSON object on its own line."""
        self._clear_bar()
        print(json.dumps(data), file=self.out, flush=True)

    def result(self, result: Any) -> None:  # noqa: ANN401 - any result dataclass
        """Report one result of the pipeline."""
        if self.json_lines:
            data = result_to_dict(result)
            if not self.crops:
                data.pop("crop_jpeg", None)
                for face in data.get("faces", ()):
                    face.pop("crop_jpeg", None)
            self._json(data)
            return
        text = describe(result)
        if text:
            self._line(text)

    def warning(self, warning: GalleryWarning) -> None:
        """Report a skipped gallery photo."""
        if self.json_lines:
            self._json(warning.as_dict())
        else:
            self._clear_bar()
            who = f" ({warning.person})" if warning.person else ""
            print(
                f"warning: gallery photo {warning.file}{who} skipped: {warning.detail}",
                file=self.err,
                flush=True,
            )

    def error(self, error: ScanError) -> None:
        """Report why the scan could not run."""
        self._clear_bar()
        if self.json_lines:
            self._json({"type": "error", "code": error.code, "detail": str(error)})
        print(f"openeye scan: error: {error}", file=self.err, flush=True)

    def summary(self, summary: ScanSummary) -> None:
        """Report the scan's figures."""
        if self.json_lines:
            self._json(summary.as_dict())
            return
        people = ", ".join(summary.people_seen) or "nobody known"
        self._line(
            f"Done: {summary.frames_read} frames read, {summary.frames_analysed} analysed, "
            f"{summary.detections} face detections; {summary.cpu_seconds:.2f} CPU-seconds "
            f"in {summary.wall_seconds:.2f} s. People seen: {people}; "
            f"unknown faces: {summary.unknown_faces}."
        )

    def progress(self, done: int, total: int) -> None:
        """Redraw the progress bar on the error stream (at most five times a second)."""
        if not self._progress or total <= 0:
            return
        now = time.monotonic()
        if done < total and now - self._progress_drawn < PROGRESS_INTERVAL:
            return
        self._progress_drawn = now
        share = min(done / total, 1.0)
        filled = round(share * PROGRESS_WIDTH)
        bar = "#" * filled + "-" * (PROGRESS_WIDTH - filled)
        self.err.write(f"\r[{bar}] {share:4.0%} {done}/{total} frames")
        self.err.flush()
        self._bar_visible = True

    def _clear_bar(self) -> None:
        """Erase the progress bar so that a log line does not mix with it."""
        if self._bar_visible:
            self.err.write("\r" + " " * (PROGRESS_WIDTH + 40) + "\r")
            self.err.flush()
            self._bar_visible = False


def describe(result: Any) -> str | None:  # noqa: ANN401, PLR0911 - one line per result type
    """Return the readable log line of a result, or None for results not logged."""
    if isinstance(result, ImageAnalysis):
        return _describe_image(result)
    if not isinstance(result, CameraResult):
        return None
    at = f"[{result.pts:8.2f} s]"
    if isinstance(result, MotionStarted):
        return f"{at} motion started"
    if isinstance(result, MotionEnded):
        return f"{at} motion ended"
    if isinstance(result, FaceDetected):
        top, right, bottom, left = result.box
        return (
            f"{at} face {result.track_id} detected at top {top}, right {right}, "
            f"bottom {bottom}, left {left} ({right - left} px wide)"
        )
    if isinstance(result, FaceRecognized):
        return (
            f"{at} face {result.track_id} recognised: {result.person_name} "
            f"(distance {result.mean_distance:.2f}, best {result.best_distance:.2f}, "
            f"confidence {result.confidence:.0%})"
        )
    if isinstance(result, UnknownFace):
        closest = (
            f"closest known face at {result.best_distance:.2f}"
            if result.best_distance is not None
            else "nobody is known"
        )
        return f"{at} face {result.track_id} is unknown ({closest})"
    if isinstance(result, FaceLost):
        who = f" ({result.person_id})" if result.person_id else ""
        return f"{at} face {result.track_id}{who} lost after {result.duration:.1f} s"
    if isinstance(result, SourceStatusChanged):
        detail = f": {result.detail}" if result.detail else ""
        return f"{at} source {result.status.value}{detail}"
    if isinstance(result, Figures):
        return (
            f"{at} figures: {result.frames_read} frames read, {result.frames_analysed} "
            f"analysed ({result.analysis_rate:.1f}/s), {result.detections} detections "
            f"({result.detection_ms:.0f} ms), encodings {result.encoding_ms:.0f} ms, "
            f"{result.faces_in_view} face(s) in view"
        )
    return None


def _describe_image(analysis: ImageAnalysis) -> str:
    """Return the readable lines of a still image's analysis."""
    if analysis.error is not None:
        return f"the image cannot be analysed: {analysis.error_detail}"
    lines = [f"{analysis.width}x{analysis.height} image, {len(analysis.faces)} face(s)"]
    for number, face in enumerate(analysis.faces, start=1):
        top, right, bottom, left = face.box
        who = (
            f"{face.person_name} (distance {face.distance:.2f}, confidence {face.confidence:.0%})"
            if face.person_name is not None
            and face.distance is not None
            and face.confidence is not None
            else "nobody known within the tolerance"
        )
        lines.append(
            f"  face {number} at top {top}, right {right}, bottom {bottom}, left {left}: {who}"
        )
    return "\n".join(lines)


# Entry point ----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """Return the command line's argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.openeye.pipeline",
        description="OpenEye's face recognition pipeline, from the command line.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    scan = commands.add_parser(
        "scan",
        help="find and recognise the faces of a stream, a video file or a photo",
        description="Scan SOURCE (a stream URL, a video file or a JPEG/PNG photo) "
        "against the known faces of a gallery folder.",
    )
    scan.add_argument("source", metavar="SOURCE", help="stream URL, video file or photo")
    scan.add_argument(
        "--gallery",
        required=True,
        type=Path,
        metavar="DIR",
        help="folder with one folder of photos per person (the folder's name is the name)",
    )
    defaults = AnalysisSettings()
    scan.add_argument(
        "--tolerance",
        type=float,
        default=defaults.tolerance,
        metavar="T",
        help=f"largest face distance that counts as a match (default {defaults.tolerance})",
    )
    scan.add_argument(
        "--realtime",
        action="store_true",
        help="read a video file at its own frame rate, as a live camera would deliver it",
    )
    scan.add_argument("--json", action="store_true", help="print one JSON object per line")
    scan.add_argument(
        "--crops", action="store_true", help="with --json: keep the face crops (base64 JPEG)"
    )
    scan.add_argument(
        "--duration",
        type=float,
        metavar="S",
        help="stop after S seconds of the source (streams run until Ctrl-C otherwise)",
    )
    scan.add_argument(
        "--detection-scale",
        type=float,
        default=defaults.detection_scale,
        metavar="F",
        help=f"resize frames by F before detection (default {defaults.detection_scale})",
    )
    scan.add_argument(
        "--min-face-size",
        type=int,
        default=defaults.min_face_size,
        metavar="PX",
        help=f"ignore faces narrower than PX source pixels (default {defaults.min_face_size})",
    )
    _add_worker_parser(commands)
    return parser


def _add_worker_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``worker`` command: a remote worker on another machine, reached through MQTT."""
    worker = commands.add_parser(
        "worker",
        help="run a remote worker that takes cameras from Home Assistant through an MQTT broker",
        description="Connect to the MQTT broker that Home Assistant uses, announce this "
        "machine as worker NAME and analyse the cameras Home Assistant gives it.",
    )
    worker.add_argument(
        "--broker", required=True, metavar="URL", help="mqtt://host[:port] or mqtts://host[:port]"
    )
    worker.add_argument("--name", required=True, help="this worker's name, unique per broker")
    worker.add_argument("--username", help="the broker user this worker logs in as")
    worker.add_argument(
        "--password-file", type=Path, metavar="FILE", help="file whose first line is the password"
    )
    worker.add_argument(
        "--ca-file", metavar="FILE", help="CA certificate(s) that signed the broker's (mqtts://)"
    )
    worker.add_argument(
        "--insecure",
        action="store_true",
        help="with mqtts://: accept any certificate (tests and throwaway brokers only)",
    )
    cores = os.cpu_count() or 1
    worker.add_argument(
        "--capacity",
        type=int,
        default=cores,
        metavar="N",
        help=f"the most cameras this worker takes (default: its cores, {cores})",
    )
    worker.add_argument(
        "--prefix", default=DEFAULT_PREFIX, help=f"topic prefix (default {DEFAULT_PREFIX})"
    )
    worker.add_argument(
        "--keepalive",
        type=int,
        default=DEFAULT_KEEPALIVE,
        metavar="S",
        help="seconds between pings; the broker announces a vanished worker "
        f"about 1.5 times this late (default {DEFAULT_KEEPALIVE})",
    )
    worker.add_argument(
        "--heartbeat",
        type=float,
        default=DEFAULT_HEARTBEAT,
        metavar="S",
        help=f"seconds between two status heartbeats (default {DEFAULT_HEARTBEAT:g})",
    )


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    codec: Codec | None = None,
) -> int:
    """Run the command line; return the exit status (0 on success).

    ``codec`` encodes the remote worker's messages (tests pass their own);
    by default it is the wire format of pipeline/wire.py.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "worker":
        return _worker(parser, args, err or sys.stderr, codec)
    if not 0.0 < args.tolerance <= 1.2:  # noqa: PLR2004 - beyond 1.2 everybody matches
        parser.error("--tolerance must be above 0 and at most 1.2")
    if args.detection_scale <= 0:
        parser.error("--detection-scale must be above 0")
    out = out or sys.stdout
    err = err or sys.stderr
    output = Output(args.json, args.crops, out, err, progress=err.isatty())
    settings = replace(
        AnalysisSettings(),
        tolerance=args.tolerance,
        detection_scale=args.detection_scale,
        min_face_size=args.min_face_size,
    )
    try:
        _scan(args, settings, output)
    except ScanError as error:
        output.error(error)
        return EXIT_ERROR
    return EXIT_OK


def _worker(
    parser: argparse.ArgumentParser, args: argparse.Namespace, err: TextIO, codec: Codec | None
) -> int:
    """Run a remote worker; a refused or unreachable broker is one line on ``err`` and exit 1."""
    if args.capacity < 1:
        parser.error("--capacity must be at least 1")
    if args.keepalive < 1 or args.heartbeat <= 0:
        parser.error("--keepalive and --heartbeat must be above 0")
    logging.basicConfig(
        level=logging.INFO, stream=err, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        password = None
        if args.password_file is not None:
            try:
                lines = args.password_file.read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise LinkError(f"The password file cannot be read: {error}") from error
            password = lines[0] if lines else ""
        options = RemoteWorkerOptions(
            LinkOptions(
                parse_broker_url(args.broker),
                check_name(args.name),
                username=args.username,
                password=password,
                ca_file=args.ca_file,
                insecure=args.insecure,
                prefix=args.prefix,
                keepalive=args.keepalive,
                heartbeat=args.heartbeat,
            ),
            args.capacity,
        )
        return remote_worker.run(options, codec or wire)
    except LinkError as error:
        print(f"openeye worker: {error}", file=err)
        return EXIT_ERROR


def _scan(args: argparse.Namespace, settings: AnalysisSettings, output: Output) -> None:
    """Load the engine and the gallery, then scan the source as its kind requires."""
    source: str = args.source
    stream = is_stream_url(source)
    if not stream and not Path(file_path(source)).is_file():
        raise ScanError("source_unavailable", f"The source {source} does not exist")
    try:
        engine = FaceEngine()
    except EngineUnavailableError as error:
        raise ScanError("engine_unavailable", str(error)) from error
    known = load_gallery(engine, args.gallery, settings, output.warning)
    if not stream and Path(file_path(source)).suffix.lower() in IMAGE_SUFFIXES:
        summary = ScanSummary(source, "image")
        cpu, wall = time.process_time(), time.perf_counter()
        analysis = scan_image(file_path(source), engine, known, settings)
        summary.cpu_seconds = time.process_time() - cpu
        summary.wall_seconds = time.perf_counter() - wall
        summary.frames_read = summary.frames_analysed = 1
        summary.people_seen = _names(face.person_name for face in analysis.faces)
        summary.unknown_faces = sum(face.person_id is None for face in analysis.faces)
        output.result(analysis)
        output.summary(summary)
        return
    scan = scan_live if stream or args.realtime else scan_video
    summary = scan(
        file_path(source) if not stream else source,
        engine,
        known,
        settings,
        output.result,
        on_progress=output.progress,
        duration=args.duration,
    )
    output.summary(summary)


def _names(names: Iterable[str | None]) -> list[str]:
    """Return the distinct names in order of appearance, without the missing ones."""
    return list(dict.fromkeys(name for name in names if name is not None))
