"""The motion gate: still scenes cost nothing, moving ones start and end motion."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from custom_components.openeye.pipeline.analyzer import CameraAnalyzer
from custom_components.openeye.pipeline.gallery import KnownFaces
from custom_components.openeye.pipeline.messages import (
    FaceDetected,
    MotionEnded,
    MotionStarted,
)
from custom_components.openeye.pipeline.motion import (
    MOTION_WIDTH,
    MotionChange,
    MotionGate,
    motion_threshold,
    small_grey,
)
from custom_components.openeye.pipeline.settings import AnalysisSettings
from tests.pipeline.real_faces import astronaut_rgb, picture, shared_engine

if TYPE_CHECKING:
    from collections.abc import Iterator

    from numpy.typing import NDArray

    from custom_components.openeye.pipeline.engine import FaceEngine

FPS = 10.0


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    """Share one engine across the module."""
    return shared_engine()


def noisy(image: NDArray[np.uint8], rng: np.random.Generator) -> NDArray[np.uint8]:
    """Return the image with camera-like sensor noise of a few grey levels."""
    noise = rng.integers(-4, 5, size=image.shape, dtype=np.int16)
    return np.clip(image.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def grey(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Return a picture in grey (the luma a decoder would give), as the gate is fed."""
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return np.asarray(np.round(rgb.astype(np.float32) @ weights), dtype=np.uint8)


def still_scene(seconds: float, start: float = 0.0) -> Iterator[tuple[NDArray[np.uint8], float]]:
    """Yield the astronaut in RGB, unchanged but for noise, at :data:`FPS` frames a second."""
    rng = np.random.default_rng(1)
    for index in range(round(seconds * FPS)):
        yield noisy(astronaut_rgb(), rng), start + index / FPS


def test_sensitivity_mapping() -> None:
    """Every 25 points are ten times more sensitive; 100 is always, 0 never."""
    assert motion_threshold(100) == 0.0
    assert motion_threshold(0) == 1.0
    assert motion_threshold(25) == pytest.approx(0.1)
    assert motion_threshold(50) == pytest.approx(0.01)
    assert motion_threshold(75) == pytest.approx(0.001)
    assert motion_threshold(150) == 0.0
    assert motion_threshold(-5) == 1.0
    assert [motion_threshold(s) for s in range(0, 101, 10)] == sorted(
        (motion_threshold(s) for s in range(0, 101, 10)), reverse=True
    )


def test_still_scene_is_never_motion() -> None:
    """A noisy but still picture never counts as motion at the default sensitivity."""
    gate = MotionGate(sensitivity=50, hold=2.0)
    changes = [gate.check(grey(rgb), pts) for rgb, pts in still_scene(5.0)]
    assert changes == [None] * len(changes)
    assert not gate.active
    assert gate.changed_fraction < motion_threshold(50)


def test_still_scene_triggers_no_detection(engine: FaceEngine) -> None:
    """The analyzer never runs the detector on a still scene, although it shows a face."""
    analyzer = CameraAnalyzer("still", engine, AnalysisSettings(), KnownFaces())
    events = [
        event for rgb, pts in still_scene(5.0) for event in analyzer.process(picture(rgb, pts))
    ]
    figures = analyzer.figures(5.0, 5.0, frames_read=50)
    assert events == []
    assert figures.detections == 0
    assert figures.frames_analysed == 50
    # The same scene at sensitivity 100 (every frame is motion) does find the face:
    # the zero above is the gate's doing, not a face the detector would miss.
    eager = CameraAnalyzer("eager", engine, AnalysisSettings(motion_sensitivity=100), KnownFaces())
    events = [event for rgb, pts in still_scene(1.0) for event in eager.process(picture(rgb, pts))]
    assert isinstance(events[0], MotionStarted)
    assert any(isinstance(event, FaceDetected) for event in events)
    assert eager.figures(1.0, 1.0, frames_read=10).detections == 5


def test_moving_scene_starts_and_ends_motion_after_hold() -> None:
    """Motion starts with the first moved frame and ends once still for the hold time."""
    gate = MotionGate(sensitivity=50, hold=2.0)
    base = grey(astronaut_rgb())
    changes: list[tuple[float, MotionChange]] = []
    last_move = 0.0
    for index in range(80):
        pts = index / FPS
        # Still for one second, then a sideways pan for one second, then still.
        shift = min(max(index - 10, 0), 10) * 12
        if 10 < index <= 20:
            last_move = pts
        change = gate.check(np.roll(base, shift, axis=1), pts)
        if change is not None:
            changes.append((pts, change))
    assert [change for _, change in changes] == [MotionChange.STARTED, MotionChange.ENDED]
    assert changes[0][0] == pytest.approx(1.1)
    # The end comes after the hold time, plus the moment the background takes
    # to catch up with the new position of the picture.
    assert last_move + 2.0 <= changes[1][0] <= last_move + 3.0


