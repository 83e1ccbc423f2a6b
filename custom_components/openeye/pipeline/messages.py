"""Messages between Home Assistant (or the command line) and the pipeline's workers.

Results flow from a worker to its owner and commands the other way. They are
small frozen dataclasses: pickled across the process boundary and turned into
JSON with :func:`result_to_dict`. No message ever carries a raw frame; face
crops travel as small JPEG bytes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .gallery import KnownFaces
    from .settings import AnalysisSettings, SourceSettings


class SourceStatus(StrEnum):
    """The state of a camera's source, reported whenever it changes."""

    CONNECTING = "connecting"
    STREAMING = "streaming"
    RECONNECTING = "reconnecting"
    FAILED = "failed"
    ENDED = "ended"


# A box is (top, right, bottom, left) in source pixels, face_recognition's order.
type BoxTuple = tuple[int, int, int, int]


def confidence_from_distance(distance: float) -> float:
    """Return a confidence in [0, 1] for a face distance; lower distance, higher confidence.

    Defined as ``1 - distance / 1.2``, clipped to [0, 1]: a perfect match is 1.0,
    the default tolerance (0.6) is 0.5, and distances of 1.2 or more are 0.
    It does not depend on the configured tolerance, so figures stay comparable
    when the tolerance changes.
    """
    return min(1.0, max(0.0, 1.0 - distance / 1.2))


# Results: worker to owner ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class CameraResult:
    """Fields every camera result carries."""

    camera_id: str
    # Seconds in the source's own timeline (video timestamps, or capture time).
    pts: float
    # Wall-clock time (seconds since the epoch) at which the frame was captured.
    timestamp: float


@dataclass(frozen=True, slots=True)
class SourceStatusChanged(CameraResult):
    """The camera's source changed state; ``detail`` says why, ``retry_in`` when.

    ``reason`` is why as a stable code, for programs: one of the reasons of
    ``video_input.VideoOpenError`` (``unauthorized`` for a refused user name
    or password, ``refused``, ``timeout``, ...), or ``lost`` for a stream that
    ended or broke off.
    """

    type = "source_status"
    status: SourceStatus = SourceStatus.CONNECTING
    detail: str | None = None
    retry_in: float | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class MotionStarted(CameraResult):
    """Motion began in the camera's picture."""

    type = "motion_started"


@dataclass(frozen=True, slots=True)
class MotionEnded(CameraResult):
    """The picture has been still for the motion hold time."""

    type = "motion_ended"


