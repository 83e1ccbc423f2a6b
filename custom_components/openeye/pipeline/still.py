"""Still images: every face of one photo, with who it is, at full resolution.

Enrollment photos and snapshots are analysed once and carefully: no motion
gate, no downscaling, and the detector upsamples the picture so that smaller
faces are found too.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .images import ImageError, decode_image, face_crop
from .messages import ImageAnalysis, StillFace, confidence_from_distance

if TYPE_CHECKING:
    from .engine import FaceEngine
    from .gallery import KnownFaces
    from .settings import AnalysisSettings


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
    boxes = engine.detect(rgb, upsample=settings.still_upsample)
    encodings = engine.encode(rgb, boxes)
    distances = known.person_distances(encodings)
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
