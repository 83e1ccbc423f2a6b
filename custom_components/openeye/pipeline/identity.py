"""Who a track's face is: evidence gathered over several encodings, then one decision.

A single encoding of a moving, blurred or turned face can land just inside or
just outside the tolerance. Deciding by a vote over a few encodings of the same
track makes the answer steadier, and the rules below make sure a known name is
never reported for a face whose evidence lies beyond the tolerance.

A match with a person is refused, sample by sample, when the face is closer to
the person's counter-examples (faces an administrator said were not them)
than to their examples; such a sample may still match somebody else. A track
left unknown because of such refusals says whom it was refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .engine import ENCODING_SIZE
from .messages import confidence_from_distance

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .gallery import KnownFaces, KnownPerson

# Votes a person needs while the track is still in view; a single vote is
# enough only for the final decision, when no more evidence can come.
VOTES_TO_RECOGNISE = 2
VOTES_TO_RECOGNISE_FINAL = 1
# Encodings kept per track. A track is decided within a few encodings; after
# that only a confirmation every few seconds is added, and the oldest go.
MAX_SAMPLES = 20


@dataclass(frozen=True, slots=True)
class Recognised:
    """A track decided to be a known person."""

    person: KnownPerson
    # The smallest and the mean of the person's voting distances.
    best_distance: float
    mean_distance: float
    # The votes for the person and the samples counted.
    votes: int
    samples: int

    @property
    def confidence(self) -> float:
        """Return the confidence of the recognition, from the mean distance."""
        return confidence_from_distance(self.mean_distance)


@dataclass(frozen=True, slots=True)
class Unrecognised:
    """A track decided to be nobody known."""

    # The smallest and the mean distance of each sample to its closest person,
    # or None when nobody is known.
    best_distance: float | None
    mean_distance: float | None
    # The votes for "unknown" and the samples counted.
    votes: int
    samples: int
    # The person whose match the counter-examples refused (the one refused
    # most often among the samples), or None when nothing was refused.
    refused_person: KnownPerson | None = None


type Decision = Recognised | Unrecognised


def decide(
    distances: NDArray[np.float64],
    people: tuple[KnownPerson, ...],
    tolerance: float,
    samples_to_decide: int,
    final: bool = False,
    *,
    refused: NDArray[np.bool_] | None = None,
) -> Decision | None:
    """Decide from a track's distance matrix (samples x people), or return None to wait.

    Every sample votes for its closest person when that distance is within the
    tolerance, and for "unknown" otherwise. A person is recognised with at
    least two votes (one when ``final``), more votes than "unknown", and a mean
    voting distance within the tolerance; the most voted one wins, the closer
    one on a tie. Failing that, the track is unknown once it has
    ``samples_to_decide`` samples (any sample at all when ``final``).

    ``refused`` (the shape of ``distances``, see ``KnownFaces.refusals``)
    marks the matches the counter-examples refuse: such a person does not
    count for that sample, as if they were infinitely far.
    """
    samples = len(distances)
    if samples == 0:
        return None
    if not people:
        if samples < samples_to_decide and not final:
            return None
        return Unrecognised(None, None, samples, samples)
    refused_person: KnownPerson | None = None
    if refused is not None and refused.any():
        refused_person = _most_refused(distances, people, tolerance, refused)
        # Reported distances stay those to the closest person, refused or not,
        # so that they remain finite and say how close the look-alike came.
        unmasked = distances[np.arange(samples), np.argmin(distances, axis=1)]
        distances = np.where(refused, np.inf, distances)
    else:
        unmasked = None
    closest = np.argmin(distances, axis=1)
    closest_distance = distances[np.arange(samples), closest]
    voting = closest_distance <= tolerance
    unknown_votes = int(samples - np.count_nonzero(voting))
    needed = VOTES_TO_RECOGNISE_FINAL if final else VOTES_TO_RECOGNISE
    best: tuple[int, float, int] | None = None
    for index in np.unique(closest[voting]):
        mine = closest_distance[voting & (closest == index)]
        votes, evidence = len(mine), float(mine.mean())
        # The evidence check is implied by the vote rule today; it stays so that
        # no later change of the rule can name someone who is too far away.
        if votes < needed or votes <= unknown_votes or evidence > tolerance:
            continue
        if best is None or (votes, -evidence) > (best[0], -best[1]):
            best = (votes, evidence, int(index))
    if best is not None:
        votes, evidence, index = best
        mine = closest_distance[voting & (closest == index)]
        return Recognised(people[index], float(mine.min()), evidence, votes, samples)
    if samples < samples_to_decide and not final:
        return None
    reported = closest_distance if unmasked is None else unmasked
    return Unrecognised(
        float(reported.min()),
        float(reported.mean()),
        unknown_votes,
        samples,
        refused_person,
    )


def _most_refused(
    distances: NDArray[np.float64],
    people: tuple[KnownPerson, ...],
    tolerance: float,
    refused: NDArray[np.bool_],
) -> KnownPerson | None:
    """Return the person most often refused among the samples they would have won, if any.

    A sample counts for a person when that person is its closest and within
    the tolerance (a vote they would have had) but the match is refused.
    """
    samples = len(distances)
    closest = np.argmin(distances, axis=1)
    rows = np.arange(samples)
    lost = refused[rows, closest] & (distances[rows, closest] <= tolerance)
    if not lost.any():
        return None
    counts = np.bincount(closest[lost], minlength=len(people))
    return people[int(np.argmax(counts))]


def decide_encodings(
    known: KnownFaces, encodings: NDArray[np.float64], tolerance: float
) -> Decision | None:
    """Decide once about a few encodings of one face, as a worker finally would.

    For faces decided outside a track (a stored unknown face, a photo): the
    same rule as a track's final decision, counter-examples included.
    """
    distances = known.person_distances(encodings)
    return decide(
        distances,
        known.people,
        tolerance,
        samples_to_decide=1,
        final=True,
        refused=known.refusals(encodings, distances),
    )


class TrackIdentity:
    """The encodings of one track, their distances to the gallery and the decision."""

    def __init__(self, known: KnownFaces) -> None:
        """Start with no sample, scored against ``known``."""
        self._known = known
        self._encodings: NDArray[np.float64] = np.empty((0, ENCODING_SIZE), dtype=np.float64)
        self._distances: NDArray[np.float64] = np.empty((0, len(known)), dtype=np.float64)
        self._refused: NDArray[np.bool_] = np.zeros((0, len(known)), dtype=np.bool_)
        self.decision: Decision | None = None

    @property
    def samples(self) -> int:
        """Return the number of encodings kept."""
        return len(self._encodings)

    @property
    def distances(self) -> NDArray[np.float64]:
        """Return the distances of every kept sample to every known person."""
        return self._distances

    @property
    def last_encoding(self) -> NDArray[np.float64]:
        """Return the newest encoding (the track must have one)."""
        return np.asarray(self._encodings[-1], dtype=np.float64)

    def add(self, encoding: NDArray[np.float64]) -> None:
        """Add one encoding and its distances to every known person."""
        row = encoding.reshape(1, ENCODING_SIZE)
        distances = self._known.person_distances(row)
        self._encodings = np.vstack([self._encodings, row])[-MAX_SAMPLES:]
        self._distances = np.vstack([self._distances, distances])[-MAX_SAMPLES:]
        self._refused = np.vstack([self._refused, self._known.refusals(row, distances)])[
            -MAX_SAMPLES:
        ]

    def rescore(self, known: KnownFaces) -> None:
        """Score the kept samples against a new gallery; a decision already made stays."""
        self._known = known
        self._distances = known.person_distances(self._encodings)
        self._refused = known.refusals(self._encodings, self._distances)

    def decide(
        self, tolerance: float, samples_to_decide: int, final: bool = False
    ) -> Decision | None:
        """Decide once, when the evidence allows (see :func:`decide`); return the new decision.

        Returns None when the track was decided before or still needs samples.
        """
        if self.decision is not None:
            return None
        self.decision = decide(
            self._distances,
            self._known.people,
            tolerance,
            samples_to_decide,
            final,
            refused=self._refused,
        )
        return self.decision
