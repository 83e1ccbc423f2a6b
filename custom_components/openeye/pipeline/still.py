"""Still images: every face of one photo, with who it is.

Enrollment photos and snapshots are analysed once and carefully: no motion
gate, and the detector upsamples the picture so that smaller faces are found
too. The detector's work and memory grow with the pixels it searches (a
12-megapixel photo upsampled once: 710 MiB and 4.6 CPU-seconds, measured), so
the search is bounded: photos up to 4 megapixels (every camera snapshot up to
2560x1440) are upsampled as always, larger ones are searched as they are, and
beyond 16 megapixels a shrunk copy is searched. Faces are always encoded from
the full-resolution picture.
"""

from __future__ import annotations

from dataclasses import replace
import math
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from .images import ImageError, decode_image, face_crop
from .messages import ImageAnalysis, StillFace, confidence_from_distance

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .engine import Box, FaceEngine
    from .gallery import KnownFaces
    from .settings import AnalysisSettings


# The most pixels the detector searches in a still, after any upsampling.
DETECTION_BUDGET = 16_000_000


def find_faces(engine: FaceEngine, rgb: NDArray[np.uint8], upsample: int) -> list[Box]:
    """Return the face boxes of a still, searching at most :data:`DETECTION_BUDGET` pixels."""
    height, width = rgb.shape[:2]
    pixels = height * width
    if pixels * 4**upsample <= DETECTION_BUDGET:
        return engine.detect(rgb, upsample=upsample)
    if pixels <= DETECTION_BUDGET:
        return engine.detect(rgb, upsample=0)
    factor = math.sqrt(DETECTION_BUDGET / pixels)
    size = (max(round(width * factor), 1), max(round(height * factor), 1))
    shrunk = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX), dtype=np.uint8)
    return [
        box.scaled(1 / factor).clipped(height, width) for box in engine.detect(shrunk, upsample=0)
    ]


def analyze_still(
    engine: FaceEngine,
    data: bytes,
    known: KnownFaces,
    settings: AnalysisSettings,
    request_id: int,
) -> ImageAnalysis:
    """Find, encode and identify every face of a JPEG or PNG image.

    An image that cannot be read gives an analysis with ``error`` set to the
    image error code, never an exception. A face whose closest person is
    farther than the tolerance has no person (and no distance or confidence).
    """
    try:
        rgb = decode_image(data)
    except ImageError as err:
        return ImageAnalysis(request_id, error=err.code, error_detail=str(err))
    height, width = rgb.shape[:2]
    boxes = find_faces(engine, rgb, settings.still_upsample)
    encodings = engine.encode(rgb, boxes)
    distances = known.person_distances(encodings)
    # A match the person's counter-examples refuse is no match (identity.py).
    distances = np.where(known.refusals(encodings, distances), np.inf, distances)
    faces: list[StillFace] = []
    for index, (box, encoding) in enumerate(zip(boxes, encodings, strict=True)):
        face = StillFace(
            box=box.as_tuple(),
            encoding=tuple(float(value) for value in encoding),
            crop_jpeg=face_crop(rgb, box),
        )
        if len(known):
            closest = int(distances[index].argmin())
            distance = float(distances[index, closest])
            if distance <= settings.tolerance:
                person = known.people[closest]
                face = replace(
                    face,
                    person_id=person.person_id,
                    person_name=person.name,
                    distance=distance,
                    confidence=confidence_from_distance(distance),
                )
        faces.append(face)
    return ImageAnalysis(request_id, width=width, height=height, faces=tuple(faces))
