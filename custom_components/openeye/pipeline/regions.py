"""Where the face detector looks: the regions that moved and the pixels around followed faces.

The detector's cost grows with the pixels it searches, and a camera that
shows motion rarely shows it everywhere: a person walking through a 1080p
picture changes a tenth of it. So while a camera is in motion, the analyzer
searches only

- the regions that moved since its last search, from the motion gate's
  picture of changed pixels (:attr:`.motion.MotionGate.changed`), and
- a margin around each face being followed, where that face will be next,

the regions that moved at full resolution, or enlarged (up to twice) where a
region is small enough for the cost to stay low and the smallest face asked
for is below what the detector finds at the searched scale. When the regions
that moved would cover most of the picture, the whole picture is searched
instead. A followed face is searched at its own scale: its margin is resized
so that the face is a little above the detector's smallest size (a small face
enlarged, a large decided one shrunk), and it is not merged with the regions
that moved, whose padding is made for faces of unknown size.

A region is made as follows: the changed pixels are grouped into blocks,
neighbouring changed blocks into one component, and each component's bounding
box is padded on every side by half its larger side, and at least by four
times the smallest face asked for, so that a face that only partly moved (its
edge cut by the component's border), or stayed still beside a moving hand,
lies whole inside the region, with the margin that the detector's window
needs. Regions that overlap or touch are
merged into their bounding box until none do, so that no face is searched
twice and none is cut between two regions.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import TYPE_CHECKING

import numpy as np

from .engine import Box

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

# dlib's HOG detector, without upsampling, finds faces whose box is at least
# about this wide (measured on the shared media: 62-72 px faces are found at
# scale 1.0, 43-52 px ones are not; its window is 80 px). Smaller faces need
# the picture enlarged.
DETECTOR_MIN_FACE = 60
# The changed pixels of the motion picture (about 160x90) are grouped into
# blocks of this many pixels on a side before they are joined into regions:
# a person's changes are patchy (uniform clothes do not change), and blocks
# join the patches of one person into one region.
BLOCK = 4
# A block needs this many changed pixels to count: a single changed pixel is
# more often a compression artefact than a face.
MIN_CHANGED_PIXELS = 2
# A component needs this many changed pixels (of the 160x90 motion picture)
# to be searched: a person a few metres away, whose face is about 40 px wide
# in a 640x360 picture, changes some forty of them when moving.
MIN_COMPONENT_PIXELS = 12
# A component's box is padded by this share of its larger side on every side,
PAD_SHARE = 0.5
# and at least by this many of the smallest face asked for (the minimum face
# size): a face is searched when something within this many face widths of it
# moved, as a hand waving at arm's length while the head stays still.
REACH = 4
# The margin searched around a followed face, as a share of its box's larger
# side on every side: a walking face moves less than its own width in the
# fifth of a second between two detections.
TRACK_MARGIN = 1.0
# A followed face is searched at the scale that brings it to this width: a
# fifth above the smallest face the detector finds, so that a face that shrank
# a little since its last detection is still found.
TRACK_FACE_WIDTH = 72
# A decided face (whose box no longer feeds an encoding) may be searched
# shrunk to this scale at most; an undecided one is never shrunk, so that its
# box, and the encoding made from it, stays that of a full-resolution search.
MIN_TRACK_SCALE = 0.5
# When the regions that moved cover at least this share of the picture, the
# whole picture is searched: it costs little more, and one search finds every face.
WHOLE_FRAME_SHARE = 2 / 3
# When the smallest face asked for is below what the detector finds at the
# detection scale, small regions are enlarged by the factor that brings that
# face to the detector's size, at most this much (four times the pixels),
# while all the enlarged regions of a frame stay within this many searched
# pixels, those of two 640x360 pictures: about 40 ms of search at most.
MAX_UPSAMPLE = 2.0
UPSAMPLE_BUDGET = 2 * 640 * 360


@dataclass(frozen=True, slots=True)
class Region:
    """A rectangle of the picture to search, in source pixels, and the scale to search it at."""

    box: Box
    scale: float


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """What one detection searches: the whole picture, some regions of it, or both.

    With the whole picture, the regions are followed faces searched at a finer
    scale than the picture (small faces, enlarged).
    """

    whole_frame: bool
    regions: tuple[Region, ...] = ()

    @property
    def searched_pixels(self) -> int:
        """Return the pixels the regions put before the detector, after their scaling."""
        return sum(
            round(region.box.width * region.scale) * round(region.box.height * region.scale)
            for region in self.regions
        )


def changed_boxes(changed: NDArray[np.bool_], height: int, width: int) -> list[Box]:
    """Return the bounding boxes, in source pixels, of the groups of changed pixels.

    ``changed`` is the motion gate's small picture of changed pixels, which
    covers the whole ``width`` x ``height`` source picture. Blocks of
    :data:`BLOCK` pixels with at least :data:`MIN_CHANGED_PIXELS` changed ones
    are joined with their eight neighbours into components; each component
    with at least :data:`MIN_COMPONENT_PIXELS` changed pixels gives one box.
    """
    rows, columns = changed.shape
    block_rows, block_columns = -(-rows // BLOCK), -(-columns // BLOCK)
    padded = np.zeros((block_rows * BLOCK, block_columns * BLOCK), dtype=np.int32)
    padded[:rows, :columns] = changed
    counts = padded.reshape(block_rows, BLOCK, block_columns, BLOCK).sum(axis=(1, 3))
    active = {
        (int(row), int(column))
        for row, column in zip(*np.nonzero(counts >= MIN_CHANGED_PIXELS), strict=True)
    }
    # Source pixels per pixel of the motion picture, along each axis.
    row_size, column_size = height / rows, width / columns
    boxes: list[Box] = []
    while active:
        seed = active.pop()
        pending, members = [seed], [seed]
        while pending:
            row, column = pending.pop()
            for neighbour in (
                (row + dr, column + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc
            ):
                if neighbour in active:
                    active.remove(neighbour)
                    pending.append(neighbour)
                    members.append(neighbour)
        if sum(int(counts[member]) for member in members) < MIN_COMPONENT_PIXELS:
            continue
        top = min(row for row, _ in members) * BLOCK
        bottom = min((max(row for row, _ in members) + 1) * BLOCK, rows)
        left = min(column for _, column in members) * BLOCK
        right = min((max(column for _, column in members) + 1) * BLOCK, columns)
        boxes.append(
            Box(
                math.floor(top * row_size),
                min(math.ceil(right * column_size), width),
                min(math.ceil(bottom * row_size), height),
                math.floor(left * column_size),
            )
        )
    return boxes


def moved_somewhere(changed: NDArray[np.bool_]) -> bool:
    """Return True when the changed pixels form at least one region worth searching."""
    return bool(changed_boxes(changed, *changed.shape))


def padded(box: Box, pad: int, height: int, width: int) -> Box:
    """Return the box grown by ``pad`` pixels on every side, trimmed to the picture."""
    return Box(box.top - pad, box.right + pad, box.bottom + pad, box.left - pad).clipped(
        height, width
    )


def _touch(first: Box, second: Box) -> bool:
    """Return True when two boxes overlap or share an edge."""
    return (
        first.left <= second.right
        and second.left <= first.right
        and first.top <= second.bottom
        and second.top <= first.bottom
    )


def _union(first: Box, second: Box) -> Box:
    """Return the bounding box of two boxes."""
    return Box(
        min(first.top, second.top),
        max(first.right, second.right),
        max(first.bottom, second.bottom),
        min(first.left, second.left),
    )


def merged(boxes: Sequence[Box]) -> list[Box]:
    """Return the boxes with every overlapping or touching pair replaced by its bounding box.

    Merging repeats until no two boxes touch, since a merged box may reach a
    third one. The result is sorted (top, then left), whatever the input order.
    """
    result = list(boxes)
    joined = True
    while joined:
        joined = False
        for index, first in enumerate(result):
            for other in range(index + 1, len(result)):
                if _touch(first, result[other]):
                    result[index] = _union(first, result.pop(other))
                    joined = True
                    break
            if joined:
                break
    return sorted(result, key=lambda box: (box.top, box.left))


def face_region(face: Box, height: int, width: int, *, decided: bool) -> Region:
    """Return the region where a followed face is searched next, at the face's own scale.

    The region is the face's box with :data:`TRACK_MARGIN` of its larger side
    on every side; its scale brings the face to :data:`TRACK_FACE_WIDTH`
    pixels, enlarged at most :data:`MAX_UPSAMPLE` times, and shrunk (to
    :data:`MIN_TRACK_SCALE` at most) only for a ``decided`` face.
    """
    margin = round(TRACK_MARGIN * max(face.width, face.height))
    scale = min(TRACK_FACE_WIDTH / max(face.width, 1), MAX_UPSAMPLE)
    scale = max(scale, MIN_TRACK_SCALE if decided else 1.0)
    return Region(padded(face, margin, height, width), scale)


def _covers(outer: Box, inner: Box) -> bool:
    """Return True when ``inner`` lies wholly inside ``outer``."""
    return (
        outer.top <= inner.top
        and outer.left <= inner.left
        and outer.bottom >= inner.bottom
        and outer.right >= inner.right
    )


def plan_search(
    changed: NDArray[np.bool_] | None,
    faces: Sequence[Box],
    height: int,
    width: int,
    *,
    scale: float = 1.0,
    min_face_size: int = DETECTOR_MIN_FACE,
    decided: Sequence[Box] = (),
    whole_frame: bool = False,
) -> SearchPlan:
    """Return where to search a ``width`` x ``height`` picture for faces.

    ``changed`` is the motion gate's picture of the pixels that changed since
    the last search (None: nothing is known to have moved), ``faces`` the
    boxes of the undecided faces being followed and ``decided`` those of the
    decided ones. Regions that moved are searched at ``scale`` (the detection
    scale). When faces of ``min_face_size`` source pixels would be too small
    for the detector at that scale, the smallest regions are enlarged on top
    of it, by the factor that brings such a face to
    :data:`DETECTOR_MIN_FACE` (at most :data:`MAX_UPSAMPLE`), while the
    enlarged pixels stay within :data:`UPSAMPLE_BUDGET`. When the regions that
    moved cover at least :data:`WHOLE_FRAME_SHARE` of the picture, or when
    ``whole_frame`` asks for it, the whole picture is searched. Each followed
    face adds its :func:`face_region`, unless a region searched anyway (or the
    whole picture) holds it at its scale or finer.
    """
    min_pad = REACH * min_face_size
    boxes = [
        padded(box, max(min_pad, round(PAD_SHARE * max(box.width, box.height))), height, width)
        for box in (changed_boxes(changed, height, width) if changed is not None else [])
    ]
    moved = [box for box in merged(boxes) if box.width > 0 and box.height > 0]
    regions: list[Region] = []
    if not whole_frame:
        whole_frame = (
            sum(box.width * box.height for box in moved) >= WHOLE_FRAME_SHARE * height * width
        )
    if not whole_frame:
        scales = dict.fromkeys(moved, scale)
        upsample = min(DETECTOR_MIN_FACE / (min_face_size * scale), MAX_UPSAMPLE)
        if upsample > 1.0:
            budget = float(UPSAMPLE_BUDGET)
            for box in sorted(moved, key=lambda box: box.width * box.height):
                cost = box.width * box.height * (scale * upsample) ** 2
                if cost > budget:
                    break
                budget -= cost
                scales[box] = scale * upsample
        regions = [Region(box, scales[box]) for box in moved]
    searched = [Region(Box(0, width, height, 0), scale)] if whole_frame else list(regions)
    for face, is_decided in [(face, False) for face in faces] + [(face, True) for face in decided]:
        region = face_region(face, height, width, decided=is_decided)
        if region.box.width <= 0 or region.box.height <= 0:
            continue
        if not any(
            _covers(other.box, region.box) and other.scale >= region.scale for other in searched
        ):
            regions.append(region)
    return SearchPlan(whole_frame=whole_frame, regions=tuple(regions))
