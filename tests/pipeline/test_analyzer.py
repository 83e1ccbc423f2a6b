"""One camera's analysis, and its scheduling, settings and figures.

Most scenarios run on the real Hamilton clip from ../shared/media; those that
hold for any face run on every face media (tests/pipeline/face_media.py), and
the detection scales are checked on the astronaut's face video: her head
(280x260, a face about 87 px wide) pasted on a 640x360 grey frame, moving 8 px
to the right each frame.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import math
from typing import TYPE_CHECKING

import numpy as np
import pytest

from custom_components.openeye.pipeline.analyzer import (
    PATCH_MARGIN,
    SCHEDULE_SLACK,
    CameraAnalyzer,
)
from custom_components.openeye.pipeline.engine import Box
from custom_components.openeye.pipeline.gallery import KnownFaces
from custom_components.openeye.pipeline.messages import (
    CameraEvent,
    FaceDetected,
    FaceLost,
    FaceRecognized,
    MotionEnded,
    MotionStarted,
    UnknownFace,
)
from custom_components.openeye.pipeline.settings import AnalysisSettings
from tests.faces import decode
from tests.pipeline.astronaut import ASTRONAUT_ID, astronaut_gallery
from tests.pipeline.face_media import FaceMedia, head_frames
from tests.pipeline.real_faces import (
    ALEX_ID,
    LIN_ID,
    astronaut_rgb,
    clip_frames,
    picture,
    reference_gallery,
    shared_engine,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from custom_components.openeye.pipeline.engine import FaceEngine
    from tests.pipeline.face_media import VideoFrame


@dataclass(frozen=True, slots=True)
class Run:
    """The results of one pass over the clip: (frame number, result) pairs, and the analyzer."""

    events: list[tuple[int, CameraEvent]]
    analyzer: CameraAnalyzer

    def of(self, kind: type) -> list[tuple[int, CameraEvent]]:
        """Return the results of one type, with their frame numbers."""
        return [(number, event) for number, event in self.events if isinstance(event, kind)]


def run_clip(
    analyzer: CameraAnalyzer,
    frames: Iterable[VideoFrame],
    skip: bool = True,
    finish: bool = True,
) -> Run:
    """Feed frames to the analyzer as a file reader would: skipping those not due."""
    events: list[tuple[int, CameraEvent]] = []
    last = None
    for frame in frames:
        last = frame
        if skip and frame.pts < analyzer.next_due():
            continue
        events.extend(
            (frame.number, event) for event in analyzer.process(frame.frame(1e9 + frame.pts))
        )
    if finish and last is not None:
        events.extend((last.number, event) for event in analyzer.finish(last.pts, 1e9 + last.pts))
    return Run(events, analyzer)


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    """Share one engine across the module."""
    return shared_engine()


@pytest.fixture(scope="module")
def clip_run(engine: FaceEngine) -> Run:
    """Analyse the whole clip once with the default settings and the two reference photos."""
    analyzer = CameraAnalyzer("hamilton", engine, AnalysisSettings(), reference_gallery())
    return run_clip(analyzer, clip_frames())


def test_lin_manuel_miranda_is_recognised(clip_run: Run) -> None:
    """Lin-Manuel Miranda's close track is recognised within a few detections of its start.

    His small, far face of frames ~1-20 is recognised first (see
    test_region_search.py), on a track of its own.
    """
    (far_number, far), (number, recognised) = clip_run.of(FaceRecognized)
    assert far_number <= 12
    assert isinstance(far, FaceRecognized)
    assert far.person_id == LIN_ID
    _far_detection, (detected_at, detected), *_ = clip_run.of(FaceDetected)
    assert isinstance(recognised, FaceRecognized)
    assert 85 <= detected_at <= 100
    assert 85 <= number <= 210
    assert recognised.track_id == detected.track_id
    assert recognised.person_id == LIN_ID
    assert recognised.person_name == "Lin-Manuel Miranda"
    assert recognised.camera_id == "hamilton"
    # A decision within two detections of the start (a fifth of a second apart).
    assert recognised.pts - detected.pts == pytest.approx(0.2, abs=0.05)
    assert recognised.timestamp == pytest.approx(1e9 + recognised.pts)
    assert recognised.best_distance <= recognised.mean_distance <= 0.6
    assert recognised.confidence == pytest.approx(1 - recognised.mean_distance / 1.2)
    top, right, bottom, left = recognised.box
    assert 60 <= right - left <= 110
    assert 0 <= left < right <= 640
    assert 0 <= top < bottom <= 360
    crop = decode(recognised.crop_jpeg)
    assert max(crop.shape[:2]) <= 160


def test_alex_lacamoire_is_never_reported(clip_run: Run) -> None:
    """No result ever names the second reference person, who is not in the clip."""
    for _number, event in clip_run.events:
        assert getattr(event, "person_id", None) != ALEX_ID


def test_the_stranger_is_an_unknown_face(clip_run: Run) -> None:
    """The person at frames ~218-250 is reported once as unknown, with an encoding to teach."""
    ((number, unknown),) = clip_run.of(UnknownFace)
    assert isinstance(unknown, UnknownFace)
    assert 218 <= number <= 250
    assert unknown.best_distance is not None
    assert unknown.best_distance > 0.6
    assert len(unknown.encoding) == 128
    assert all(isinstance(value, float) for value in unknown.encoding)
    assert unknown.box[1] < 200  # The stranger stands on the left of the picture.
    assert unknown.crop_jpeg.startswith(b"\xff\xd8")


def test_each_track_is_detected_decided_and_lost_once(clip_run: Run) -> None:
    """Three tracks (far, close, stranger); each has one start, decision and end, in order."""
    tracks: dict[int, list[str]] = {}
    for _number, event in clip_run.events:
        track_id = getattr(event, "track_id", None)
        if track_id is not None:
            tracks.setdefault(track_id, []).append(event.type)
    assert tracks == {
        1: ["face_detected", "face_recognized", "face_lost"],
        2: ["face_detected", "face_recognized", "face_lost"],
        3: ["face_detected", "unknown_face", "face_lost"],
    }
    lost = {event.track_id: event for _n, event in clip_run.of(FaceLost)}
    assert isinstance(lost[2], FaceLost)
    assert lost[1].person_id == LIN_ID
    assert lost[2].person_id == LIN_ID
    assert lost[3].person_id is None
    # Lin-Manuel Miranda is in view from frame ~88 to ~211: about four seconds.
    assert 3.5 <= lost[2].duration <= 4.3


def test_motion_starts_early_and_ends_with_the_source(clip_run: Run) -> None:
    """The clip moves from its first frames on; motion ends when the source ends."""
    kinds = [
        type(event)
        for _n, event in clip_run.events
        if isinstance(event, MotionStarted | MotionEnded)
    ]
    assert kinds == [MotionStarted, MotionEnded]
    assert clip_run.of(MotionStarted)[0][0] <= 15
    assert clip_run.of(MotionEnded)[0][0] == 275


def test_work_is_bounded_by_the_rates(clip_run: Run) -> None:
    """Ten motion checks and five detections a second at most, over the 9.2-second clip."""
    figures = clip_run.analyzer.figures(9.2, 1e9 + 9.2, frames_read=275)
    assert figures.frames_read == 275
    assert 85 <= figures.frames_analysed <= 93
    assert 40 <= figures.detections <= 47
    assert figures.analysis_rate == pytest.approx(10, abs=0.5)
    assert figures.detection_ms > 0
    assert figures.encoding_ms > 0
    assert figures.faces_in_view == 0
    # The next call covers an empty interval.
    empty = clip_run.analyzer.figures(9.3, 1e9 + 9.3, frames_read=0)
    assert (empty.frames_analysed, empty.detections, empty.detection_ms, empty.encoding_ms) == (
        0,
        0,
        0.0,
        0.0,
    )


def test_frames_that_are_not_due_are_ignored(engine: FaceEngine, clip_run: Run) -> None:
    """Passing every frame gives exactly the results of skipping the frames not due."""
    analyzer = CameraAnalyzer("hamilton", engine, AnalysisSettings(), reference_gallery())
    every = run_clip(analyzer, clip_frames()[:120], skip=False, finish=False)
    expected = [(n, e) for n, e in clip_run.events if n < 120]
    assert [(n, e.type, getattr(e, "track_id", None)) for n, e in every.events] == [
        (n, e.type, getattr(e, "track_id", None)) for n, e in expected
    ]
    assert analyzer.faces_in_view == 1


def test_patch_encodings_equal_whole_frame_encodings(engine: FaceEngine) -> None:
    """Encoding from the pixels around a face gives the whole frame's encoding."""
    frames = clip_frames()
    for number in (90, 150, 240):
        rgb = frames[number - 1].rgb
        (box,) = engine.detect(rgb, upsample=0)
        # The region the analyzer keeps: the box with PATCH_MARGIN of its size around it.
        margin = round(max(box.width, box.height) * PATCH_MARGIN)
        height, width = rgb.shape[:2]
        top, bottom = max(box.top - margin, 0), min(box.bottom + margin, height)
        left, right = max(box.left - margin, 0), min(box.right + margin, width)
        patch = np.ascontiguousarray(rgb[top:bottom, left:right])
        inside = Box(box.top - top, box.right - left, box.bottom - top, box.left - left)
        np.testing.assert_allclose(
            engine.encode(patch, [inside]), engine.encode(rgb, [box]), atol=1e-6, rtol=0
        )


