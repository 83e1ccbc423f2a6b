r"""How well unknown faces group into strangers, on the shared media's real faces.

Run from the project root (it needs ../shared/media and the project's .venv):

    .venv/bin/python benchmarks/stranger_grouping.py [--every 5] [--tolerance 0.6]

Faces: the seven photos of ../shared/media (Lin-Manuel Miranda, Alex
Lacamoire, three of Barack Obama, Joe Biden, and two_people.jpg with Biden
and Obama), and the faces found in every ``--every``-th frame of the
Hamilton clip, labelled by its README (frames 1-20 and 85-210 Lin-Manuel
Miranda, 225-250 another person; faces elsewhere are left out). Every face
goes, in order (photos first, then the clip's frames), through the same
grouping function as Home Assistant's gallery (pipeline/grouping.py).

It prints: the distances within and between people, then for the photos
alone, the clip alone and both together: the strangers made, how many are
pure (one person's faces only), pairs of faces of different people that
share a stranger (must be 0), and how many strangers each person was split
into. It prints figures only.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path
import sys
import time

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.openeye.pipeline.engine import FaceEngine
from custom_components.openeye.pipeline.grouping import (
    closest_group,
    grouping_tolerance,
)
from custom_components.openeye.pipeline.images import decode_image

MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"
# Who each photo's faces are, left to right as the detector lists them.
PHOTOS = {
    "lin-manuel-miranda.png": ("Lin-Manuel Miranda",),
    "alex-lacamoire.png": ("Alex Lacamoire",),
    "obama.jpg": ("Barack Obama",),
    "obama2.jpg": ("Barack Obama",),
    "obama_small.jpg": ("Barack Obama",),
    "biden.jpg": ("Joe Biden",),
    "two_people.jpg": ("Joe Biden", "Barack Obama"),
}
CLIP = "short_hamilton_clip.mp4"

type Face = tuple[str, np.ndarray]


def photo_faces(engine: FaceEngine) -> list[Face]:
    """Return (person, encoding) for every face of the shared photos."""
    faces: list[Face] = []
    for name, people in PHOTOS.items():
        rgb = decode_image((MEDIA / name).read_bytes())
        boxes = sorted(engine.detect(rgb, upsample=1), key=lambda box: -box.left)
        encodings = engine.encode(rgb, boxes)
        if len(encodings) != len(people):
            raise SystemExit(f"{name}: {len(encodings)} faces found, {len(people)} expected")
        # two_people.jpg: Biden is on the right (larger left coordinate first).
        faces.extend(zip(people, encodings, strict=True))
    return faces


def clip_label(number: int) -> str | None:
    """Return who the clip's README says frame ``number`` shows, or None when unsure."""
    if 1 <= number <= 20 or 85 <= number <= 210:
        return "Lin-Manuel Miranda"
    if 225 <= number <= 250:
        return "clip stranger"
    return None


def clip_faces(engine: FaceEngine, every: int) -> list[Face]:
    """Return (person, encoding) for the faces of every ``every``-th labelled frame of the clip."""
    import av  # noqa: PLC0415 - only this part needs the decoder

    faces: list[Face] = []
    with av.open(str(MEDIA / CLIP)) as container:
        for number, frame in enumerate(container.decode(video=0), start=1):
            label = clip_label(number)
            if label is None or (number - 1) % every:
                continue
            rgb = frame.to_ndarray(format="rgb24")
            boxes = engine.detect(rgb, upsample=1)
            faces.extend((label, encoding) for encoding in engine.encode(rgb, boxes))
    return faces


def distances(faces: list[Face]) -> None:
    """Print the largest distance within each person and the smallest between people."""
    within: dict[str, float] = defaultdict(float)
    between = float("inf")
    for (a, x), (b, y) in combinations(faces, 2):
        distance = float(np.linalg.norm(x - y))
        if a == b:
            within[a] = max(within[a], distance)
        else:
            between = min(between, distance)
    for person, largest in sorted(within.items()):
        print(f"  largest distance within {person}: {largest:.3f}")
    print(f"  smallest distance between different people: {between:.3f}")


def group(title: str, faces: list[Face], tolerance: float) -> None:
    """Group the faces in order and print purity and fragmentation."""
    strangers: dict[int, list[np.ndarray]] = {}
    members: dict[int, list[str]] = {}
    for person, encoding in faces:
        key = closest_group(encoding.tolist(), strangers, tolerance)
        if key is None:
            key = len(strangers)
            strangers[key], members[key] = [], []
        strangers[key].append(encoding)
        members[key].append(person)
    pure = sum(1 for people in members.values() if len(set(people)) == 1)
    mixed_pairs = sum(
        1 for people in members.values() for a, b in combinations(people, 2) if a != b
    )
    split = Counter(person for people in members.values() for person in set(people))
    counts = Counter(person for person, _ in faces)
    print(
        f"{title}: {len(faces)} faces of {len(counts)} people -> {len(strangers)} strangers, "
        f"{pure}/{len(strangers)} pure, {mixed_pairs} pairs of different people together"
    )
    for person in sorted(counts):
        print(f"  {person}: {counts[person]} faces in {split[person]} stranger(s)")


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--every", type=int, default=5, help="use every n-th frame of the clip")
    parser.add_argument("--tolerance", type=float, default=0.6, help="recognition tolerance")
    args = parser.parse_args()
    if not MEDIA.is_dir():
        raise SystemExit(f"the shared media are not at {MEDIA}")
    started = time.monotonic()
    engine = FaceEngine()
    photos = photo_faces(engine)
    clip = clip_faces(engine, args.every)
    print(
        f"tolerance {args.tolerance}, grouping tolerance "
        f"{grouping_tolerance(args.tolerance):.2f}; clip every {args.every}th frame; "
        f"faces found in {time.monotonic() - started:.1f} s"
    )
    print("distances:")
    distances(photos + clip)
    group("photos", photos, args.tolerance)
    group("clip", clip, args.tolerance)
    group("photos + clip", photos + clip, args.tolerance)


if __name__ == "__main__":
    main()
