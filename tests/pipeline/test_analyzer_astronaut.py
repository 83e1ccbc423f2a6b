"""One camera's analysis of the astronaut's head on a grey background: no shared media.

The frames are those of tests/faces.py's face video, made in memory: the head
(280x260, a face about 87 px wide) pasted on a 640x360 grey frame, moving 8 px
to the right each frame.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray
import pytest

from custom_components.openeye.pipeline.analyzer import CameraAnalyzer
from custom_components.openeye.pipeline.gallery import KnownFaces
from custom_components.openeye.pipeline.messages import (
    CameraEvent,
    FaceDetected,
    FaceLost,
    FaceRecognized,
    UnknownFace,
)
from custom_components.openeye.pipeline.settings import AnalysisSettings
from tests.faces import astronaut_head_rgb
from tests.pipeline.astronaut import ASTRONAUT_ID, astronaut_gallery
from tests.pipeline.real_faces import picture, shared_engine

# Every frame counts as motion, and five frames a second are all due for detection.
SETTINGS = AnalysisSettings(motion_sensitivity=100)
STEP = 0.2


def head_frame(index: int) -> NDArray[np.uint8]:
    """Return frame ``index`` of the face video (RGB): the head on grey, moved 8 px a frame."""
    head = astronaut_head_rgb()
    frame = np.full((360, 640, 3), 90, dtype=np.uint8)
    left = 20 + (index * 8) % (640 - head.shape[1] - 40)
    frame[50 : 50 + head.shape[0], left : left + head.shape[1]] = head
    return frame


def feed(analyzer: CameraAnalyzer, first: int, count: int) -> list[CameraEvent]:
    """Feed frames ``first`` to ``first + count - 1``, one every STEP seconds; return the events."""
    events: list[CameraEvent] = []
    for index in range(first, first + count):
        events.extend(
            analyzer.process(picture(head_frame(index), index * STEP, 1e9 + index * STEP))
        )
    return events


def only[T](events: list[CameraEvent], kind: type[T]) -> T:
    """Return the single event of a type."""
    (found,) = [event for event in events if isinstance(event, kind)]
    return found


@pytest.fixture(scope="module")
def full_scale() -> FaceRecognized:
    """Return the recognition of the head at the default detection scale (1.0)."""
    analyzer = CameraAnalyzer("cam", shared_engine(), SETTINGS, astronaut_gallery())
    return only(feed(analyzer, 0, 3), FaceRecognized)


@pytest.mark.parametrize("scale", [0.8, 1.5])
def test_other_detection_scales_report_source_pixels(
    scale: float, full_scale: FaceRecognized
) -> None:
    """Shrunk or enlarged for detection, the face is still found, boxed and named in source pixels.

    Below 1.0 only the pixels around the face are converted for its encoding:
    the name and the distance come out as from the whole frame.
    """
    settings = replace(SETTINGS, detection_scale=scale)
    analyzer = CameraAnalyzer("cam", shared_engine(), settings, astronaut_gallery())
    events = feed(analyzer, 0, 3)
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
    settings = replace(SETTINGS, detection_scale=0.5)
    analyzer = CameraAnalyzer("cam", shared_engine(), settings, astronaut_gallery())
    events = feed(analyzer, 0, 3)
    assert [event.type for event in events] == ["motion_started"]
    assert analyzer.figures(0.4, 1e9, 3).detections == 3


def test_a_new_gallery_names_a_face_already_in_view() -> None:
    """Taught while her face is in view, she is named at the next detection; never unnamed."""
    analyzer = CameraAnalyzer("cam", shared_engine(), SETTINGS, KnownFaces())
    before = feed(analyzer, 0, 2)
    assert [event.type for event in before] == ["motion_started", "face_detected"]
    detected = only(before, FaceDetected)
    analyzer.update_gallery(astronaut_gallery())
    after = feed(analyzer, 2, 1)
    recognised = only(after, FaceRecognized)
    assert recognised.track_id == detected.track_id
    assert recognised.person_id == ASTRONAUT_ID
    # Forgetting everybody later does not take the name back from the decided track.
    analyzer.update_gallery(KnownFaces())
    later = feed(analyzer, 3, 3) + analyzer.finish(1.0, 1e9 + 1.0)
    assert only(later, FaceLost).person_id == ASTRONAUT_ID
    assert not [event for event in later if isinstance(event, FaceRecognized | UnknownFace)]


def test_an_empty_gallery_makes_her_unknown_after_three_samples() -> None:
    """Nobody known: the track is unknown at its third encoding, with no distance."""
    analyzer = CameraAnalyzer("cam", shared_engine(), SETTINGS, KnownFaces())
    events = feed(analyzer, 0, 4)
    unknown = only(events, UnknownFace)
    assert unknown.pts == pytest.approx(0.4)
    assert unknown.best_distance is None
    assert len(unknown.encoding) == 128
