"""What the pipeline keeps between runs: dlib's detector in binary form, the gallery's encodings."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
import tempfile
from typing import TYPE_CHECKING, Any

import dlib
import numpy as np
import pytest

from custom_components.openeye.pipeline import cache
from custom_components.openeye.pipeline.cli import GalleryWarning, load_gallery
from custom_components.openeye.pipeline.engine import (
    DETECTOR_CACHE_FILE,
    DETECTOR_SHA256,
    FaceEngine,
    frontal_face_detector,
)
from custom_components.openeye.pipeline.settings import AnalysisSettings
from tests.faces import astronaut_head_rgb, encode, mirrored_face_jpeg
from tests.pipeline.astronaut import GALLERY_PERSON, astronaut_encoding, write_gallery_folder
from tests.pipeline.real_faces import shared_engine

if TYPE_CHECKING:
    from numpy.typing import NDArray


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the cache at an empty folder of the test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_DIR_VARIABLE, str(folder))
    return folder


def test_the_cache_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OPENEYE_CACHE_DIR first, then XDG_CACHE_HOME/openeye, then ~/.cache/openeye."""
    monkeypatch.delenv(cache.CACHE_DIR_VARIABLE, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_directory() == tmp_path / "home" / ".cache" / "openeye"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_directory() == tmp_path / "xdg" / "openeye"
    monkeypatch.setenv(cache.CACHE_DIR_VARIABLE, str(tmp_path / "mine"))
    assert cache.cache_directory() == tmp_path / "mine"


def test_cached_files_are_written_whole_or_not_at_all(cache_dir: Path) -> None:
    """A write replaces the file in one step; where the folder cannot be made, nothing breaks."""
    assert cache.read_cached("thing") is None
    assert cache.write_cached("thing", b"first")
    assert cache.write_cached("thing", b"second")
    assert cache.read_cached("thing") == b"second"
    assert [path.name for path in cache_dir.iterdir()] == ["thing"]
    cache_dir.joinpath("thing").unlink()
    cache_dir.rmdir()
    cache_dir.write_bytes(b"a file where the folder should be")
    assert not cache.write_cached("thing", b"third")
    assert cache.read_cached("thing") is None


def test_a_file_that_cannot_be_renamed_into_place_is_removed(cache_dir: Path) -> None:
    """A folder in the way of the final name: the write fails and leaves no stray file."""
    (cache_dir / "thing").mkdir(parents=True)
    (cache_dir / "thing" / "inside").write_bytes(b"x")
    assert not cache.write_cached("thing", b"data")
    assert sorted(path.name for path in cache_dir.iterdir()) == ["thing"]


def test_the_known_digest_is_the_installed_dlibs_detector() -> None:
    """DETECTOR_SHA256 is what this dlib writes for its own detector: a dlib update is noticed."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "detector.svm"
        dlib.get_frontal_face_detector().save(str(path))
        assert hashlib.sha256(path.read_bytes()).hexdigest() == DETECTOR_SHA256


def detections(detector: Any, rgb: NDArray[np.uint8]) -> list[tuple[int, int, int, int]]:  # noqa: ANN401
    """Return a detector's boxes for a picture, upsampled once."""
    return [(r.top(), r.right(), r.bottom(), r.left()) for r in detector(rgb, 1)]


def test_the_detector_is_cached_and_read_back_the_same(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first engine writes the detector; the next ones read it, and it finds the same faces."""
    rgb = np.ascontiguousarray(astronaut_head_rgb())
    built = frontal_face_detector(dlib)
    cached_file = cache_dir / DETECTOR_CACHE_FILE
    assert hashlib.sha256(cached_file.read_bytes()).hexdigest() == DETECTOR_SHA256

    def never() -> None:
        raise AssertionError("the detector should come from the cache")

    # dlib's slow path is not taken again while the cache holds the detector.
    monkeypatch.setattr(dlib, "get_frontal_face_detector", never)
    read_back = frontal_face_detector(dlib)
    assert detections(read_back, rgb) == detections(built, rgb)
    assert len(detections(read_back, rgb)) == 1
    engine = FaceEngine()
    assert engine.detect(rgb) == shared_engine().detect(rgb)


def test_a_damaged_cached_detector_is_rebuilt(cache_dir: Path) -> None:
    """A cached file whose digest is not dlib's detector is never loaded, and is replaced."""
    cache_dir.mkdir()
    (cache_dir / DETECTOR_CACHE_FILE).write_bytes(b"not a detector")
    detector = frontal_face_detector(dlib)
    assert len(detections(detector, np.ascontiguousarray(astronaut_head_rgb()))) == 1
    digest = hashlib.sha256((cache_dir / DETECTOR_CACHE_FILE).read_bytes()).hexdigest()
    assert digest == DETECTOR_SHA256


class CountingEngine:
    """The shared engine, counting the faces it encodes."""

    def __init__(self) -> None:
        """Start at zero."""
        self.encoded = 0

    def detect(self, rgb: NDArray[np.uint8], upsample: int = 1) -> Any:  # noqa: ANN401
        """Detect with the shared engine."""
        return shared_engine().detect(rgb, upsample)

    def encode(self, rgb: NDArray[np.uint8], boxes: list[Any]) -> NDArray[np.float64]:
        """Encode with the shared engine, and count."""
        self.encoded += len(boxes)
        return shared_engine().encode(rgb, boxes)


def load(folder: Path, **options: bool) -> tuple[CountingEngine, Any, list[GalleryWarning]]:
    """Load a gallery folder with a counting engine; return it, the gallery and the warnings."""
    engine = CountingEngine()
    warnings: list[GalleryWarning] = []
    known = load_gallery(
        engine,  # type: ignore[arg-type]
        folder,
        AnalysisSettings(),
        warnings.append,
        **options,
    )
    return engine, known, warnings


def cache_file(cache_dir: Path) -> dict[str, Any]:
    """Return the one gallery cache file's content."""
    (path,) = cache_dir.glob("gallery-*.json")
    return dict(json.loads(path.read_text()))


def test_a_second_load_encodes_no_photo(cache_dir: Path, tmp_path: Path) -> None:
    """The second scan of a gallery gives the same people and warnings without encoding."""
    folder = write_gallery_folder(tmp_path / "gallery")
    first_engine, first, first_warnings = load(folder)
    # The astronaut's face, and the two faces of the pair (skipped, but encoded to be found).
    assert first_engine.encoded == 3
    second_engine, second, second_warnings = load(folder)
    assert second_engine.encoded == 0
    assert second == first
    np.testing.assert_allclose(second.matrix, [astronaut_encoding()])
    assert second_warnings == first_warnings
    assert sorted(warning.reason for warning in second_warnings) == ["no_face", "several_faces"]
    assert len(cache_file(cache_dir)["photos"]) == 3


def test_a_changed_photo_is_encoded_again(cache_dir: Path, tmp_path: Path) -> None:
    """Replacing a photo's bytes (same name) makes only that photo encoded again."""
    folder = write_gallery_folder(tmp_path / "gallery")
    _engine, first, _warnings = load(folder)
    (folder / GALLERY_PERSON / "head.jpg").write_bytes(mirrored_face_jpeg())
    engine, second, _warnings = load(folder)
    assert engine.encoded == 1
    assert not np.allclose(second.matrix, first.matrix)
    # Only the photos of the latest load are kept.
    assert len(cache_file(cache_dir)["photos"]) == 3
    (folder / "Pair" / "pair.jpg").unlink()
    engine, _known, _warnings = load(folder)
    assert engine.encoded == 0
    assert len(cache_file(cache_dir)["photos"]) == 2


def test_an_unreadable_photo_is_remembered_with_its_reason(cache_dir: Path, tmp_path: Path) -> None:
    """A file that is no image is skipped with the same warning, from the cache too."""
    folder = write_gallery_folder(tmp_path / "gallery")
    (folder / GALLERY_PERSON / "notes.png").write_bytes(b"not a picture")
    _engine, _known, first = load(folder)
    _engine, _known, second = load(folder)
    assert first == second
    assert "not_an_image" in {warning.reason for warning in second}


def test_a_damaged_cache_is_rebuilt_and_the_cache_can_be_left_out(
    cache_dir: Path, tmp_path: Path
) -> None:
    """A cache file that is not ours is ignored and rewritten; use_cache=False writes nothing."""
    folder = write_gallery_folder(tmp_path / "gallery")
    engine, _known, _warnings = load(folder, use_cache=False)
    assert engine.encoded == 3
    assert not cache_dir.exists()
    load(folder)
    (path,) = cache_dir.glob("gallery-*.json")
    for damaged in (b"{broken", b'{"version": "0", "photos": {}}', b'{"version": 1}', b"[1]"):
        path.write_bytes(damaged)
        engine, _known, _warnings = load(folder)
        assert engine.encoded == 3
    stored = cache_file(cache_dir)
    assert len(stored["photos"]) == 3
    wrong = {key: {"encoding": ["x"]} for key in stored["photos"]}
    path.write_text(json.dumps({"version": stored["version"], "photos": wrong}))
    engine, _known, _warnings = load(folder)
    assert engine.encoded == 3


def test_a_photo_as_a_jpeg_and_a_png_are_two_entries(cache_dir: Path, tmp_path: Path) -> None:
    """The key is the bytes: the same face in two files is two photos, encoded once each."""
    folder = tmp_path / "gallery"
    (folder / GALLERY_PERSON).mkdir(parents=True)
    (folder / GALLERY_PERSON / "a.jpg").write_bytes(encode(astronaut_head_rgb()))
    (folder / GALLERY_PERSON / "b.png").write_bytes(encode(astronaut_head_rgb(), ".png"))
    engine, known, _warnings = load(folder)
    assert engine.encoded == 2
    assert len(known.matrix) == 2
    assert len(cache_file(cache_dir)["photos"]) == 2
