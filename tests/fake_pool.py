"""A worker pool that stands in for the real one at its boundary, for Home Assistant-side tests.

OpenEye's hub talks to its workers only through :class:`WorkerPool`: commands
go in through its methods, results come out through the ``on_result``
callback it was built with. The fake is autospecced on the real class, so a
call the real pool does not accept fails the test, and it lets a test emit
any worker result as a worker would, in the event loop, without processes
or a real clock. Real workers stay in the pipeline's tests, the fault and
durability tests and ``scripts/e2e``.
"""

from __future__ import annotations

from collections.abc import Callable
import time
from typing import Any
from unittest.mock import AsyncMock, NonCallableMagicMock, create_autospec

from custom_components.openeye.pipeline.messages import (
    FaceDetected,
    FaceLost,
    FaceRecognized,
    ImageAnalysis,
    MotionEnded,
    MotionStarted,
    PoolResult,
    ProbeResult,
    SourceStatus,
    SourceStatusChanged,
    StillFace,
    UnknownFace,
)
from custom_components.openeye.pipeline.pool import WorkerPool

BOX = (10, 60, 60, 10)
CROP = b"\xff\xd8crop"


class FakePool:
    """Builds autospecced pools in place of :class:`WorkerPool` and emits their results."""

    def __init__(self) -> None:
        """Start with no pool built yet."""
        self.mock: NonCallableMagicMock | None = None
        self._on_result: Callable[[PoolResult], None] | None = None

    def build(self, on_result: Callable[[PoolResult], None], **_kwargs: Any) -> Any:  # noqa: ANN401
        """Stand in for ``WorkerPool(...)``: return an autospecced pool and keep the callback."""
        pool = create_autospec(WorkerPool, instance=True)
        pool.worker_pids = []
        pool.restarts = 0
        pool.engine_error = None
        pool.cameras_by_worker = {}
        pool.worker_of.return_value = None
        # Every still image shows one face, unless a test says otherwise.
        pool.async_analyze_image.return_value = still_image(one_face())
        # Every source opens and shows a frame, unless a test says otherwise.
        pool.async_probe_source.return_value = probe(ok=True)
        self.mock = pool
        self._on_result = on_result
        return pool

    @property
    def added_cameras(self) -> list[str]:
        """Return the camera ids handed to the pool, in order."""
        assert self.mock is not None
        add: AsyncMock = self.mock.async_add_camera
        return [call.args[0] for call in add.call_args_list]

    def emit(self, *results: PoolResult) -> None:
        """Hand results to the hub as the pool does: one by one, in the event loop."""
        assert self._on_result is not None, "OpenEye is not set up"
        for result in results:
            self._on_result(result)

    # Results as a worker sends them --------------------------------------

    def streaming(self, camera_id: str) -> None:
        """Report that a camera delivers frames."""
        self.emit(status(camera_id, SourceStatus.STREAMING))


def one_face(value: float = 0.0) -> StillFace:
    """Return a face of a still image whose encoding is ``value`` everywhere."""
    return StillFace(box=BOX, encoding=(value,) * 128, crop_jpeg=CROP)


def still_image(*faces: StillFace, error: str | None = None) -> ImageAnalysis:
    """Return a worker's answer about a still image showing ``faces``, or refusing it."""
    return ImageAnalysis(1, 640, 480, faces=faces, error=error)


def probe(*, ok: bool, reason: str | None = None, detail: str | None = None) -> ProbeResult:
    """Return a worker's answer to a probe: a 640x360 frame read, or why not."""
    if ok:
        return ProbeResult(1, ok=True, width=640, height=360)
    return ProbeResult(1, ok=False, detail=detail or reason, reason=reason)


def status(
    camera_id: str,
    value: SourceStatus,
    detail: str | None = None,
    reason: str | None = None,
) -> SourceStatusChanged:
    """Return a camera's source status, now."""
    return SourceStatusChanged(
        camera_id, 0.0, time.time(), status=value, detail=detail, reason=reason
    )


def motion(camera_id: str, *, started: bool = True) -> MotionStarted | MotionEnded:
    """Return the start (or end) of motion at a camera, now."""
    kind = MotionStarted if started else MotionEnded
    return kind(camera_id, 0.0, time.time())


def detected(camera_id: str, track_id: int) -> FaceDetected:
    """Return a face coming into view, now."""
    return FaceDetected(camera_id, 0.5, time.time(), track_id=track_id, box=BOX)


def recognized(
    camera_id: str,
    track_id: int,
    person_id: str,
    name: str = "Eileen",
    confidence: float = 0.71,
    *,
    value: float = 0.0,
) -> FaceRecognized:
    """Return a recognition of a person, now, decided a moment ago; its encoding is ``value``s."""
    now = time.time()
    return FaceRecognized(
        camera_id,
        1.0,
        now,
        track_id=track_id,
        person_id=person_id,
        person_name=name,
        best_distance=0.3,
        mean_distance=0.35,
        confidence=confidence,
        box=BOX,
        crop_jpeg=CROP,
        decided_at=now,
        encoding=(value,) * 128,
    )


def unknown(camera_id: str, track_id: int, value: float) -> UnknownFace:
    """Return an unknown face whose encoding is ``value`` everywhere, now."""
    now = time.time()
    return UnknownFace(
        camera_id,
        1.0,
        now,
        track_id=track_id,
        best_distance=0.9,
        box=BOX,
        encoding=(value,) * 128,
        crop_jpeg=CROP,
        decided_at=now,
    )


def lost(camera_id: str, track_id: int, person_id: str | None = None) -> FaceLost:
    """Return a face going out of view, now."""
    return FaceLost(camera_id, 2.0, time.time(), track_id=track_id, person_id=person_id)
