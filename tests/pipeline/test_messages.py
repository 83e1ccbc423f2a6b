"""Every result turned into JSON, from real analyses of the astronaut's face: no shared media."""

from __future__ import annotations

import base64
from dataclasses import fields
import json
from typing import Any

import pytest

from custom_components.openeye.pipeline import messages
from custom_components.openeye.pipeline.analyzer import CameraAnalyzer
from custom_components.openeye.pipeline.gallery import KnownFaces
from custom_components.openeye.pipeline.messages import (
    CameraEvent,
    EngineFailed,
    FaceDetected,
    FaceLost,
    FaceRecognized,
    Figures,
    ImageAnalysis,
    MotionEnded,
    MotionStarted,
    ProbeResult,
    SourceStatus,
    SourceStatusChanged,
    StillFace,
    UnknownFace,
    WorkerLog,
    WorkerReady,
    result_to_dict,
)
from custom_components.openeye.pipeline.settings import AnalysisSettings
from custom_components.openeye.pipeline.still import analyze_still
from tests.faces import two_faces_jpeg
from tests.pipeline.astronaut import ASTRONAUT_ID, ASTRONAUT_NAME, astronaut_gallery
from tests.pipeline.real_faces import astronaut_rgb, picture, shared_engine

# Every frame counts as motion, so that each frame of the astronaut is searched for faces.
SETTINGS = AnalysisSettings(motion_sensitivity=100)


def camera_events(known: KnownFaces) -> list[CameraEvent]:
    """Return the results of the astronaut in front of a camera for a second, then the end."""
    analyzer = CameraAnalyzer("porch", shared_engine(), SETTINGS, known)
    events: list[CameraEvent] = []
    for step in range(6):
        events.extend(analyzer.process(picture(astronaut_rgb(), step / 5, 1e9 + step / 5)))
    events.extend(analyzer.finish(1.0, 1e9 + 1.0))
    events.append(analyzer.figures(1.0, 1e9 + 1.0, 6))
    return events


@pytest.fixture(scope="module")
def known_events() -> list[CameraEvent]:
    """Return the camera results with the astronaut known."""
    return camera_events(astronaut_gallery())


@pytest.fixture(scope="module")
def unknown_events() -> list[CameraEvent]:
    """Return the camera results with nobody known."""
    return camera_events(KnownFaces())


def one[T](events: list[CameraEvent], kind: type[T]) -> T:
    """Return the single result of a type."""
    (found,) = [event for event in events if isinstance(event, kind)]
    return found


def round_trip(result: object) -> dict[str, Any]:
    """Return the dict of a result after it went through JSON, checking its layout on the way."""
    data = result_to_dict(result)
    assert list(data) == ["type", *(item.name for item in fields(result))]  # type: ignore[arg-type]
    assert data["type"] == type(result).type  # type: ignore[attr-defined]
    decoded: dict[str, Any] = json.loads(json.dumps(data))
    assert decoded == data
    return decoded


def test_camera_events_of_a_known_face(known_events: list[CameraEvent]) -> None:
    """Motion, detection, recognition, loss and figures: plain JSON, crops as base64."""
    assert [event.type for event in known_events] == [
        "motion_started",
        "face_detected",
        "face_recognized",
        "face_lost",
        "motion_ended",
        "figures",
    ]
    started = round_trip(one(known_events, MotionStarted))
    assert started == {"type": "motion_started", "camera_id": "porch", "pts": 0.0, "timestamp": 1e9}
    detected = one(known_events, FaceDetected)
    data = round_trip(detected)
    assert data["box"] == list(detected.box)
    assert all(isinstance(value, int) for value in data["box"])
    recognised = one(known_events, FaceRecognized)
    data = round_trip(recognised)
    assert (data["person_id"], data["person_name"]) == (ASTRONAUT_ID, ASTRONAUT_NAME)
    assert data["track_id"] == detected.track_id
    assert data["box"] == list(recognised.box)
    assert base64.b64decode(data["crop_jpeg"]) == recognised.crop_jpeg
    assert recognised.crop_jpeg.startswith(b"\xff\xd8")
    assert data["confidence"] == pytest.approx(1 - data["mean_distance"] / 1.2)
    # The recognised face's encoding comes along, for "not this person".
    assert data["encoding"] == list(recognised.encoding)
    assert len(data["encoding"]) == 128
    lost = round_trip(one(known_events, FaceLost))
    assert lost["person_id"] == ASTRONAUT_ID
    assert lost["duration"] == pytest.approx(1.0)
    assert round_trip(one(known_events, MotionEnded))["pts"] == 1.0
    figures = round_trip(one(known_events, Figures))
    assert (figures["frames_read"], figures["frames_analysed"], figures["detections"]) == (6, 6, 6)
    assert figures["faces_in_view"] == 0
    assert figures["detection_ms"] > 0


