r"""Not this person, measured: what one correction does to look-alikes and to the person.

Run from the project root (it needs ../shared/media; the test environment is enough):

    .venv/bin/python benchmarks/corrections.py

For every ordered pair of different people in the shared media (Obama, Biden,
Lin-Manuel Miranda, Alex Lacamoire, the clip's stranger) and scikit-image's
astronaut, person A is taught from their first face and the tolerance is
loosened until B's first face is wrongly named A (A-B distance + 0.01): a
look-alike forced on the pair. B's first face then becomes A's
counter-example (what ``openeye/recognitions/correct`` does), and every
other face is decided again as a worker finally decides a face
(``identity.decide_encodings``):

- wrong namings remaining: B's other faces still named A, of those named A
  before the correction;
- right namings lost: A's other faces no longer named A, of those named A
  before.

Faces are photos, and frames of the Hamilton clip (every 4th of Lin close,
frames 85-210, and of the stranger, 225-250), each the largest face found
(HOG, one upsample).
"""

from __future__ import annotations

from pathlib import Path
import sys
import time

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.openeye.pipeline.gallery import KnownFaces, KnownPerson
from custom_components.openeye.pipeline.identity import Recognised, decide_encodings
from custom_components.openeye.pipeline.images import decode_image
from tests.faces import astronaut_head_rgb, mirrored_face_jpeg
from tests.media import media
from tests.pipeline.real_faces import clip_frames, shared_engine

type Encoding = tuple[float, ...]


def largest_face(rgb: np.ndarray) -> Encoding | None:
    """Return the encoding of the largest face of a picture, or None without a face."""
    engine = shared_engine()
    boxes = engine.detect(rgb, upsample=1)
    if not boxes:
        return None
    box = max(boxes, key=lambda b: (b.bottom - b.top) * (b.right - b.left))
    return tuple(float(value) for value in engine.encode(rgb, [box])[0])


def photo(name: str) -> Encoding:
    """Return the face of a shared photo."""
    encoding = largest_face(decode_image(media(name).read_bytes()))
    assert encoding is not None, name
    return encoding


def frames(first: int, last: int, step: int = 4) -> list[Encoding]:
    """Return the largest face of every ``step``-th clip frame from ``first`` to ``last``."""
    found = (largest_face(frame.rgb) for frame in clip_frames()[first - 1 : last : step])
    return [encoding for encoding in found if encoding is not None]


def people() -> dict[str, list[Encoding]]:
    """Return each person's faces; the first is the one taught (or corrected)."""
    astronaut = [
        largest_face(np.ascontiguousarray(astronaut_head_rgb())),
        largest_face(decode_image(mirrored_face_jpeg())),
    ]
    return {
        "Obama": [photo(name) for name in ("obama.jpg", "obama2.jpg", "obama_small.jpg")],
        "Biden": [photo("biden.jpg")],
        "Lin": [photo("lin-manuel-miranda.png"), *frames(85, 210)],
        "Alex": [photo("alex-lacamoire.png")],
        "Stranger": frames(225, 250),
        "Astronaut": [encoding for encoding in astronaut if encoding is not None],
    }


def named(known: KnownFaces, faces: list[Encoding], tolerance: float) -> int:
    """Return how many of ``faces`` are named the gallery's one person."""
    count = 0
    for face in faces:
        decision = decide_encodings(known, np.asarray([face]), tolerance)
        count += isinstance(decision, Recognised)
    return count


def main() -> None:
    """Measure every pair and print a table and the totals."""
    started = time.process_time()
    faces = {name: found for name, found in people().items() if found}
    print(f"faces: {', '.join(f'{name} {len(found)}' for name, found in faces.items())}")
    print("taught A | look-alike B | tolerance | B still named A (before -> after) | A named")
    totals = np.zeros(4, dtype=int)
    for a, a_faces in faces.items():
        for b, b_faces in faces.items():
            if a == b:
                continue
            tolerance = float(np.linalg.norm(np.subtract(a_faces[0], b_faces[0]))) + 0.01
            plain = KnownFaces((KnownPerson(a, a, (a_faces[0],)),))
            corrected = KnownFaces((KnownPerson(a, a, (a_faces[0],), (b_faces[0],)),))
            wrong = (named(plain, b_faces[1:], tolerance), named(corrected, b_faces[1:], tolerance))
            right = (named(plain, a_faces[1:], tolerance), named(corrected, a_faces[1:], tolerance))
            totals += (*wrong, *right)
            if wrong[0] or right[0]:
                print(
                    f"{a} | {b} | {tolerance:.2f} | {wrong[0]} -> {wrong[1]} of {len(b_faces) - 1}"
                    f" | {right[0]} -> {right[1]} of {len(a_faces) - 1}"
                )
    print(
        f"total: wrong namings {totals[0]} -> {totals[1]} after one correction; "
        f"right namings {totals[2]} -> {totals[3]} ({totals[2] - totals[3]} lost)"
    )
    print(f"CPU: {time.process_time() - started:.1f} s")


if __name__ == "__main__":
    main()
