"""From the motion gate's changed pixels to padded, merged regions for the face search."""

from __future__ import annotations

import numpy as np
import pytest

from custom_components.openeye.pipeline.engine import Box
from custom_components.openeye.pipeline.motion import MotionGate
from custom_components.openeye.pipeline.regions import (
    DETECTOR_MIN_FACE,
    MAX_UPSAMPLE,
    MIN_COMPONENT_PIXELS,
    PAD_SHARE,
    REACH,
    TRACK_FACE_WIDTH,
    TRACK_MARGIN,
    UPSAMPLE_BUDGET,
    Region,
    SearchPlan,
    changed_boxes,
    merged,
    moved_somewhere,
    padded,
    plan_search,
)

# A 1080p camera's motion picture: 160x90 pixels of 12x12 source pixels each.
HEIGHT, WIDTH = 1080, 1920


def mask(*rectangles: tuple[int, int, int, int]) -> np.ndarray:
    """Return a 90x160 motion picture with the given (top, left, bottom, right) pixels changed."""
    changed = np.zeros((90, 160), dtype=bool)
    for top, left, bottom, right in rectangles:
        changed[top:bottom, left:right] = True
    return changed


def test_the_gate_says_which_pixels_changed() -> None:
    """The first check has nothing to compare with; the next marks where the picture changed."""
    gate = MotionGate(50, 2.0)
    still = np.full((180, 320), 100, np.uint8)
    gate.check(still, 0.0)
    assert gate.changed is None
    moved = still.copy()
    moved[60:100, 200:260] = 220
    gate.check(moved, 0.1)
    assert gate.changed is not None
    rows, columns = np.nonzero(gate.changed)
    # The changed block, shrunk by two and blurred by a pixel or two.
    assert 27 <= rows.min() <= 30
    assert 49 <= rows.max() <= 52
    assert 97 <= columns.min() <= 100
    assert 129 <= columns.max() <= 132
    gate.reset()
    assert gate.changed is None


def test_each_group_of_changed_pixels_gives_its_box_in_source_pixels() -> None:
    """Two separate groups give two boxes, scaled from the motion picture to the camera's pixels."""
    boxes = changed_boxes(mask((10, 20, 20, 30), (60, 100, 80, 140)), HEIGHT, WIDTH)
    assert sorted(box.as_tuple() for box in boxes) == [
        # Blocks of 4 motion pixels, each 12 source pixels: a group is
        # widened to the blocks it touches.
        (96, 384, 240, 240),
        (720, 1680, 960, 1200),
    ]


def test_diagonal_neighbours_and_patchy_changes_make_one_group() -> None:
    """A person's changes are patchy; blocks touching at a corner still join."""
    boxes = changed_boxes(mask((8, 8, 12, 12), (12, 12, 16, 16), (16, 16, 20, 20)), 360, 640)
    assert boxes == [Box(32, 80, 80, 32)]


def test_specks_are_not_searched() -> None:
    """Single changed pixels and groups under the minimum give no region."""
    specks = mask(
        *[(row, column, row + 1, column + 1) for row in (5, 45, 85) for column in (5, 80)]
    )
    assert changed_boxes(specks, HEIGHT, WIDTH) == []
    assert not moved_somewhere(specks)
    # Two blocks of 2x2 changed pixels, apart: 4 each, under the minimum of a group.
    assert MIN_COMPONENT_PIXELS > 4
    assert not moved_somewhere(mask((40, 40, 42, 42), (40, 80, 42, 82)))
    assert moved_somewhere(mask((40, 40, 44, 44)))


def test_padding_is_trimmed_to_the_picture() -> None:
    """A padded box never leaves the picture."""
    assert padded(Box(10, 100, 50, 20), 30, 360, 640) == Box(0, 130, 80, 0)
    assert padded(Box(300, 630, 350, 600), 30, 360, 640) == Box(270, 640, 360, 570)


def test_boxes_that_touch_are_merged_until_none_do() -> None:
    """A merged box that reaches a third box takes it in too; boxes apart stay apart."""
    boxes = [
        Box(0, 100, 100, 0),
        Box(200, 400, 300, 300),
        Box(50, 300, 200, 100),  # overlaps the first; merged, it touches the second
        Box(500, 900, 600, 800),
    ]
    assert merged(boxes) == [Box(0, 400, 300, 0), Box(500, 900, 600, 800)]
    assert merged([]) == []


def test_a_moving_person_is_searched_in_a_padded_region_at_full_resolution() -> None:
    """A person walking through a 1080p picture: one region, padded, native scale."""
    plan = plan_search(mask((30, 70, 80, 90)), [], HEIGHT, WIDTH, min_face_size=60)
    assert not plan.whole_frame
    (region,) = plan.regions
    # The group: rows 28-80 and columns 68-92 of the motion picture (whole blocks).
    group = Box(28 * 12, 92 * 12, 80 * 12, 68 * 12)
    pad = round(PAD_SHARE * group.height)
    assert pad > REACH * 60
    assert region == Region(padded(group, pad, HEIGHT, WIDTH), 1.0)
    assert plan.searched_pixels == region.box.width * region.box.height
    assert plan.searched_pixels < HEIGHT * WIDTH / 2


