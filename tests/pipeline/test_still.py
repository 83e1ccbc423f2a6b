"""Still images through the real pipeline: every face, who it is, or why there is none."""

from __future__ import annotations

from typing import Any
import zlib

import numpy as np
from PIL import Image
import pytest

from custom_components.openeye.pipeline.engine import Box, FaceEngine
from custom_components.openeye.pipeline.gallery import KnownFaces
from custom_components.openeye.pipeline.images import encode_jpeg
from custom_components.openeye.pipeline.settings import AnalysisSettings
from custom_components.openeye.pipeline.still import DETECTION_BUDGET, analyze_still, find_faces
from tests.faces import decode, encode
from tests.media import media
from tests.pipeline.real_faces import astronaut_rgb, shared_engine

SETTINGS = AnalysisSettings()


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    """Share one engine across the module."""
    return shared_engine()


@pytest.fixture(scope="module")
def obama_gallery(engine: FaceEngine) -> KnownFaces:
    """Return a gallery that knows Barack Obama from one photo, taught through analyze_still."""
    taught = analyze_still(engine, media("obama.jpg").read_bytes(), KnownFaces(), SETTINGS, 1)
    (face,) = taught.faces
    return KnownFaces.from_arrays([("obama", "Barack Obama", [face.encoding])])


def test_a_known_face_is_named(engine: FaceEngine, obama_gallery: KnownFaces) -> None:
    """Another photo of Obama is named, with its distance and confidence."""
    result = analyze_still(engine, media("obama2.jpg").read_bytes(), obama_gallery, SETTINGS, 7)
    assert result.request_id == 7
    assert result.error is None
    assert (result.width, result.height) > (0, 0)
    (face,) = result.faces
    assert face.person_id == "obama"
    assert face.person_name == "Barack Obama"
    assert face.distance is not None
    assert face.distance < 0.6
    assert face.confidence == pytest.approx(1 - face.distance / 1.2)
    assert len(face.encoding) == 128
    crop = decode(face.crop_jpeg)
    assert crop is not None
    assert max(crop.shape[:2]) <= 160


def test_a_face_beyond_the_tolerance_has_no_name(
    engine: FaceEngine, obama_gallery: KnownFaces
) -> None:
    """Biden is farther than the tolerance from Obama: his face has no person at all."""
    result = analyze_still(engine, media("biden.jpg").read_bytes(), obama_gallery, SETTINGS, 2)
    (face,) = result.faces
    assert (face.person_id, face.person_name, face.distance, face.confidence) == (
        None,
        None,
        None,
        None,
    )
    # The same face is named by a tolerance loose enough to include it: the
    # None above comes from the tolerance, not from a failed comparison.
    loose = AnalysisSettings(tolerance=1.0)
    named = analyze_still(engine, media("biden.jpg").read_bytes(), obama_gallery, loose, 3)
    assert named.faces[0].person_id == "obama"
    assert named.faces[0].distance is not None
    assert named.faces[0].distance > 0.6


def test_two_people(engine: FaceEngine, obama_gallery: KnownFaces) -> None:
    """Both faces of the group photo come back with their own box and encoding."""
    result = analyze_still(engine, media("two_people.jpg").read_bytes(), obama_gallery, SETTINGS, 4)
    assert (result.width, result.height) == (1126, 661)
    assert len(result.faces) == 2
    assert result.faces[0].box != result.faces[1].box
    assert result.faces[0].encoding != result.faces[1].encoding


def test_not_an_image(engine: FaceEngine) -> None:
    """Bytes that are no image give the error code, never an exception."""
    result = analyze_still(engine, b"this is not an image", KnownFaces(), SETTINGS, 5)
    assert result.error == "not_an_image"
    assert result.error_detail
    assert result.faces == ()
    assert analyze_still(engine, b"", KnownFaces(), SETTINGS, 6).error == "not_an_image"


