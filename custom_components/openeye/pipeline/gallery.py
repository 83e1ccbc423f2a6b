"""The known faces a worker compares with: people and their encodings, as one matrix."""

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
    """One taught person: a stable id, a display name and one or more encodings."""

    person_id: str
    name: str
    encodings: tuple[tuple[float, ...], ...] = field(repr=False)


@dataclass(frozen=True)
class KnownFaces:
    """Every known encoding stacked into one matrix, with the person each row belongs to.

    Comparing a face with the whole gallery is then a single vectorised
    distance computation, whatever the number of people and encodings.
    """

    people: tuple[KnownPerson, ...] = ()
    matrix: NDArray[np.float64] = field(init=False, repr=False, compare=False)
    row_starts: NDArray[np.int64] = field(init=False, repr=False, compare=False)

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

    def closest(self, encoding: NDArray[np.float64]) -> tuple[KnownPerson | None, float]:
        """Return the closest person to one encoding and the distance (inf without people)."""
        if not self.people:
            return None, float("inf")
        distances = self.person_distances(encoding.reshape(1, ENCODING_SIZE))[0]
        best = int(np.argmin(distances))
        return self.people[best], float(distances[best])
