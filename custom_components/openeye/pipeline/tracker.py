"""Links face detections across frames into tracks, one track per face in view.

Who a face is gets decided once per track rather than once per frame, which
saves encodings and keeps the results few: one "face detected", one decision
and one "face lost" per person passing by.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Box

# A detection continues a track when their boxes overlap at least this much
# (intersection over union). Consecutive HOG boxes of the same face, a fifth of
# a second apart, overlap far more; two faces side by side overlap far less.
MIN_IOU = 0.2
# Failing that, a detection still continues a track when the centres are closer
# than this share of the larger box's width and the sizes are alike: a face
# moving diagonally by most of its width between two detections (a person
# walking past, a fifth of a second apart) keeps its track.
MAX_CENTRE_SHIFT = 1.0
MAX_SIZE_RATIO = 1.6


@dataclass(slots=True, eq=False)
class Track:
    """A face followed across frames: an id, its latest box and when it was seen."""

    track_id: int
    box: Box
    first_seen: float
    last_seen: float

    @property
    def duration(self) -> float:
        """Return the seconds between the first and the last detection."""
        return self.last_seen - self.first_seen


@dataclass(frozen=True, slots=True)
class TrackUpdate:
    """What one frame's detections did to the tracks."""

    # Every detection with the track it now belongs to, in the detections' order.
    assigned: tuple[tuple[Track, bool], ...]
    # Tracks that timed out before this frame (not seen for longer than the timeout).
    ended: tuple[Track, ...]


def iou(first: Box, second: Box) -> float:
    """Return the intersection over union of two boxes (0 when they do not overlap)."""
    width = min(first.right, second.right) - max(first.left, second.left)
    height = min(first.bottom, second.bottom) - max(first.top, second.top)
    if width <= 0 or height <= 0:
        return 0.0
    intersection = width * height
    union = first.width * first.height + second.width * second.height - intersection
    return intersection / union


def match_cost(track_box: Box, box: Box) -> float | None:
    """Return how poorly a detection fits a track (lower is better), or None for no match.

    Overlapping boxes cost ``1 - IoU`` (0 to 0.8); boxes matched by their centres
    only cost more (1 and above), so an overlap always wins over a near miss.
    """
    overlap = iou(track_box, box)
    if overlap >= MIN_IOU:
        return 1.0 - overlap
    larger = max(track_box.width, box.width, 1)
    smaller = max(min(track_box.width, box.width), 1)
    if larger / smaller > MAX_SIZE_RATIO:
        return None
    shift = math.hypot(
        (track_box.left + track_box.right - box.left - box.right) / 2,
        (track_box.top + track_box.bottom - box.top - box.bottom) / 2,
    )
    ratio = shift / larger
    return 1.0 + ratio if ratio <= MAX_CENTRE_SHIFT else None


class Tracker:
    """Keeps one camera's face tracks; track ids are increasing integers from 1."""

    def __init__(self, timeout: float) -> None:
        """Create a tracker whose tracks end after ``timeout`` seconds without a detection."""
        self.timeout = timeout
        self._tracks: list[Track] = []
        self._next_id = 1

    @property
    def tracks(self) -> tuple[Track, ...]:
        """Return the live tracks, oldest first."""
        return tuple(self._tracks)

    def expire(self, pts: float) -> list[Track]:
        """End and return the tracks not seen for longer than the timeout at ``pts``."""
        ended = [track for track in self._tracks if pts - track.last_seen > self.timeout]
        if ended:
            self._tracks = [
                track for track in self._tracks if pts - track.last_seen <= self.timeout
            ]
        return ended

    def update(self, boxes: list[Box], pts: float) -> TrackUpdate:
        """Assign a frame's detections to tracks, starting new tracks for the rest.

        Matching is greedy on :func:`match_cost`: the best fitting pair first,
        then the best among the remaining ones. With the few faces a home camera
        sees, this gives the same pairs as an optimal assignment.
        """
        ended = self.expire(pts)
        candidates = sorted(
            (cost, track_index, box_index)
            for track_index, track in enumerate(self._tracks)
            for box_index, box in enumerate(boxes)
            if (cost := match_cost(track.box, box)) is not None
        )
        owners: dict[int, Track] = {}
        taken: set[int] = set()
        for _cost, track_index, box_index in candidates:
            if track_index in taken or box_index in owners:
                continue
            taken.add(track_index)
            owners[box_index] = self._tracks[track_index]
        assigned: list[tuple[Track, bool]] = []
        for box_index, box in enumerate(boxes):
            track = owners.get(box_index)
            if track is None:
                track = Track(self._next_id, box, pts, pts)
                self._next_id += 1
                self._tracks.append(track)
                assigned.append((track, True))
            else:
                track.box = box
                track.last_seen = pts
                assigned.append((track, False))
        return TrackUpdate(tuple(assigned), tuple(ended))

    def close_all(self) -> list[Track]:
        """End and return every live track, as when the source ends."""
        ended, self._tracks = self._tracks, []
        return ended