def test_small_face_with_a_larger_detection_scale(engine: FaceEngine) -> None:
    """At scale 1.5 the small face of frames ~1-20 is detected, and only ever named as himself.

    His hand moves from frame 4 on: the region around it is searched, and the
    face's first sample (about 0.49) is within the tolerance.
    """
    settings = AnalysisSettings(detection_scale=1.5, min_face_size=40)
    analyzer = CameraAnalyzer("hamilton", engine, settings, reference_gallery())
    run = run_clip(analyzer, clip_frames()[:60])
    ((number, detected), *_rest) = run.of(FaceDetected)
    assert number <= 20
    assert isinstance(detected, FaceDetected)
    assert 40 <= detected.box[1] - detected.box[3] < 60
    assert [event.person_id for _n, event in run.of(FaceRecognized)] == [LIN_ID]
    assert run.of(UnknownFace) == []
    ((_n, lost),) = run.of(FaceLost)
    assert isinstance(lost, FaceLost)
    assert lost.person_id == LIN_ID


def test_smaller_detection_scale_keeps_source_pixel_boxes(engine: FaceEngine) -> None:
    """At scale 0.8 boxes are still reported in source pixels, and Lin is still found."""
    settings = AnalysisSettings(detection_scale=0.8, min_face_size=40)
    analyzer = CameraAnalyzer("hamilton", engine, settings, reference_gallery())
    run = run_clip(analyzer, clip_frames()[80:130])
    ((_number, recognised),) = run.of(FaceRecognized)
    assert isinstance(recognised, FaceRecognized)
    assert recognised.person_id == LIN_ID
    _top, right, _bottom, left = recognised.box
    assert 75 <= right - left <= 110
    assert left > 100


