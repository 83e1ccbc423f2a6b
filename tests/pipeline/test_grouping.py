"""Grouping real faces into strangers (pipeline/grouping.py), without workers or Home Assistant.

The shared media hold several photos of four people (tests/media.py skips
without them): photos of the same person must group, and different people
must never share a stranger, whatever order the faces come in.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np

from custom_components.openeye.pipeline.grouping import best_faces, closest_group
from custom_components.openeye.pipeline.images import decode_image
from tests.media import media
from tests.pipeline.real_faces import shared_engine

TOLERANCE = 0.6


def _faces() -> list[tuple[str, list[float]]]:
    """Return (person, encoding) of every face of the shared photos (Biden is on the right)."""
    engine = shared_engine()
    faces: list[tuple[str, list[float]]] = []
    for name, people in (
        ("lin-manuel-miranda.png", ("lin",)),
        ("alex-lacamoire.png", ("alex",)),
        ("obama.jpg", ("obama",)),
        ("obama2.jpg", ("obama",)),
        ("obama_small.jpg", ("obama",)),
        ("biden.jpg", ("biden",)),
        ("two_people.jpg", ("biden", "obama")),
    ):
        rgb = decode_image(media(name).read_bytes())
        boxes = sorted(engine.detect(rgb, upsample=1), key=lambda box: -box.left)
        encodings = engine.encode(rgb, boxes)
        faces.extend(zip(people, (e.tolist() for e in encodings), strict=True))
    return faces


def _group(faces: list[tuple[str, list[float]]]) -> list[set[str]]:
    """Group faces in order; return who is in each stranger."""
    strangers: dict[int, list[list[float]]] = {}
    members: dict[int, set[str]] = {}
    for person, encoding in faces:
        key = closest_group(encoding, strangers, TOLERANCE)
        if key is None:
            key = len(strangers)
            strangers[key], members[key] = [], set()
        strangers[key].append(encoding)
        members[key].add(person)
    return list(members.values())


def test_photos_of_one_person_group_and_different_people_never_do() -> None:
    """Obama's four faces are one stranger, Biden's two another; Lin and Alex stay alone."""
    faces = _faces()
    groups = _group(faces)
    assert all(len(people) == 1 for people in groups), groups
    assert sorted(next(iter(people)) for people in groups) == ["alex", "biden", "lin", "obama"]
    # In reverse and in a few other orders, no stranger holds two people.
    rng = np.random.default_rng(12)
    orders = [faces[::-1], *([faces[i] for i in rng.permutation(len(faces))] for _ in range(5))]
    for order in orders:
        assert all(len(people) == 1 for people in _group(order))


def test_a_chain_of_close_faces_does_not_join_two_people() -> None:
    """A face between two people's strangers joins at most one of them, and two stay two."""
    faces = dict(_faces())
    lin, alex = np.asarray(faces["lin"]), np.asarray(faces["alex"])
    between = [(lin + (alex - lin) * share).tolist() for share in (0.25, 0.5, 0.75)]
    for order in permutations([lin.tolist(), alex.tolist(), *between]):
        strangers: dict[int, list[list[float]]] = {}
        for encoding in order:
            key = closest_group(encoding, strangers, TOLERANCE)
            strangers.setdefault(len(strangers) if key is None else key, []).append(encoding)
        together = [
            faces
            for faces in strangers.values()
            if lin.tolist() in faces and alex.tolist() in faces
        ]
        assert not together


def test_best_faces_are_the_largest_then_the_most_typical() -> None:
    """Larger faces come first; among equal sizes the one closest to the centre; the limit holds."""
    encodings = [[0.0, 0.0], [1.0, 0.0], [0.1, 0.0], [5.0, 0.0]]
    assert best_faces(encodings, [10, 40, 10, 10], 3) == [1, 2, 0]
    assert best_faces(encodings, [0, 0, 0, 0], 0) == []
    assert best_faces([], [], 3) == []
    assert closest_group([], {"a": [[0.0]]}, TOLERANCE) is None
    assert closest_group([0.0], {"a": []}, TOLERANCE) is None
