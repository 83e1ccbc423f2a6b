"""The astronaut as a known person, for pipeline tests that need no shared media.

scikit-image's astronaut is Eileen Collins; her head (tests/faces.py) is the
one real face that is always installed. These helpers encode it once per test
process with the shared engine and build the galleries and folders that the
tests compare with.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from custom_components.openeye.pipeline.gallery import KnownFaces
from custom_components.openeye.pipeline.settings import AnalysisSettings
from custom_components.openeye.pipeline.still import analyze_still
from tests.faces import no_face_jpeg, one_face_jpeg, two_faces_jpeg
from tests.pipeline.real_faces import shared_engine

if TYPE_CHECKING:
    from pathlib import Path

ASTRONAUT_ID = "eileen"
ASTRONAUT_NAME = "Eileen Collins"
# The gallery folder's name is the person's id and name on the command line.
GALLERY_PERSON = "Eileen Collins"


@functools.cache
def astronaut_encoding() -> tuple[float, ...]:
    """Return the encoding of the astronaut's face, found in her photo as a still image."""
    analysis = analyze_still(shared_engine(), one_face_jpeg(), KnownFaces(), AnalysisSettings(), 0)
    (face,) = analysis.faces
    return face.encoding


@functools.cache
def astronaut_gallery() -> KnownFaces:
    """Return a gallery that knows the astronaut from one photo."""
    return KnownFaces.from_arrays([(ASTRONAUT_ID, ASTRONAUT_NAME, [astronaut_encoding()])])


def write_gallery_folder(folder: Path) -> Path:
    """Write a command-line gallery: the astronaut, and two folders that only give warnings.

    ``Nobody`` holds a photo without a face and ``Pair`` a photo of two faces;
    both are skipped with a warning, so only the astronaut is known.
    """
    (folder / GALLERY_PERSON).mkdir(parents=True)
    (folder / GALLERY_PERSON / "head.jpg").write_bytes(one_face_jpeg())
    (folder / "Nobody").mkdir()
    (folder / "Nobody" / "gradient.jpg").write_bytes(no_face_jpeg())
    (folder / "Pair").mkdir()
    (folder / "Pair" / "pair.jpg").write_bytes(two_faces_jpeg())
    return folder