def test_finish_decides_with_the_evidence_there_is(engine: FaceEngine) -> None:
    """A source ending right after a face appears still names it, from one sample."""
    analyzer = CameraAnalyzer("hamilton", engine, AnalysisSettings(), reference_gallery())
    run = run_clip(analyzer, clip_frames()[:90])
    kinds = [event.type for _n, event in run.events]
    # The far face of frames ~1-20 first, decided and lost; then the close one.
    assert kinds == [
        "face_detected",
        "motion_started",
        "face_recognized",
        "face_lost",
        "face_detected",
        "face_recognized",
        "face_lost",
        "motion_ended",
    ]
    recognised = run.of(FaceRecognized)[1][1]
    assert isinstance(recognised, FaceRecognized)
    assert recognised.person_id == LIN_ID
    lost = run.of(FaceLost)[1][1]
    assert isinstance(lost, FaceLost)
    assert lost.person_id == LIN_ID
    assert lost.duration == 0.0
    assert lost.pts == pytest.approx(clip_frames()[89].pts)
    # Finishing again has nothing more to report.
    assert analyzer.finish(3.0, 1e9 + 3.0) == []


def test_finish_makes_a_far_face_unknown(engine: FaceEngine) -> None:
    """The stranger seen once, when the source ends, is unknown, not a known name."""
    analyzer = CameraAnalyzer("hamilton", engine, AnalysisSettings(), reference_gallery())
    run = run_clip(analyzer, clip_frames()[210:222])
    ((_number, unknown),) = run.of(UnknownFace)
    assert isinstance(unknown, UnknownFace)
    assert unknown.best_distance is not None
    assert unknown.best_distance > 0.6
    assert run.of(FaceRecognized) == []


