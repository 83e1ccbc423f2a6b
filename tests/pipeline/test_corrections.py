"""Not this person, on real faces: a look-alike once wrongly named is not named again.

Barack Obama is taught from one photo with a tolerance loose enough (0.8)
that Lin-Manuel Miranda, about 0.76 from him in the Hamilton clip, is taken
for him: the look-alike of this story. The face of that wrong recognition
(the worker's own ``FaceRecognized.encoding``) becomes Obama's
counter-example, as ``openeye/recognitions/correct`` makes it. A later,
different sighting of Lin is then refused (unknown, saying whom it was
refused), and Obama's other photos are still named Obama.
"""

from __future__ import annotations

import functools

import pytest

from custom_components.openeye.pipeline.analyzer import CameraAnalyzer
from custom_components.openeye.pipeline.gallery import KnownFaces, KnownPerson
from custom_components.openeye.pipeline.identity import Recognised, Unrecognised, decide_encodings
from custom_components.openeye.pipeline.messages import CameraEvent, FaceRecognized, UnknownFace
from custom_components.openeye.pipeline.settings import AnalysisSettings
from custom_components.openeye.pipeline.still import analyze_still
from tests.media import media, requires_media
from tests.pipeline.real_faces import LIN, clip_frames, photo_encoding, shared_engine

pytestmark = requires_media

OBAMA_ID = "obama"
# Loose enough that Lin (about 0.76 from Obama's photo in the clip) is named Obama.
LOOSE = AnalysisSettings(tolerance=0.8)


def obama(counter_examples: tuple[tuple[float, ...], ...] = ()) -> KnownFaces:
    """Return a gallery of Obama alone, taught from one photo, with ``counter_examples``."""
    encoding = tuple(float(value) for value in photo_encoding("obama.jpg"))
    return KnownFaces((KnownPerson(OBAMA_ID, "Barack Obama", (encoding,), counter_examples),))


def decisions(known: KnownFaces, first: int, last: int) -> list[CameraEvent]:
    """Return the decisions of a camera shown the clip frames ``first`` to ``last`` (1-based)."""
    analyzer = CameraAnalyzer("stage", shared_engine(), LOOSE, known)
    events: list[CameraEvent] = []
    frames = clip_frames()[first - 1 : last]
    for frame in frames:
        if frame.pts >= analyzer.next_due():
            events.extend(analyzer.process(frame.frame(1e9 + frame.pts)))
    events.extend(analyzer.finish(frames[-1].pts, 1e9 + frames[-1].pts))
    return [event for event in events if isinstance(event, FaceRecognized | UnknownFace)]


@functools.cache
def wrong_recognition() -> FaceRecognized:
    """Return the wrong recognition: Lin, close in frames 85-150, named Obama."""
    (event,) = decisions(obama(), 85, 150)
    assert isinstance(event, FaceRecognized)
    return event


def test_the_look_alike_is_first_taken_for_the_person() -> None:
    """Without a correction, both of Lin's sightings are named Obama: the mistake is real."""
    assert wrong_recognition().person_id == OBAMA_ID
    assert len(wrong_recognition().encoding) == 128
    (later,) = decisions(obama(), 151, 212)
    assert isinstance(later, FaceRecognized)
    assert later.person_id == OBAMA_ID


def test_a_corrected_look_alike_is_not_named_again_and_the_person_still_is() -> None:
    """After one correction, a later sighting of Lin is refused; Obama's photos are still his."""
    corrected = obama((wrong_recognition().encoding,))
    (later,) = decisions(corrected, 151, 212)
    assert isinstance(later, UnknownFace)
    assert later.refused_person_id == OBAMA_ID
    # Lin's reference photo, another sighting again, is refused as well.
    lin = analyze_still(shared_engine(), media(LIN).read_bytes(), corrected, LOOSE, 1)
    assert [face.person_id for face in lin.faces] == [None]
    for photo in ("obama2.jpg", "obama_small.jpg"):
        analysis = analyze_still(shared_engine(), media(photo).read_bytes(), corrected, LOOSE, 1)
        assert [face.person_id for face in analysis.faces] == [OBAMA_ID], photo
        decision = decide_encodings(corrected, photo_encoding(photo).reshape(1, -1), 0.8)
        assert isinstance(decision, Recognised)
        assert decision.person.person_id == OBAMA_ID


def test_a_refused_face_reports_its_real_distance() -> None:
    """The refused decision keeps the distance to the person: finite, within the tolerance."""
    corrected = obama((wrong_recognition().encoding,))
    decision = decide_encodings(corrected, photo_encoding(LIN).reshape(1, -1), 0.8)
    assert isinstance(decision, Unrecognised)
    assert decision.refused_person is not None
    assert decision.refused_person.person_id == OBAMA_ID
    assert decision.best_distance == pytest.approx(0.71, abs=0.02)