def test_motion_events_from_the_analyzer(engine: FaceEngine) -> None:
    """The analyzer turns the gate's changes into MotionStarted and MotionEnded results."""
    settings = AnalysisSettings(motion_hold=1.0, motion_sensitivity=50)
    analyzer = CameraAnalyzer("cam", engine, settings, KnownFaces())
    black = np.zeros((120, 160, 3), dtype=np.uint8)
    white = np.full((120, 160, 3), 255, dtype=np.uint8)
    events = []
    for index in range(40):
        pts = index / FPS
        rgb = white if 5 <= index < 8 else black
        events.extend(analyzer.process(picture(rgb, pts, 1000 + pts)))
    kinds = [type(event) for event in events]
    assert kinds == [MotionStarted, MotionEnded]
    assert events[0].pts == pytest.approx(0.5)
    assert events[0].timestamp == pytest.approx(1000.5)
    assert events[0].camera_id == "cam"
    assert events[1].pts >= 0.7 + 1.0


def test_sensitivity_extremes() -> None:
    """At 100 the first frame is already motion; at 0 a total change is not."""
    always = MotionGate(sensitivity=100, hold=1.0)
    assert always.check(grey(astronaut_rgb()), 0.0) is MotionChange.STARTED
    assert always.active
    never = MotionGate(sensitivity=0, hold=1.0)
    assert never.check(np.zeros((180, 320), np.uint8), 0.0) is None
    assert never.check(np.full((180, 320), 255, np.uint8), 0.1) is None
    assert never.changed_fraction == 1.0
    never.update_settings(sensitivity=100, hold=1.0)
    assert never.check(np.zeros((180, 320), np.uint8), 0.2) is MotionChange.STARTED


def test_new_resolution_or_timeline_resets_the_background() -> None:
    """A frame of another size, or an earlier pts, becomes the new background."""
    gate = MotionGate(sensitivity=50, hold=1.0)
    gate.check(np.zeros((90, 160), np.uint8), 0.0)
    assert gate.check(np.full((320, 320), 255, np.uint8), 0.1) is None
    assert gate.check(np.zeros((320, 320), np.uint8), 0.05) is None
    assert gate.check(np.full((320, 320), 255, np.uint8), 0.2) is MotionChange.STARTED
    gate.reset()
    assert not gate.active
    assert gate.changed_fraction == 0.0


def test_grey_pictures_are_shrunk_to_about_the_motion_width_by_whole_blocks() -> None:
    """Any grey picture becomes a blurred one about 160 pixels wide, same aspect."""
    assert small_grey(np.zeros((180, 320), np.uint8)).shape == (90, MOTION_WIDTH)
    assert small_grey(np.zeros((2160, 3840), np.uint8)).shape == (90, MOTION_WIDTH)
    assert small_grey(np.zeros((288, 352), np.uint8)).shape == (144, 176)
    assert small_grey(np.zeros((60, 80), np.uint8)).shape == (60, 80)
    # Whole blocks are averaged: a 2x2 checkerboard of 0 and 200 becomes an even 100.
    checkerboard = np.indices((180, 320)).sum(axis=0) % 2 * 200
    assert np.allclose(small_grey(checkerboard.astype(np.uint8)), 100.0)
    assert small_grey(grey(astronaut_rgb())).dtype == np.float32


def test_the_blur_keeps_flat_areas_and_spreads_a_point() -> None:
    """The blur leaves a flat picture as it is and spreads a bright point over 5x5 pixels."""
    flat = small_grey(np.full((180, 320), 77, np.uint8))
    assert np.allclose(flat, 77.0)
    point = np.zeros((180, 320), np.uint8)
    point[90:92, 160:162] = 255
    spread = small_grey(point)
    assert spread.sum() == pytest.approx(255.0, rel=1e-4)
    assert np.count_nonzero(spread > 0.01) == 25
    assert float(spread.max()) == pytest.approx(255 * (6 / 16) ** 2)
