"""Searching only where something moved: as good as a whole-picture search, at a fraction of it.

The astronaut's head (tests/faces.py, a face about 86 px wide) is pasted on
a grey 1280x720 or 1920x1080 picture; what moves is drawn beside or over it.
"""

from __future__ import annotations

from dataclasses import replace
import math

import numpy as np
from numpy.typing import NDArray
import pytest

from custom_components.openeye.pipeline.analyzer import SAFETY_NET_INTERVAL, CameraAnalyzer
from custom_components.openeye.pipeline.engine import Box
from custom_components.openeye.pipeline.frames import Frame
from custom_components.openeye.pipeline.messages import (
    CameraEvent,
    FaceDetected,
    FaceLost,
    FaceRecognized,
)
from custom_components.openeye.pipeline.regions import WHOLE_FRAME_SHARE, SearchPlan, plan_search
from custom_components.openeye.pipeline.settings import AnalysisSettings
from custom_components.openeye.pipeline.tracker import iou
from tests.faces import astronaut_head_rgb
from tests.pipeline.astronaut import ASTRONAUT_ID, astronaut_gallery
from tests.pipeline.real_faces import (
    LIN_ID,
    clip_frames,
    picture,
    reference_gallery,
    shared_engine,
)

HEIGHT, WIDTH = 720, 1280
# The face's box inside the head picture, as the detector finds it.
FACE_IN_HEAD = Box(79, 186, 166, 100)
# Source pixels per pixel of the motion picture (160x90) at 1280x720.
CELL = 8
# Parts of the picture that move, relative to the face box (top, left, bottom,
# right as shares of the face's width and height): each crosses the face's
# border or lies beside it, so that the region made from it cuts the face or
# misses it before padding.
MOVING_PARTS = {
    "left third": (0.0, 0.0, 1.0, 0.34),
    "right third": (0.0, 0.66, 1.0, 1.0),
    "top third": (0.0, 0.0, 0.34, 1.0),
    "bottom third": (0.66, 0.0, 1.0, 1.0),
    "top-left corner": (-0.2, -0.2, 0.4, 0.4),
    "hand beside it": (0.2, 1.6, 0.7, 2.1),
    "shoulder below it": (1.3, -0.3, 1.8, 0.5),
}
# Where the head is pasted (top, left): across the picture, near its edges
# too, and at offsets that fall between the motion picture's pixels.
PLACES = [(top, left) for top in (0, 231, 455) for left in (3, 257, 518, 771, 997)]


def scene(top: int, left: int, height: int = HEIGHT, width: int = WIDTH) -> NDArray[np.uint8]:
    """Return a grey picture with the astronaut's head pasted at (top, left)."""
    rgb = np.full((height, width, 3), 90, dtype=np.uint8)
    head = astronaut_head_rgb()
    rgb[top : top + head.shape[0], left : left + head.shape[1]] = head
    return rgb


def face_at(top: int, left: int) -> Box:
    """Return where the face is when the head is pasted at (top, left)."""
    return Box(
        FACE_IN_HEAD.top + top,
        FACE_IN_HEAD.right + left,
        FACE_IN_HEAD.bottom + top,
        FACE_IN_HEAD.left + left,
    )


def moving_box(face: Box, part: tuple[float, float, float, float]) -> Box:
    """Return the source pixels that move for a part given relative to the face box."""
    top, left, bottom, right = part
    return Box(
        face.top + round(top * face.height),
        face.left + round(right * face.width),
        face.top + round(bottom * face.height),
        face.left + round(left * face.width),
    ).clipped(HEIGHT, WIDTH)


