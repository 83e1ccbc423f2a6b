"""The tracker links detections of the same face and ends tracks after the timeout."""

from __future__ import annotations

import pytest

from custom_components.openeye.pipeline.engine import Box
from custom_components.openeye.pipeline.tracker import Tracker, iou, match_cost


def box_at(left: int, top: int, size: int = 80) -> Box:
    """Return a square box of ``size`` pixels with its top-left corner at (left, top)."""
    return Box(top=top, right=left + size, bottom=top + size, left=left)


def test_iou() -> None:
    """Identical boxes overlap fully, disjoint ones not at all, half-shifted ones by a third."""
    assert iou(box_at(0, 0), box_at(0, 0)) == 1.0
    assert iou(box_at(0, 0), box_at(200, 0)) == 0.0
    assert iou(box_at(0, 0), box_at(40, 0)) == pytest.approx(1 / 3)
    assert iou(box_at(0, 0), box_at(80, 80)) == 0.0


def test_match_cost() -> None:
    """Overlap is preferred over centre distance; far or differently sized boxes do not match."""
    assert match_cost(box_at(0, 0), box_at(0, 0)) == 0.0
    assert match_cost(box_at(0, 0), box_at(40, 0)) == pytest.approx(2 / 3)
    # Moved diagonally by 50 pixels each way: IoU 0.08, but the centres are close enough.
    assert match_cost(box_at(0, 0), box_at(50, 50)) == pytest.approx(1 + 50 * 2**0.5 / 80)
    assert match_cost(box_at(0, 0), box_at(70, 70)) is None
    # A box twice as large at the same place overlaps by a quarter: still a match.
    assert match_cost(box_at(0, 0), box_at(0, 0, 160)) == pytest.approx(0.75)
    # Sizes too different and little overlap: no match, however close the centres.
    assert match_cost(box_at(0, 0, 40), box_at(0, 30, 120)) is None


def test_a_moving_face_keeps_its_track() -> None:
    """The same face moving a little per detection stays one track with one id."""
    tracker = Tracker(timeout=1.0)
    first = tracker.update([box_at(100, 50)], 0.0)
    assert [(track.track_id, new) for track, new in first.assigned] == [(1, True)]
    for step in range(1, 6):
        update = tracker.update([box_at(100 + 15 * step, 50)], step * 0.2)
        assert [(track.track_id, new) for track, new in update.assigned] == [(1, False)]
        assert update.ended == ()
    (track,) = tracker.tracks
    assert track.box == box_at(175, 50)
    assert track.first_seen == 0.0
    assert track.last_seen == 1.0
    assert track.duration == 1.0


def test_two_faces_get_two_tracks_and_keep_them() -> None:
    """Two faces side by side keep their own ids, whatever the detection order."""
    tracker = Tracker(timeout=1.0)
    update = tracker.update([box_at(0, 0), box_at(300, 0)], 0.0)
    assert [track.track_id for track, _ in update.assigned] == [1, 2]
    update = tracker.update([box_at(310, 5), box_at(10, 5)], 0.2)
    assert [(track.track_id, new) for track, new in update.assigned] == [(2, False), (1, False)]


def test_greedy_matching_prefers_the_best_pair() -> None:
    """When a detection fits two tracks, the closer track takes it and the other ends up new."""
    tracker = Tracker(timeout=1.0)
    tracker.update([box_at(0, 0), box_at(50, 0)], 0.0)
    update = tracker.update([box_at(48, 0)], 0.2)
    assert [(track.track_id, new) for track, new in update.assigned] == [(2, False)]
    assert len(tracker.tracks) == 2


def test_tracks_end_after_the_timeout_and_ids_keep_increasing() -> None:
    """A track unseen for longer than the timeout ends; a face coming back gets a new id."""
    tracker = Tracker(timeout=1.0)
    tracker.update([box_at(0, 0)], 0.0)
    assert tracker.update([], 1.0).ended == ()
    update = tracker.update([box_at(0, 0)], 1.2)
    assert [track.track_id for track in update.ended] == [1]
    assert [(track.track_id, new) for track, new in update.assigned] == [(2, True)]
    assert tracker.expire(1.5) == []
    tracker.timeout = 0.2
    assert [track.track_id for track in tracker.expire(1.5)] == [2]
    assert tracker.tracks == ()


def test_close_all() -> None:
    """Closing ends every live track; ids continue after it."""
    tracker = Tracker(timeout=1.0)
    tracker.update([box_at(0, 0), box_at(300, 0)], 0.0)
    assert [track.track_id for track in tracker.close_all()] == [1, 2]
    assert tracker.tracks == ()
    update = tracker.update([box_at(0, 0)], 0.1)
    assert update.assigned[0][0].track_id == 3