def test_truncated_jpeg(engine: FaceEngine) -> None:
    """A JPEG cut in its header cannot be decoded: a clear error, no exception."""
    data = media("obama.jpg").read_bytes()[:300]
    result = analyze_still(engine, data, KnownFaces(), SETTINGS, 8)
    assert result.error == "not_an_image"


def test_too_large(engine: FaceEngine) -> None:
    """An image announcing too many pixels is refused before it is decoded."""
    huge = np.zeros((8, 8, 3), np.uint8)
    data = bytearray(encode(huge, ".png"))
    data[16:24] = (100_000).to_bytes(4, "big") * 2
    # The header chunk's checksum follows, so that only the announced size is wrong.
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    result = analyze_still(engine, bytes(data), KnownFaces(), SETTINGS, 9)
    assert result.error == "image_too_large"


def test_no_face(engine: FaceEngine) -> None:
    """A picture without a face has its size and no face."""
    data = encode_jpeg(np.full((240, 320, 3), 90, np.uint8))
    result = analyze_still(engine, data, KnownFaces(), SETTINGS, 10)
    assert result.error is None
    assert (result.width, result.height) == (320, 240)
    assert result.faces == ()


def test_astronaut_face_is_found(engine: FaceEngine) -> None:
    """The astronaut's face is found where expected (the suit's badge may come too)."""
    rgb = astronaut_rgb()
    result = analyze_still(engine, encode_jpeg(rgb, quality=95), KnownFaces(), SETTINGS, 11)
    faces = [face for face in result.faces if face.box[0] < 200]
    (face,) = faces
    top, right, bottom, left = face.box
    assert abs(top - 76) <= 12
    assert abs(right - 265) <= 12
    assert abs(bottom - 166) <= 12
    assert abs(left - 175) <= 12
    assert face.person_id is None


class RecordingEngine:
    """Records what the detector is asked to search, and finds nothing."""

    def __init__(self) -> None:
        """Start with no search."""
        self.searches: list[tuple[tuple[int, ...], int]] = []

    def detect(self, rgb: np.ndarray[Any, Any], upsample: int = 1) -> list[Box]:
        """Record the picture's shape and the upsampling."""
        self.searches.append((rgb.shape, upsample))
        return []


@pytest.mark.parametrize(
    ("size", "search"),
    [
        ((1920, 1080), ((1080, 1920, 3), 1)),
        ((2560, 1440), ((1440, 2560, 3), 1)),
        ((4000, 3000), ((3000, 4000, 3), 0)),
        ((8000, 5000), ((3162, 5060, 3), 0)),
    ],
)
def test_the_detector_searches_a_bounded_number_of_pixels(
    size: tuple[int, int], search: tuple[tuple[int, ...], int]
) -> None:
    """Snapshots are upsampled as always; larger photos are searched as they are, or shrunk."""
    engine = RecordingEngine()
    width, height = size
    find_faces(engine, np.zeros((height, width, 3), np.uint8), upsample=1)  # type: ignore[arg-type]
    assert engine.searches == [search]
    shape, upsample = search
    assert shape[0] * shape[1] * 4**upsample <= DETECTION_BUDGET


def test_a_face_in_a_huge_photo_is_found_where_it_is(engine: FaceEngine) -> None:
    """In a 40-megapixel PNG the face is found on a shrunk copy, its box in full pixels.

    (A JPEG that large is decoded at half size already; a PNG cannot be, and
    over 16 megapixels is refused, so this one has 15.)
    """
    canvas = np.full((3000, 5000, 3), 120, np.uint8)
    head = np.asarray(Image.fromarray(astronaut_rgb()[0:260, 80:360]).resize((840, 780)))
    canvas[1200:1980, 3000:3840] = head
    result = analyze_still(engine, encode(canvas, ".png"), KnownFaces(), SETTINGS, 12)
    assert (result.error, result.width, result.height) == (None, 5000, 3000)
    (face,) = result.faces
    top, right, bottom, left = face.box
    assert 1200 <= top < bottom <= 1980
    assert 3000 <= left < right <= 3840
    assert right - left > 200