def test_followed_faces_are_searched_with_a_margin_at_their_own_scale() -> None:
    """Without motion, the pixels around each followed face are searched, scaled for the face.

    An undecided face is never shrunk (its box feeds its encoding); a decided
    one is shrunk to TRACK_FACE_WIDTH, and a small one enlarged to it.
    """
    face = Box(400, 1100, 500, 1000)
    around = padded(face, round(TRACK_MARGIN * 100), HEIGHT, WIDTH)
    plan = plan_search(None, [face], HEIGHT, WIDTH, min_face_size=60)
    assert plan == SearchPlan(whole_frame=False, regions=(Region(around, 1.0),))
    plan = plan_search(None, [], HEIGHT, WIDTH, min_face_size=60, decided=[face])
    assert plan == SearchPlan(whole_frame=False, regions=(Region(around, TRACK_FACE_WIDTH / 100),))
    small = Box(400, 1048, 448, 1000)
    (region,) = plan_search(None, [small], HEIGHT, WIDTH).regions
    assert region == Region(padded(small, 48, HEIGHT, WIDTH), 1.5)
    assert plan_search(None, [], HEIGHT, WIDTH) == SearchPlan(whole_frame=False, regions=())


def test_followed_faces_inside_a_searched_region_are_not_searched_twice() -> None:
    """A face inside a region searched at its scale or finer adds nothing; a small one does."""
    changed = mask((20, 20, 60, 60))
    face = Box(400, 400, 500, 300)
    alone = plan_search(changed, [], HEIGHT, WIDTH, min_face_size=60)
    assert plan_search(changed, [face], HEIGHT, WIDTH, min_face_size=60) == alone
    whole = plan_search(None, [face], HEIGHT, WIDTH, whole_frame=True)
    assert whole == SearchPlan(whole_frame=True, regions=())
    small = Box(400, 348, 448, 300)
    (region,) = plan_search(None, [small], HEIGHT, WIDTH, whole_frame=True).regions
    assert region.scale == 1.5


def test_most_of_the_picture_moving_searches_the_whole_picture() -> None:
    """Regions covering two thirds of the picture or more: one whole-picture search instead."""
    assert plan_search(mask((0, 0, 90, 120)), [], HEIGHT, WIDTH).whole_frame
    assert plan_search(mask((0, 0, 10, 10), (80, 150, 90, 160)), [], 360, 640).whole_frame


def test_small_regions_are_enlarged_for_small_faces_within_the_budget() -> None:
    """Faces under the detector's size are searched enlarged, by what brings them to its size."""
    changed = mask((10, 10, 14, 14))
    native = plan_search(changed, [], HEIGHT, WIDTH, min_face_size=DETECTOR_MIN_FACE)
    assert [region.scale for region in native.regions] == [1.0]
    small = plan_search(changed, [], HEIGHT, WIDTH, min_face_size=40)
    assert [region.scale for region in small.regions] == [1.5]
    assert small.searched_pixels <= UPSAMPLE_BUDGET
    # 20-px faces would need three times the pixels on a side: at most twice.
    tiny = plan_search(mask((40, 40, 44, 44)), [], HEIGHT, WIDTH, min_face_size=20)
    assert [region.scale for region in tiny.regions] == [MAX_UPSAMPLE]
    # At half the detection scale, the same region is searched at 0.5 x 2.
    half = plan_search(changed, [], HEIGHT, WIDTH, scale=0.5, min_face_size=40)
    assert [region.scale for region in half.regions] == [1.0]
    # A region too large for the budget stays at the detection scale.
    large = plan_search(mask((20, 20, 60, 60)), [], HEIGHT, WIDTH, min_face_size=40)
    (region,) = large.regions
    assert region.scale == 1.0
    assert region.box.width * region.box.height * 1.5**2 > UPSAMPLE_BUDGET


def test_the_budget_goes_to_the_smallest_regions() -> None:
    """Of two regions that do not both fit the budget enlarged, the smaller one is enlarged."""
    changed = mask((5, 5, 9, 9), (60, 120, 72, 132))
    plan = plan_search(changed, [], HEIGHT, WIDTH, min_face_size=40)
    areas = [(region.box.width * region.box.height, region.scale) for region in plan.regions]
    assert len(areas) == 2
    assert sum(area for area, _scale in areas) * 1.5**2 > UPSAMPLE_BUDGET
    (small_area, small_scale), (large_area, large_scale) = sorted(areas)
    assert (small_scale, large_scale) == (1.5, 1.0)
    assert plan.searched_pixels == pytest.approx(small_area * 1.5**2 + large_area, rel=0.01)
