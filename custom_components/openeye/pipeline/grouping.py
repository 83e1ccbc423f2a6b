"""Which earlier stranger a new unknown face belongs to, and which of a stranger's faces are best.

Unknown faces that are the same person form one stranger. Grouping must
never put two different people together, so it is deliberately cautious:

- a face joins a stranger only when its closest face there is within the
  grouping tolerance, which is stricter than the recognition tolerance;
- and only when every face of that stranger is within the recognition
  tolerance of it, so a stranger's faces are never further apart than
  recognition itself would accept. A chain of small steps (A close to B, B
  close to C) cannot carry a stranger from one person to another;
- strangers are never merged with each other afterwards.

A person split over two strangers costs a user one more "assign"; two people
in one stranger would teach one person's face as another's, so the rules err
on the side of splitting. Plain numpy: the same code runs in Home Assistant,
in the tests and in the benchmark (benchmarks/stranger_grouping.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

# The grouping tolerance as a share of the recognition tolerance: 0.48 at
# the default 0.6. On the shared media's photos the same person's faces are
# at most 0.42 apart and different people at least 0.70; the clip has a face
# of Lin-Manuel Miranda 0.55 from another person, which the rule on the
# farthest face keeps apart (BENCHMARKS.md, section 14).
GROUPING_SHARE: Final = 0.8


def grouping_tolerance(tolerance: float) -> float:
    """Return how close a face must be to a stranger's closest face to join it."""
    return tolerance * GROUPING_SHARE


def closest_group[K](
    encoding: Sequence[float],
    groups: Mapping[K, Sequence[Sequence[float]]],
    tolerance: float,
) -> K | None:
    """Return the group a face joins, or None when it starts a new one.

    ``groups`` maps each group's key to the encodings of its faces. Among the
    groups whose closest face is within :func:`grouping_tolerance` and whose
    farthest face is within ``tolerance`` (the recognition tolerance), the
    one with the closest face wins.
    """
    if not encoding:
        return None
    face = np.asarray(encoding, dtype=np.float64)
    join = grouping_tolerance(tolerance)
    best: tuple[float, K] | None = None
    for key, faces in groups.items():
        if not faces:
            continue
        distances = np.linalg.norm(np.asarray(faces, dtype=np.float64) - face, axis=1)
        nearest = float(distances.min())
        if nearest > join or float(distances.max()) > tolerance:
            continue
        if best is None or nearest < best[0]:
            best = (nearest, key)
    return best[1] if best is not None else None


def best_faces(encodings: Sequence[Sequence[float]], sizes: Sequence[int], limit: int) -> list[int]:
    """Return the indices of a group's best faces, at most ``limit``, best first.

    A larger face (``sizes``: its box's area in pixels, 0 when unknown) holds
    more detail; among faces of the same size, the one closest to the
    group's centre is the most typical and the least likely to be a stray.
    """
    if limit <= 0 or not encodings:
        return []
    matrix: NDArray[np.float64] = np.asarray(encodings, dtype=np.float64)
    from_centre = np.linalg.norm(matrix - matrix.mean(axis=0), axis=1)
    order = sorted(range(len(matrix)), key=lambda index: (-sizes[index], from_centre[index]))
    return order[:limit]
