"""The known faces and still images, with the astronaut's real encodings: no shared media."""

from __future__ import annotations

import math

import numpy as np
import pytest

from custom_components.openeye.pipeline.gallery import KnownFaces, KnownPerson
from custom_components.openeye.pipeline.settings import AnalysisSettings
from custom_components.openeye.pipeline.still import analyze_still
from tests.faces import mirrored_face_jpeg, one_face_jpeg
from tests.pipeline.astronaut import (
    ASTRONAUT_ID,
    ASTRONAUT_NAME,
    astronaut_encoding,
    astronaut_gallery,
)
from tests.pipeline.real_faces import shared_engine


@pytest.fixture(scope="module")
def mirrored() -> tuple[float, ...]:
    """Return the encoding of the mirrored photo: the same person, about 0.19 away."""
    analysis = analyze_still(
        shared_engine(), mirrored_face_jpeg(), KnownFaces(), AnalysisSettings(), 0
    )
    (face,) = analysis.faces
    return face.encoding


def test_a_person_without_encodings_is_refused() -> None:
    """Somebody must have at least one encoding: a gallery without any cannot match them."""
    with pytest.raises(ValueError, match="at least one encoding"):
        KnownFaces((KnownPerson("ghost", "Ghost", ()),))
    with pytest.raises(ValueError, match="at least one encoding"):
        KnownFaces.from_arrays(
            [(ASTRONAUT_ID, ASTRONAUT_NAME, [astronaut_encoding()]), ("g", "G", [])]
        )


def test_each_person_is_as_close_as_their_closest_encoding(mirrored: tuple[float, ...]) -> None:
    """With several encodings per person, a person's distance is that of the nearest one."""
    far = tuple(-value for value in astronaut_encoding())
    known = KnownFaces.from_arrays(
        [
            ("far", "Far Away", [far]),
            (ASTRONAUT_ID, ASTRONAUT_NAME, [mirrored, astronaut_encoding()]),
        ]
    )
    assert len(known) == 2
    assert known.matrix.shape == (3, 128)
    faces = np.asarray([astronaut_encoding(), mirrored])
    distances = known.person_distances(faces)
    assert distances.shape == (2, 2)
    direct = float(np.linalg.norm(faces[0] - faces[1]))
    assert 0.1 < direct < 0.3
    np.testing.assert_allclose(distances[:, 1], [0.0, 0.0], atol=1e-9)
    # The far person's one encoding is the astronaut's, negated.
    np.testing.assert_allclose(
        distances[:, 0],
        [2 * np.linalg.norm(faces[0]), np.linalg.norm(faces[1] + faces[0])],
        rtol=1e-9,
    )
    # No face to compare: an empty result with one column per person.
    assert known.person_distances(np.empty((0, 128))).shape == (0, 2)


def test_closest_person(mirrored: tuple[float, ...]) -> None:
    """closest() names the nearest person and the distance; nobody is infinitely far."""
    person, distance = astronaut_gallery().closest(np.asarray(mirrored))
    assert person is not None
    assert (person.person_id, person.name) == (ASTRONAUT_ID, ASTRONAUT_NAME)
    assert distance == pytest.approx(
        float(np.linalg.norm(np.asarray(mirrored) - astronaut_encoding()))
    )
    assert KnownFaces().closest(np.asarray(mirrored)) == (None, math.inf)
    assert KnownFaces().person_distances(np.asarray([mirrored])).shape == (1, 0)


def test_a_still_image_names_a_known_face_within_the_tolerance(
    mirrored: tuple[float, ...],
) -> None:
    """The mirrored photo is named at its distance; a tighter tolerance names nobody."""
    distance = float(np.linalg.norm(np.asarray(mirrored) - astronaut_encoding()))
    named = analyze_still(
        shared_engine(), mirrored_face_jpeg(), astronaut_gallery(), AnalysisSettings(), 5
    )
    (face,) = named.faces
    assert (face.person_id, face.person_name) == (ASTRONAUT_ID, ASTRONAUT_NAME)
    assert face.distance == pytest.approx(distance)
    assert face.confidence == pytest.approx(1 - distance / 1.2)
    tight = AnalysisSettings(tolerance=distance - 0.01)
    unnamed = analyze_still(shared_engine(), mirrored_face_jpeg(), astronaut_gallery(), tight, 6)
    (face,) = unnamed.faces
    assert (face.person_id, face.person_name, face.distance, face.confidence) == (None,) * 4
    # The photo she was taught from is at distance zero.
    same = analyze_still(shared_engine(), one_face_jpeg(), astronaut_gallery(), tight, 7)
    assert same.faces[0].distance == pytest.approx(0.0, abs=1e-9)
    assert same.faces[0].confidence == pytest.approx(1.0)
