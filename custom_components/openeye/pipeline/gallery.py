"""The known faces a worker compares with: people and their encodings, as one matrix.

A person may also carry counter-examples: encodings of faces that an
administrator said were not them ("not this person"). They are stacked in a
second matrix, so that the decision (identity.py) can refuse a match that is
closer to the person's counter-examples than to their examples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .engine import ENCODING_SIZE, face_distances

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class KnownPerson:
    """One taught person: a stable id, a display name, one or more encodings.

    ``counter_examples`` are encodings of faces that were wrongly taken for
    the person (none for most people).
    """

    person_id: str
    name: str
    encodings: tuple[tuple[float, ...], ...] = field(repr=False)
    counter_examples: tuple[tuple[float, ...], ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class KnownFaces:
    """Every known encoding stacked into one matrix, with the person each row belongs to.

    Comparing a face with the whole gallery is then a single vectorised
    distance computation, whatever the number of people and encodings.
    """

    people: tuple[KnownPerson, ...] = ()
    matrix: NDArray[np.float64] = field(init=False, repr=False, compare=False)
    row_starts: NDArray[np.int64] = field(init=False, repr=False, compare=False)
    # Every counter-example stacked, the people (indices) who have any, and
    # where each of those people's rows start.
    counter_matrix: NDArray[np.float64] = field(init=False, repr=False, compare=False)
    counter_people: NDArray[np.int64] = field(init=False, repr=False, compare=False)
    counter_starts: NDArray[np.int64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Stack the encodings once, when the gallery is built.

        A person's rows are contiguous, so each person's closest encoding is a
        ``minimum.reduceat`` over the distance matrix from the person's first row.
        """
        if any(not person.encodings for person in self.people):
            raise ValueError("Every known person needs at least one encoding")
        rows = [enc for person in self.people for enc in person.encodings]
        counts = [len(person.encodings) for person in self.people]
        matrix = np.asarray(rows, dtype=np.float64).reshape(len(rows), ENCODING_SIZE)
        starts = np.cumsum([0, *counts[:-1]], dtype=np.int64) if counts else np.empty(0, np.int64)
        object.__setattr__(self, "matrix", matrix)
        object.__setattr__(self, "row_starts", starts)
        # Most people have no counter-example; reduceat cannot take empty
        # segments, so only those who have some get a segment.
        with_counters = [i for i, person in enumerate(self.people) if person.counter_examples]
        counter_rows = [enc for i in with_counters for enc in self.people[i].counter_examples]
        counter_counts = [len(self.people[i].counter_examples) for i in with_counters]
        object.__setattr__(
            self,
            "counter_matrix",
            np.asarray(counter_rows, dtype=np.float64).reshape(len(counter_rows), ENCODING_SIZE),
        )
        object.__setattr__(self, "counter_people", np.asarray(with_counters, dtype=np.int64))
        object.__setattr__(
            self,
            "counter_starts",
            np.cumsum([0, *counter_counts[:-1]], dtype=np.int64)
            if counter_counts
            else np.empty(0, np.int64),
        )

    @classmethod
    def from_arrays(
        cls, people: Iterable[tuple[str, str, Sequence[Sequence[float]]]]
    ) -> KnownFaces:
        """Build the gallery from (person id, name, encodings) triples."""
        return cls(
            tuple(
                KnownPerson(pid, name, tuple(tuple(float(x) for x in enc) for enc in encs))
                for pid, name, encs in people
            )
        )

    @property
    def has_counter_examples(self) -> bool:
        """Return whether anybody has a counter-example."""
        return len(self.counter_people) > 0

    def __len__(self) -> int:
        """Return the number of people."""
        return len(self.people)

    def person_distances(self, encodings: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return, for every encoding, its distance to each person's closest encoding.

        The result has shape (len(encodings), len(people)); it is empty along
        the second axis when nobody has been taught.
        """
        if not self.people:
            return np.empty((len(encodings), 0), dtype=np.float64)
        distances = face_distances(self.matrix, encodings)
        if not distances.size:
            return np.empty((0, len(self.people)), dtype=np.float64)
        return np.asarray(np.minimum.reduceat(distances, self.row_starts, axis=1), np.float64)

    def counter_distances(self, encodings: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return, for every encoding, its distance to each person's closest counter-example.

        The shape is that of :meth:`person_distances`; a person without
        counter-examples is infinitely far from them.
        """
        result = np.full((len(encodings), len(self.people)), np.inf, dtype=np.float64)
        if not self.has_counter_examples or not len(encodings):
            return result
        distances = face_distances(self.counter_matrix, encodings)
        result[:, self.counter_people] = np.minimum.reduceat(distances, self.counter_starts, axis=1)
        return result

    def refusals(
        self, encodings: NDArray[np.float64], distances: NDArray[np.float64] | None = None
    ) -> NDArray[np.bool_]:
        """Return, for every encoding and person, whether a match with them is refused.

        A match is refused when the face is closer to the person's
        counter-examples than to their examples: it looks more like the faces
        an administrator said were not them than like the person.
        ``distances`` are the encodings' :meth:`person_distances`, when the
        caller has them already.
        """
        if distances is None:
            distances = self.person_distances(encodings)
        if not self.has_counter_examples:
            return np.zeros(distances.shape, dtype=np.bool_)
        return np.asarray(self.counter_distances(encodings) < distances, dtype=np.bool_)

    def closest(self, encoding: NDArray[np.float64]) -> tuple[KnownPerson | None, float]:
        """Return the closest person to one encoding and the distance (inf without people)."""
        if not self.people:
            return None, float("inf")
        distances = self.person_distances(encoding.reshape(1, ENCODING_SIZE))[0]
        best = int(np.argmin(distances))
        return self.people[best], float(distances[best])
