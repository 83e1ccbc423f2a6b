"""Deciding who a track is by voting over its samples; never a name beyond the tolerance."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from custom_components.openeye.pipeline.engine import ENCODING_SIZE
from custom_components.openeye.pipeline.gallery import KnownFaces
from custom_components.openeye.pipeline.identity import (
    MAX_SAMPLES,
    Recognised,
    TrackIdentity,
    Unrecognised,
    decide,
)

TOLERANCE = 0.6


def axis(index: int, length: float = 1.0) -> np.ndarray:
    """Return a vector of ``length`` along one axis of the encoding space."""
    vector = np.zeros(ENCODING_SIZE)
    vector[index] = length
    return vector


# Two people far apart: Ann at the origin, Bob two units away along axis 0.
GALLERY = KnownFaces.from_arrays(
    [("ann", "Ann", [axis(0, 0.0).tolist()]), ("bob", "Bob", [axis(0, 2.0).tolist()])]
)
ANN, BOB = GALLERY.people


def near_ann(distance: float, direction: int = 1) -> np.ndarray:
    """Return an encoding exactly ``distance`` from Ann (and farther from Bob)."""
    return axis(direction, distance)


def near_bob(distance: float) -> np.ndarray:
    """Return an encoding exactly ``distance`` from Bob (and farther from Ann)."""
    return axis(0, 2.0) + axis(1, distance)


def rows(*distances: tuple[float, float]) -> np.ndarray:
    """Return a distance matrix (samples x [Ann, Bob]) from (Ann, Bob) pairs."""
    return np.array(distances, dtype=np.float64).reshape(len(distances), 2)


def test_two_votes_recognise() -> None:
    """Two samples within the tolerance recognise the person; best and mean are kept."""
    result = decide(rows((0.5, 1.0), (0.4, 1.0)), GALLERY.people, TOLERANCE, 3)
    assert result == Recognised(ANN, 0.4, pytest.approx(0.45), 2, 2)
    assert isinstance(result, Recognised)
    assert result.confidence == pytest.approx(1 - 0.45 / 1.2)


def test_one_vote_waits_unless_final() -> None:
    """One vote is not enough while the track lives; it is at the end of the source."""
    one = rows((0.5, 1.0))
    assert decide(one, GALLERY.people, TOLERANCE, 3) is None
    assert decide(one, GALLERY.people, TOLERANCE, 3, final=True) == Recognised(ANN, 0.5, 0.5, 1, 1)


def test_unknown_votes_must_be_outnumbered() -> None:
    """A person needs more votes than "unknown"; otherwise the track ends unknown."""
    mixed = rows((0.5, 1.0), (0.7, 1.0), (0.55, 1.0), (0.8, 1.0))
    assert decide(mixed[:3], GALLERY.people, TOLERANCE, 3) == Recognised(
        ANN, 0.5, pytest.approx(0.525), 2, 3
    )
    tie = decide(mixed, GALLERY.people, TOLERANCE, 5)
    assert tie is None
    assert decide(mixed, GALLERY.people, TOLERANCE, 5, final=True) == Unrecognised(
        0.5, pytest.approx(0.6375), 2, 4
    )


def test_unknown_after_enough_samples() -> None:
    """Samples beyond the tolerance make the track unknown once there are enough of them."""
    far = rows((0.7, 1.3), (0.65, 1.2), (0.9, 1.1))
    assert decide(far[:2], GALLERY.people, TOLERANCE, 3) is None
    assert decide(far, GALLERY.people, TOLERANCE, 3) == Unrecognised(
        0.65, pytest.approx(0.75), 3, 3
    )
    assert decide(far[:1], GALLERY.people, TOLERANCE, 3, final=True) == Unrecognised(0.7, 0.7, 1, 1)


def test_most_votes_win_then_the_closer_person() -> None:
    """Among qualifying people the most voted wins; on a tie, the smaller mean distance."""
    votes = rows((0.5, 0.9), (0.9, 0.3), (0.5, 0.9), (0.55, 0.9))
    assert decide(votes, GALLERY.people, TOLERANCE, 3) == Recognised(
        ANN, 0.5, pytest.approx(0.5167, abs=1e-4), 3, 4
    )
    tie = rows((0.5, 0.9), (0.9, 0.3), (0.5, 0.9), (0.9, 0.35))
    assert decide(tie, GALLERY.people, TOLERANCE, 3) == Recognised(
        BOB, 0.3, pytest.approx(0.325), 2, 4
    )


def test_never_a_known_name_beyond_the_tolerance() -> None:
    """Whatever the samples, a recognised person's best and mean distance are within it."""
    rng = np.random.default_rng(7)
    recognised = 0
    for _ in range(2000):
        count = int(rng.integers(1, 7))
        distances = rng.uniform(0.3, 0.9, size=(count, 2))
        tolerance = float(rng.uniform(0.4, 0.7))
        for final in (False, True):
            result = decide(distances, GALLERY.people, tolerance, 3, final=final)
            if isinstance(result, Recognised):
                recognised += 1
                assert result.mean_distance <= tolerance
                assert result.best_distance <= result.mean_distance
                unknown_votes = int((distances.min(axis=1) > tolerance).sum())
                assert result.votes > unknown_votes
    # The check above ran on many recognitions, not on none.
    assert recognised > 500