def changed_pixels(box: Box) -> NDArray[np.bool_]:
    """Return the motion picture (90x160) with the pixels under a source box changed."""
    changed = np.zeros((HEIGHT // CELL, WIDTH // CELL), dtype=bool)
    changed[
        box.top // CELL : math.ceil(box.bottom / CELL),
        box.left // CELL : math.ceil(box.right / CELL),
    ] = True
    return changed


def region_search(frame: Frame, box: Box, min_face_size: int) -> tuple[list[Box], int]:
    """Search the regions planned for a moving box; return the faces found and the pixels searched.

    This is what the analyzer does with a plan: each region converted at its
    scale, searched without upsampling, and the boxes placed back in the picture.
    """
    plan = plan_search(changed_pixels(box), [], HEIGHT, WIDTH, min_face_size=min_face_size)
    assert not plan.whole_frame
    found: list[Box] = []
    for region in plan.regions:
        rgb, used = frame.rgb_region(region.box, region.scale)
        for inside in shared_engine().detect(rgb, upsample=0):
            scaled = inside.scaled(1 / region.scale)
            found.append(
                Box(
                    scaled.top + used.top,
                    scaled.right + used.left,
                    scaled.bottom + used.top,
                    scaled.left + used.left,
                )
            )
    return found, plan.searched_pixels


@pytest.mark.parametrize("min_face_size", [40, 60])
def test_a_face_crossing_region_borders_is_found_as_often_as_in_the_whole_picture(
    min_face_size: int,
) -> None:
    """Moving parts that cut the face or lie beside it: the regions find it wherever it is.

    For 15 places of the head and 7 moving parts each (105 searches), the face
    is found in the regions exactly as often as in the whole picture, at the
    same place, while searching a fraction of the picture's pixels.
    """
    whole_found = region_found = cut = 0
    searched: list[int] = []
    for top, left in PLACES:
        rgb = scene(top, left)
        frame = Frame.from_rgb(rgb, 0.0, 0.0)
        face = face_at(top, left)
        (whole,) = shared_engine().detect(rgb, upsample=0)
        assert iou(whole, face) > 0.6
        for part in MOVING_PARTS.values():
            whole_found += 1
            moving = moving_box(face, part)
            # The moving box never holds the whole face: the region is cut.
            assert not (
                moving.top <= face.top
                and moving.bottom >= face.bottom
                and moving.left <= face.left
                and moving.right >= face.right
            )
            cut += iou(moving, face) > 0
            found, pixels = region_search(frame, moving, min_face_size)
            searched.append(pixels)
            # The same face; the box may differ by a step of the detector's pyramid.
            region_found += sum(iou(box, whole) > 0.5 for box in found)
    assert cut == 5 * len(PLACES)
    assert whole_found == len(PLACES) * len(MOVING_PARTS)
    assert region_found == whole_found
    assert max(searched) < WHOLE_FRAME_SHARE * HEIGHT * WIDTH * (60 / min_face_size) ** 2
    assert np.mean(searched) < 0.5 * HEIGHT * WIDTH


def hand(rgb: NDArray[np.uint8], top: int, left: int, size: int = 56) -> NDArray[np.uint8]:
    """Return the picture with a bright square (a waving hand) drawn at (top, left)."""
    moved = rgb.copy()
    moved[top : top + size, left : left + size] = 230
    return moved


def run(
    analyzer: CameraAnalyzer, pictures: list[NDArray[np.uint8]], step: float = 0.1
) -> list[tuple[float, CameraEvent, bool | None]]:
    """Feed pictures, one every ``step`` seconds; return each event with whether it was whole."""
    events: list[tuple[float, CameraEvent, bool | None]] = []
    for index, rgb in enumerate(pictures):
        for event in analyzer.process(picture(rgb, index * step, 1e9 + index * step)):
            search = analyzer.last_search
            events.append((index * step, event, None if search is None else search.whole_frame))
    return events


def test_a_still_face_beside_a_waving_hand_is_found_in_a_region() -> None:
    """Too little moves to count as motion, but the hand's region is searched and the face named."""
    base = scene(200, 400)
    face = face_at(200, 400)
    pictures = [hand(base, face.top + 10, face.right + 60 + 32 * (index % 2)) for index in range(6)]
    analyzer = CameraAnalyzer("cam", shared_engine(), AnalysisSettings(), astronaut_gallery())
    events = run(analyzer, pictures)
    kinds = [(pts, event.type, whole) for pts, event, whole in events]
    assert kinds[:2] == [
        (0.1, "face_detected", False),
        (pytest.approx(0.3), "face_recognized", False),
    ]
    assert not analyzer.motion
    search = analyzer.last_search
    assert search is not None
    assert not search.whole_frame
    # The hand's region, and the named face's own region at its own scale.
    (hand_region, face_region) = search.regions
    assert face_region.box.left <= face.left
    assert face_region.box.right >= face.right
    assert face_region.scale < 1.0
    assert hand_region.scale == 1.5
    assert search.searched_pixels < 0.55 * HEIGHT * WIDTH
    assert (
        SearchPlan(whole_frame=False, regions=(hand_region,)).searched_pixels < 0.5 * HEIGHT * WIDTH
    )


def test_the_safety_net_finds_a_face_that_no_region_reaches() -> None:
    """A still face far from what moves is found by the whole-picture search, in its interval."""
    base = scene(0, 0)
    pictures = [hand(base, 600, 1150 - 40 * (index % 2)) for index in range(45)]
    analyzer = CameraAnalyzer("cam", shared_engine(), AnalysisSettings(), astronaut_gallery())
    events = run(analyzer, pictures)
    detected = [(pts, whole) for pts, event, whole in events if isinstance(event, FaceDetected)]
    # The hand first moved at 0.1 s, when the net's interval starts.
    assert detected == [(pytest.approx(0.1 + SAFETY_NET_INTERVAL), True)]


def test_a_decided_face_is_followed_without_encoding_it_again() -> None:
    """Once named, a face is followed in its margin only: no encoding, the decision kept."""
    settings = AnalysisSettings(motion_sensitivity=100)
    analyzer = CameraAnalyzer("cam", shared_engine(), settings, astronaut_gallery())
    pictures = [scene(100, 300 + 8 * index) for index in range(20)]
    deciding = run(analyzer, pictures[:3], step=0.2)
    (recognised,) = [event for _pts, event, _w in deciding if isinstance(event, FaceRecognized)]
    assert recognised.person_id == ASTRONAUT_ID
    assert analyzer.figures(0.4, 1e9, 3).encoding_ms > 0
    following: list[CameraEvent] = []
    for index in range(3, 20):
        following.extend(analyzer.process(picture(pictures[index], index * 0.2)))
    followed = analyzer.figures(3.8, 1e9, 17)
    assert followed.detections == 17
    assert followed.encoding_ms == 0.0
    assert following == []
    assert analyzer.faces_in_view == 1
    (lost,) = [event for event in analyzer.finish(3.8, 1e9) if isinstance(event, FaceLost)]
    assert lost.person_id == ASTRONAUT_ID


def test_a_face_walking_through_a_1080p_picture_is_searched_where_it_moves() -> None:
    """At 1080p, the detector sees the moving head's surroundings, not the picture."""
    settings = AnalysisSettings()
    analyzer = CameraAnalyzer("cam", shared_engine(), settings, astronaut_gallery())
    searched: list[int] = []
    events: list[CameraEvent] = []
    for index in range(12):
        rgb = scene(400, 200 + 30 * index, 1080, 1920)
        events.extend(analyzer.process(picture(rgb, index * 0.2)))
        search = analyzer.last_search
        if index and search is not None and not search.whole_frame:
            searched.append(search.searched_pixels)
    (recognised,) = [event for event in events if isinstance(event, FaceRecognized)]
    assert recognised.person_id == ASTRONAUT_ID
    # The first frame is searched whole (nothing to compare with); every
    # later one in regions only, each under a third of the picture.
    assert len(searched) == 11
    assert max(searched) < 1920 * 1080 / 3


def test_the_small_far_face_of_the_clip_is_named() -> None:
    """Frames ~1-20: Lin-Manuel Miranda, 43-52 px wide, is found beside his moving hand, named."""
    frames = clip_frames()[:40]
    analyzer = CameraAnalyzer("hamilton", shared_engine(), AnalysisSettings(), reference_gallery())
    events: list[tuple[int, CameraEvent]] = []
    for frame in frames:
        if frame.pts >= analyzer.next_due():
            events.extend((frame.number, event) for event in analyzer.process(frame.frame()))
    ((detected_at, _detected),) = [(n, e) for n, e in events if isinstance(e, FaceDetected)]
    ((named_at, named),) = [(n, e) for n, e in events if isinstance(e, FaceRecognized)]
    assert detected_at <= 5
    assert named_at <= 12
    assert named.person_id == LIN_ID
    assert 40 <= named.box[1] - named.box[3] < 60
    assert named.mean_distance <= 0.6
    # Not with the smallest face at the detector's own size: then it is ignored.
    strict = CameraAnalyzer(
        "hamilton",
        shared_engine(),
        replace(AnalysisSettings(), min_face_size=60),
        reference_gallery(),
    )
    for frame in frames:
        if frame.pts >= strict.next_due():
            assert not [e for e in strict.process(frame.frame()) if isinstance(e, FaceDetected)]


def test_specks_of_noise_never_add_up_to_a_search() -> None:
    """Single changes, each too small to search, in one corner over seconds: never a search.

    Each 12 px speck changes a pixel or two of the motion picture, under what
    a region needs; the six places together, added up over checks, would make
    one (so the test fails if changes add up while nothing is searched).
    """
    base = np.full((HEIGHT, WIDTH, 3), 90, dtype=np.uint8)
    places = [(40 + 24 * (index % 3), 40 + 24 * (index // 3)) for index in range(6)]
    analyzer = CameraAnalyzer("cam", shared_engine(), AnalysisSettings(), astronaut_gallery())
    events: list[CameraEvent] = []
    for index in range(60):
        rgb = base.copy()
        top, left = places[index % len(places)]
        rgb[top : top + 12, left : left + 12] = 250
        events.extend(analyzer.process(picture(rgb, index * 0.1)))
    assert events == []
    figures = analyzer.figures(6.0, 1e9, 60)
    assert (figures.frames_analysed, figures.detections) == (60, 0)
