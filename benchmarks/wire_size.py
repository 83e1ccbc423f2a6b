r"""The wire format for remote workers against the local pickle: sizes and times.

Run from the project root (the test environment is enough; no shared media):

    .venv/bin/python benchmarks/wire_size.py [--repeat 7]

For three typical messages it prints the encoded size and the time to encode
and to decode one message, with ``pipeline/wire.py`` (versioned JSON, checked
field by field on decoding) and with the local socket pair's pickle
(``pipeline/protocol.py``, its 4-byte length header left out):

- a ``FaceRecognized`` with a real face crop (scikit-image's astronaut, cut
  and compressed as a worker does: at most 160 px, JPEG quality 85) and a
  128-number encoding;
- a ``Figures`` message, the periodic one;
- a ``SetGallery`` of 50 people with 5 encodings each (250 encodings).

Encodings are drawn from a normal distribution with a face encoding's spread
(standard deviation 0.1): full-precision floats, as dlib gives them, so
their decimal text is as long as a real encoding's. Each time is the best of
``--repeat`` runs of a loop of enough calls to take about 0.2 s, divided by
the calls: the cost of the code, with the least interference from other
processes on the machine.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path
import pickle
import sys
import time
from typing import TYPE_CHECKING

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.openeye.pipeline import wire
from custom_components.openeye.pipeline.engine import ENCODING_SIZE, Box
from custom_components.openeye.pipeline.gallery import KnownFaces, KnownPerson
from custom_components.openeye.pipeline.images import face_crop
from custom_components.openeye.pipeline.messages import FaceRecognized, Figures, SetGallery
from tests.faces import astronaut_head_rgb

if TYPE_CHECKING:
    from collections.abc import Callable

RNG = np.random.default_rng(13)


def encoding() -> tuple[float, ...]:
    """Return a made-up face encoding with a real one's spread and precision."""
    return tuple(float(value) for value in RNG.normal(0.0, 0.1, ENCODING_SIZE))


def messages() -> dict[str, object]:
    """Return the typical messages, by a short description."""
    # The astronaut's face lies about here in the head-and-shoulders picture.
    crop = face_crop(astronaut_head_rgb(), Box(top=20, right=200, bottom=150, left=90))
    recognised = FaceRecognized(
        "front_door",
        123.4567,
        1_764_000_000.123456,
        track_id=17,
        person_id="0f9d8c7b6a5e4d3c2b1a0f9e8d7c6b5a",
        person_name="Eileen Collins",
        best_distance=0.3123456789,
        mean_distance=0.3456789012,
        confidence=0.7397119342,
        box=(20, 200, 150, 90),
        crop_jpeg=crop,
        decided_at=1_764_000_000.234567,
        encoding=encoding(),
    )
    figures = Figures("front_door", 123.4567, 1_764_000_000.123456, 150, 48, 40, 9.6, 31.5, 12.2, 1)
    people = tuple(
        KnownPerson(f"{index:032x}", f"Person {index}", tuple(encoding() for _ in range(5)))
        for index in range(50)
    )
    return {
        f"FaceRecognized ({len(crop)} B crop, encoding)": recognised,
        "Figures": figures,
        "SetGallery (50 people x 5 encodings)": SetGallery(KnownFaces(people)),
    }


def per_call(function: Callable[[], object], repeat: int) -> float:
    """Return the best time of one call in microseconds, over ``repeat`` timed loops."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            function()
        # A twentieth of a second is long enough for the clock; the timed loops are 4 times that.
        if time.perf_counter() - start > 0.05:
            break
        calls *= 2
    calls = max(calls * 4, 1)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def main() -> None:
    """Print the figures of each message, wire against pickle."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    print(f"wire version {wire.WIRE_VERSION}; times in microseconds, best of {repeat}")
    print(
        f"{'message':<40} {'wire B':>8} {'pickle B':>9} {'ratio':>6} "
        f"{'wire enc':>9} {'wire dec':>9} {'pkl enc':>8} {'pkl dec':>8}"
    )
    for name, message in messages().items():
        encoded = wire.encode(message)
        pickled = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        # Decoding must give the message back, or the times mean nothing.
        assert wire.decode(encoded, max_bytes=wire.MAX_GALLERY_BYTES) == message
        assert pickle.loads(pickled) == message  # noqa: S301 - our own bytes
        wire_encode = per_call(partial(wire.encode, message), repeat)
        wire_decode = per_call(
            partial(wire.decode, encoded, max_bytes=wire.MAX_GALLERY_BYTES), repeat
        )
        pickle_encode = per_call(
            partial(pickle.dumps, message, protocol=pickle.HIGHEST_PROTOCOL), repeat
        )
        pickle_decode = per_call(partial(pickle.loads, pickled), repeat)
        print(
            f"{name:<40} {len(encoded):>8} {len(pickled):>9} {len(encoded) / len(pickled):>6.2f} "
            f"{wire_encode:>9.1f} {wire_decode:>9.1f} {pickle_encode:>8.1f} {pickle_decode:>8.1f}"
        )
    print(
        f"limits: MAX_MESSAGE_BYTES {wire.MAX_MESSAGE_BYTES}, "
        f"MAX_GALLERY_BYTES {wire.MAX_GALLERY_BYTES}"
    )


if __name__ == "__main__":
    main()