def test_every_sample_beyond_the_tolerance_is_never_recognised() -> None:
    """A face consistently just beyond the tolerance stays unknown, even at the end."""
    just_beyond = rows(*[(TOLERANCE + 0.001, 1.0)] * 10)
    for count in range(1, 11):
        for final in (False, True):
            result = decide(just_beyond[:count], GALLERY.people, TOLERANCE, 3, final=final)
            assert not isinstance(result, Recognised)


def test_empty_gallery_and_no_samples() -> None:
    """Without anyone known a track is unknown with no distance; without samples, no decision."""
    nobody = np.empty((2, 0))
    assert decide(nobody, (), TOLERANCE, 3) is None
    assert decide(nobody, (), TOLERANCE, 2) == Unrecognised(None, None, 2, 2)
    assert decide(nobody[:1], (), TOLERANCE, 3, final=True) == Unrecognised(None, None, 1, 1)
    assert decide(np.empty((0, 2)), GALLERY.people, TOLERANCE, 3, final=True) is None


def test_track_identity_decides_once() -> None:
    """Samples accumulate until the decision; after it, the decision never changes."""
    identity = TrackIdentity(GALLERY)
    identity.add(near_ann(0.5))
    assert identity.decide(TOLERANCE, 3) is None
    identity.add(near_ann(0.45, direction=2))
    decision = identity.decide(TOLERANCE, 3)
    assert isinstance(decision, Recognised)
    assert decision.person.person_id == "ann"
    assert decision.best_distance == pytest.approx(0.45)
    identity.add(near_bob(0.1))
    identity.add(near_bob(0.1))
    assert identity.decide(TOLERANCE, 3) is None
    assert identity.decision is decision
    assert identity.samples == 4
    np.testing.assert_allclose(identity.last_encoding, near_bob(0.1))
    np.testing.assert_allclose(
        identity.distances[:, 1], [np.hypot(2, 0.5), np.hypot(2, 0.45), 0.1, 0.1]
    )


def test_rescore_against_a_new_gallery() -> None:
    """An unknown-looking track becomes recognisable once the person is taught."""
    stranger = axis(5, 3.0)
    identity = TrackIdentity(GALLERY)
    identity.add(stranger + axis(6, 0.2))
    identity.add(stranger + axis(7, 0.3))
    assert identity.decide(TOLERANCE, 3) is None
    taught = KnownFaces.from_arrays(
        [
            *((p.person_id, p.name, p.encodings) for p in GALLERY.people),
            ("eve", "Eve", [stranger.tolist()]),
        ]
    )
    identity.rescore(taught)
    assert identity.distances.shape == (2, 3)
    decision = identity.decide(TOLERANCE, 3)
    assert isinstance(decision, Recognised)
    assert decision.person.name == "Eve"
    assert decision.best_distance == pytest.approx(0.2)