def test_an_unknown_face_keeps_its_encoding(unknown_events: list[CameraEvent]) -> None:
    """An unknown face's encoding becomes a list of 128 floats, its missing distance null."""
    unknown = one(unknown_events, UnknownFace)
    data = round_trip(unknown)
    assert data["best_distance"] is None
    assert data["encoding"] == list(unknown.encoding)
    assert len(data["encoding"]) == 128
    assert all(isinstance(value, float) for value in data["encoding"])
    assert base64.b64decode(data["crop_jpeg"]) == unknown.crop_jpeg
    # Its distance and the person refused (nobody: the gallery is empty).
    assert data["refused_person_id"] is None
    assert json.dumps(result_to_dict(unknown)).count("null") == 2
    assert round_trip(one(unknown_events, FaceLost))["person_id"] is None


def test_an_image_analysis_nests_its_faces() -> None:
    """Each StillFace becomes a nested dict, with its crop in base64 and its name or nulls."""
    analysis = analyze_still(
        shared_engine(), two_faces_jpeg(), astronaut_gallery(), AnalysisSettings(), 42
    )
    data = round_trip(analysis)
    assert (data["request_id"], data["width"], data["height"]) == (42, 560, 260)
    assert (data["error"], data["error_detail"]) == (None, None)
    assert len(data["faces"]) == 2
    for face, still in zip(data["faces"], analysis.faces, strict=True):
        assert list(face) == [item.name for item in fields(StillFace)]
        assert face["box"] == list(still.box)
        assert face["encoding"] == list(still.encoding)
        assert base64.b64decode(face["crop_jpeg"]) == still.crop_jpeg
        assert (face["person_id"], face["person_name"]) == (ASTRONAUT_ID, ASTRONAUT_NAME)
        assert 0 <= face["distance"] < 0.1
    nobody = analyze_still(shared_engine(), two_faces_jpeg(), KnownFaces(), AnalysisSettings(), 1)
    faces = round_trip(nobody)["faces"]
    assert [(f["person_id"], f["distance"], f["confidence"]) for f in faces] == [(None,) * 3] * 2
    failed = round_trip(analyze_still(shared_engine(), b"junk", KnownFaces(), SETTINGS, 2))
    assert (failed["faces"], failed["error"]) == ([], "not_an_image")


def test_status_probe_and_worker_messages() -> None:
    """Enums become their value; the worker's own messages keep their fields."""
    status = SourceStatusChanged(
        "porch",
        3.5,
        1e9,
        SourceStatus.RECONNECTING,
        "the camera refused the user name or password",
        2.0,
        "unauthorized",
    )
    assert round_trip(status) == {
        "type": "source_status",
        "camera_id": "porch",
        "pts": 3.5,
        "timestamp": 1e9,
        "status": "reconnecting",
        "detail": "the camera refused the user name or password",
        "retry_in": 2.0,
        "reason": "unauthorized",
    }
    assert round_trip(ProbeResult(7, ok=True, width=640, height=360)) == {
        "type": "probe_result",
        "request_id": 7,
        "ok": True,
        "width": 640,
        "height": 360,
        "detail": None,
        "reason": None,
    }
    assert round_trip(ProbeResult(8, detail="the connection was refused", reason="refused")) == {
        "type": "probe_result",
        "request_id": 8,
        "ok": False,
        "width": 0,
        "height": 0,
        "detail": "the connection was refused",
        "reason": "refused",
    }
    assert round_trip(WorkerReady(pid=1234)) == {"type": "worker_ready", "pid": 1234}
    assert round_trip(EngineFailed("models missing")) == {
        "type": "engine_failed",
        "detail": "models missing",
    }
    assert round_trip(WorkerLog(30, "camera: skipped")) == {
        "type": "log",
        "level": 30,
        "message": "camera: skipped",
    }


def test_every_result_type_is_tested() -> None:
    """Each message with a ``type`` is converted by one of the tests above."""
    tested = {
        SourceStatusChanged,
        MotionStarted,
        MotionEnded,
        FaceDetected,
        FaceRecognized,
        UnknownFace,
        FaceLost,
        Figures,
        ImageAnalysis,
        ProbeResult,
        WorkerReady,
        EngineFailed,
        WorkerLog,
    }
    results = {
        value
        for value in vars(messages).values()
        if isinstance(value, type) and isinstance(getattr(value, "type", None), str)
    }
    assert results == tested