def test_a_new_gallery_names_a_face_already_in_view(face_media: FaceMedia) -> None:
    """Taught while a face is in view, it is named at the next detection; never unnamed."""
    frames = face_media.frames()
    before_slice, taught_slice, later_slice = face_media.taught_in_view
    analyzer = CameraAnalyzer("cam", shared_engine(), face_media.settings, KnownFaces())
    before = run_clip(analyzer, frames[before_slice], finish=False)
    assert [event.type for _n, event in before.events] == ["motion_started", "face_detected"]
    ((_number, detected),) = before.of(FaceDetected)
    assert isinstance(detected, FaceDetected)
    analyzer.update_gallery(face_media.gallery)
    taught = run_clip(analyzer, frames[taught_slice], finish=False)
    ((_number, recognised),) = taught.of(FaceRecognized)
    assert isinstance(recognised, FaceRecognized)
    assert recognised.track_id == detected.track_id
    assert recognised.person_id == face_media.person_id
    # Forgetting everybody later does not take the name back from the decided track.
    analyzer.update_gallery(KnownFaces())
    later = run_clip(analyzer, frames[later_slice])
    ((_number, lost),) = later.of(FaceLost)
    assert isinstance(lost, FaceLost)
    assert lost.person_id == face_media.person_id
    assert later.of(FaceRecognized) == []
    assert later.of(UnknownFace) == []


def test_an_empty_gallery_makes_a_face_unknown_after_three_samples(face_media: FaceMedia) -> None:
    """Nobody known: the track is unknown at its third encoding, with no distance."""
    analyzer = CameraAnalyzer("cam", shared_engine(), face_media.settings, KnownFaces())
    run = run_clip(analyzer, face_media.frames()[face_media.unknown_window])
    ((_number, unknown),) = run.of(UnknownFace)
    assert isinstance(unknown, UnknownFace)
    if face_media.unknown_pts is not None:
        assert unknown.pts == pytest.approx(face_media.unknown_pts)
    assert unknown.best_distance is None
    assert len(unknown.encoding) == 128


# The astronaut's face video with every frame taken as motion: five detections a second.
HEAD_SETTINGS = AnalysisSettings(motion_sensitivity=100)


def head_events(analyzer: CameraAnalyzer, count: int) -> list[CameraEvent]:
    """Feed the first ``count`` frames of the astronaut's face video; return the events."""
    return [event for _n, event in run_clip(analyzer, head_frames()[:count], finish=False).events]


def only[T](events: list[CameraEvent], kind: type[T]) -> T:
    """Return the single event of a type."""
    (found,) = [event for event in events if isinstance(event, kind)]
    return found


@pytest.fixture(scope="module")
def full_scale() -> FaceRecognized:
    """Return the recognition of the head at the default detection scale (1.0)."""
    analyzer = CameraAnalyzer("cam", shared_engine(), HEAD_SETTINGS, astronaut_gallery())
    return only(head_events(analyzer, 3), FaceRecognized)


@pytest.mark.parametrize("scale", [0.8, 1.5])
def test_other_detection_scales_report_source_pixels(
    scale: float, full_scale: FaceRecognized
) -> None:
    """Shrunk or enlarged for detection, the face is still found, boxed and named in source pixels.

    Below 1.0 only the pixels around the face are converted for its encoding:
    the name and the distance come out as from the whole frame.
    """
    settings = replace(HEAD_SETTINGS, detection_scale=scale)
    analyzer = CameraAnalyzer("cam", shared_engine(), settings, astronaut_gallery())
    events = head_events(analyzer, 3)
    recognised = only(events, FaceRecognized)
    assert recognised.person_id == ASTRONAUT_ID
    assert recognised.pts == full_scale.pts
    # Boxes differ by the detector's rounding at another scale, a few pixels at most.
    assert np.abs(np.subtract(recognised.box, full_scale.box)).max() <= 12
    top, right, bottom, left = recognised.box
    assert 0 <= left < right <= 640
    assert 0 <= top < bottom <= 360
    assert recognised.mean_distance == pytest.approx(full_scale.mean_distance, abs=0.05)
    assert recognised.crop_jpeg.startswith(b"\xff\xd8")