def test_samples_are_capped() -> None:
    """A long-lived track keeps only the newest samples."""
    identity = TrackIdentity(GALLERY)
    for index in range(MAX_SAMPLES + 5):
        identity.add(near_ann(0.01 * (index + 1)))
    assert identity.samples == MAX_SAMPLES
    assert identity.distances.shape == (MAX_SAMPLES, 2)
    assert identity.distances[0, 0] == pytest.approx(0.06)


def with_counter_examples(ann: list[np.ndarray], bob: list[np.ndarray] | None = None) -> KnownFaces:
    """Return Ann and Bob with these counter-examples (encodings said not to be them)."""
    return KnownFaces(
        (
            replace(ANN, counter_examples=tuple(tuple(map(float, enc)) for enc in ann)),
            replace(BOB, counter_examples=tuple(tuple(map(float, enc)) for enc in bob or [])),
        )
    )


def test_a_match_closer_to_counter_examples_is_refused() -> None:
    """A face closer to Ann's counter-example than to Ann is unknown, refused for Ann."""
    known = with_counter_examples([near_ann(0.5)])
    track = TrackIdentity(known)
    for _ in range(3):
        track.add(near_ann(0.45))
    decision = track.decide(TOLERANCE, 3)
    assert isinstance(decision, Unrecognised)
    assert decision.refused_person is not None
    assert decision.refused_person.person_id == "ann"
    # The distance reported is still Ann's, not an infinite one.
    assert decision.best_distance == pytest.approx(0.45)


def test_a_counter_example_farther_than_the_examples_refuses_nothing() -> None:
    """Ann's own face, nearer to her than to her counter-example, is still Ann."""
    known = with_counter_examples([near_ann(0.5)])
    track = TrackIdentity(known)
    for _ in range(2):
        track.add(near_ann(0.3, direction=2))  # 0.3 from Ann, about 0.58 from the counter-example
    decision = track.decide(TOLERANCE, 3)
    assert isinstance(decision, Recognised)
    assert decision.person.person_id == "ann"


def test_a_refused_match_may_still_be_somebody_else() -> None:
    """Refusing Ann does not refuse Bob: the next closest person within the tolerance wins."""
    people = KnownFaces.from_arrays(
        [("ann", "Ann", [axis(0, 0.0).tolist()]), ("bob", "Bob", [axis(0, 0.8).tolist()])]
    )
    face = axis(0, 0.35)  # 0.35 from Ann, 0.45 from Bob
    known = KnownFaces((replace(people.people[0], counter_examples=((*face,),)), people.people[1]))
    distances = known.person_distances(face.reshape(1, -1))
    refused = known.refusals(face.reshape(1, -1), distances)
    assert refused.tolist() == [[True, False]]
    decision = decide(distances, known.people, TOLERANCE, 1, final=True, refused=refused)
    assert isinstance(decision, Recognised)
    assert decision.person.person_id == "bob"


def test_counter_distances_without_and_with_counter_examples() -> None:
    """People without counter-examples are infinitely far from them; others by their closest."""
    assert not GALLERY.has_counter_examples
    assert np.isinf(GALLERY.counter_distances(near_ann(0.1).reshape(1, -1))).all()
    assert not GALLERY.refusals(near_ann(0.1).reshape(1, -1)).any()
    known = with_counter_examples([], [near_bob(0.2), near_bob(0.4)])
    distances = known.counter_distances(near_bob(0.1).reshape(1, -1))
    assert distances[0, 0] == np.inf
    assert distances[0, 1] == pytest.approx(0.1)
    assert known.counter_distances(np.empty((0, ENCODING_SIZE))).shape == (0, 2)