@dataclass(frozen=True, slots=True)
class FaceDetected(CameraResult):
    """A new face track began; who it is is not known yet."""

    type = "face_detected"
    track_id: int = 0
    box: BoxTuple = (0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class FaceRecognized(CameraResult):
    """A track was decided to be a known person. Sent once per track."""

    type = "face_recognized"
    track_id: int = 0
    person_id: str = ""
    person_name: str = ""
    best_distance: float = 0.0
    mean_distance: float = 0.0
    confidence: float = 0.0
    box: BoxTuple = (0, 0, 0, 0)
    crop_jpeg: bytes = field(default=b"", repr=False)
    # Wall-clock time at which the worker decided (0 when not known). The
    # frame's ``timestamp`` is older by the analysis time; this is the moment
    # from which delivery to Home Assistant and its subscribers is measured.
    decided_at: float = 0.0
    # The face's encoding, so that an administrator can say later that it was
    # not this person ("not this person" keeps it as a counter-example).
    encoding: tuple[float, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class UnknownFace(CameraResult):
    """A track was decided to be nobody known. Sent once per track.

    The encoding comes along so that the face can be taught later.
    """

    type = "unknown_face"
    track_id: int = 0
    # The closest known person's distance, or None with an empty gallery.
    best_distance: float | None = None
    box: BoxTuple = (0, 0, 0, 0)
    encoding: tuple[float, ...] = field(default=(), repr=False)
    crop_jpeg: bytes = field(default=b"", repr=False)
    # Wall-clock time at which the worker decided (0 when not known).
    decided_at: float = 0.0
    # The person the face would have been taken for, had their counter-examples
    # not refused the match (None when nothing was refused).
    refused_person_id: str | None = None


@dataclass(frozen=True, slots=True)
class FaceLost(CameraResult):
    """A track ended: the face has not been seen for the track timeout, or the source ended."""

    type = "face_lost"
    track_id: int = 0
    # The person the track was decided to be, if any.
    person_id: str | None = None
    # Seconds between the track's first and last detection.
    duration: float = 0.0


@dataclass(frozen=True, slots=True)
class Figures(CameraResult):
    """Periodic figures of a camera's work since the previous figures message."""

    type = "figures"
    frames_read: int = 0
    frames_analysed: int = 0
    detections: int = 0
    # Frames analysed per second over the interval.
    analysis_rate: float = 0.0
    # Mean milliseconds per detection and per encoding over the interval (0 when none).
    detection_ms: float = 0.0
    encoding_ms: float = 0.0
    # Faces being tracked now.
    faces_in_view: int = 0


@dataclass(frozen=True, slots=True)
class StillFace:
    """One face found in a still image."""

    box: BoxTuple
    encoding: tuple[float, ...] = field(repr=False)
    crop_jpeg: bytes = field(repr=False)
    # The closest known person within the tolerance, if any, and the distance to them.
    person_id: str | None = None
    person_name: str | None = None
    distance: float | None = None
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class ImageAnalysis:
    """The answer to :class:`AnalyzeImage`: the faces found, or why there are none."""

    type = "image_analysis"
    request_id: int
    width: int = 0
    height: int = 0
    faces: tuple[StillFace, ...] = ()
    # An image error code (see images.ImageError) when the image could not be read.
    error: str | None = None
    error_detail: str | None = None


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """The answer to :class:`ProbeSource`: whether one frame could be read."""

    type = "probe_result"
    request_id: int
    ok: bool = False
    width: int = 0
    height: int = 0
    detail: str | None = None
    # Why no frame was read, as a code (see SourceStatusChanged.reason).
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class WorkerReady:
    """A worker has loaded the face engine and takes commands."""

    type = "worker_ready"
    pid: int


@dataclass(frozen=True, slots=True)
class EngineFailed:
    """The face engine cannot load in the worker (missing files, unsupported CPU)."""

    type = "engine_failed"
    detail: str


@dataclass(frozen=True, slots=True)
class WorkerLog:
    """A log record from a worker, for the owner's logger."""

    type = "log"
    level: int
    message: str


type CameraEvent = (
    SourceStatusChanged
    | MotionStarted
    | MotionEnded
    | FaceDetected
    | FaceRecognized
    | UnknownFace
    | FaceLost
    | Figures
)
# What a worker pool hands its owner: camera results, log records and the
# news that the face engine cannot load (answers and start-up stay inside).
type PoolResult = CameraEvent | EngineFailed | WorkerLog
type WorkerResult = (
    CameraEvent | ImageAnalysis | ProbeResult | WorkerReady | EngineFailed | WorkerLog
)


def result_to_dict(result: Any) -> dict[str, Any]:  # noqa: ANN401 - any result dataclass
    """Return a JSON-ready dict of a result: ``type`` first, bytes as base64, tuples as lists."""
    out: dict[str, Any] = {"type": result.type}
    for item in fields(result):
        out[item.name] = _jsonable(getattr(result, item.name))
    return out


def _jsonable(value: Any) -> Any:  # noqa: ANN401 - converts any field value
    """Convert a field value to something json.dumps accepts."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if isinstance(value, StrEnum):
        return value.value
    if hasattr(value, "__dataclass_fields__"):
        return {item.name: _jsonable(getattr(value, item.name)) for item in fields(value)}
    return value


# Commands: owner to worker --------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetGallery:
    """Replace the known faces the worker compares with."""

    known: KnownFaces


@dataclass(frozen=True, slots=True)
class SetSettings:
    """Replace the analysis settings of every camera of the worker."""

    settings: AnalysisSettings


@dataclass(frozen=True, slots=True)
class AddCamera:
    """Start watching a camera.

    ``source`` is a stream URL or a local file path; ``None`` means the owner
    pushes still images with :class:`PushImage` (camera entities without a stream).
    """

    camera_id: str
    source: str | None
    source_settings: SourceSettings


@dataclass(frozen=True, slots=True)
class RemoveCamera:
    """Stop watching a camera and release its source."""

    camera_id: str


@dataclass(frozen=True, slots=True)
class PushImage:
    """A still image (JPEG or PNG bytes) for a camera fed by its owner."""

    camera_id: str
    data: bytes = field(repr=False)
    timestamp: float


@dataclass(frozen=True, slots=True)
class AnalyzeImage:
    """Analyse one still image at full resolution; answered by :class:`ImageAnalysis`."""

    request_id: int
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class ProbeSource:
    """Open a stream URL or file and read one frame; answered by :class:`ProbeResult`.

    Used to test a camera's address before it is saved.
    """

    request_id: int
    source: str
    timeout: float


@dataclass(frozen=True, slots=True)
class Stop:
    """Release every source and exit."""


type WorkerCommand = (
    SetGallery
    | SetSettings
    | AddCamera
    | RemoveCamera
    | PushImage
    | AnalyzeImage
    | ProbeSource
    | Stop
)