def test_a_scale_too_small_for_the_detector_finds_nothing() -> None:
    """At 0.5 the 87-px face shrinks to about 43 px, below what HOG finds without upsampling."""
    settings = replace(HEAD_SETTINGS, detection_scale=0.5)
    analyzer = CameraAnalyzer("cam", shared_engine(), settings, astronaut_gallery())
    events = head_events(analyzer, 3)
    assert [event.type for event in events] == ["motion_started"]
    assert analyzer.figures(0.4, 1e9, 3).detections == 3


def test_scheduling_follows_motion_tracks_and_settings(engine: FaceEngine) -> None:
    """Motion checks are due every 1/motion_rate; detections too while there is motion."""
    analyzer = CameraAnalyzer("sched", engine, AnalysisSettings(), KnownFaces())
    assert analyzer.next_due() == -math.inf
    grey = np.full((90, 160, 3), 128, np.uint8)
    analyzer.process(picture(grey, 1.0, 1.0))
    assert analyzer.next_due() == pytest.approx(1.1 - SCHEDULE_SLACK)
    assert not analyzer.is_due(1.05)
    assert analyzer.is_due(1.1)
    # Not due: nothing happens, and nothing is counted.
    assert analyzer.process(picture(grey, 1.05, 1.05)) == []
    analyzer.update_settings(AnalysisSettings(motion_rate=2.0, motion_sensitivity=100))
    assert analyzer.settings.motion_rate == 2.0
    assert analyzer.next_due() == pytest.approx(1.5 - SCHEDULE_SLACK)
    events = analyzer.process(picture(grey, 1.5, 1.5))
    assert [event.type for event in events] == ["motion_started"]
    assert analyzer.motion
    # With motion, detections (5 a second) are due before the next motion check.
    assert analyzer.next_due() == pytest.approx(1.7 - SCHEDULE_SLACK)
    assert analyzer.process(picture(grey, 1.7, 1.7)) == []
    assert analyzer.figures(1.7, 1.7, 8).frames_analysed == 3
    # A timeline that restarts (a looping file) closes the old one first.
    assert analyzer.is_due(0.0)
    events = analyzer.process(picture(grey, 0.0, 2.0))
    assert [event.type for event in events] == ["motion_ended", "motion_started"]
    assert events[0].pts == 1.7


def test_no_rate_means_never(engine: FaceEngine) -> None:
    """A rate of zero switches the step off: no motion check, so no detection either."""
    analyzer = CameraAnalyzer(
        "off", engine, AnalysisSettings(motion_rate=0.0, motion_sensitivity=100), KnownFaces()
    )
    assert analyzer.next_due() == math.inf
    assert analyzer.process(picture(astronaut_rgb(), 0.0)) == []
    assert analyzer.figures(1.0, 1.0, 10).frames_analysed == 0


def test_a_track_lost_undecided_reports_no_person(engine: FaceEngine) -> None:
    """A face seen once and gone for the timeout is lost without a decision."""
    settings = AnalysisSettings(motion_sensitivity=100, samples_to_decide=3)
    analyzer = CameraAnalyzer("astro", engine, settings, KnownFaces())
    events = analyzer.process(picture(astronaut_rgb(), 0.0))
    assert [event.type for event in events] == ["motion_started", "face_detected"]
    assert analyzer.faces_in_view == 1
    grey = np.full_like(astronaut_rgb(), 128)
    later: list[CameraEvent] = []
    for step in range(1, 15):
        later.extend(analyzer.process(picture(grey, step / 10)))
    lost = [event for event in later if isinstance(event, FaceLost)]
    assert [(event.track_id, event.person_id, event.duration) for event in lost] == [(1, None, 0.0)]
    assert lost[0].pts == pytest.approx(1.2)
    assert not any(isinstance(event, UnknownFace | FaceRecognized) for event in later)
    assert analyzer.faces_in_view == 0
