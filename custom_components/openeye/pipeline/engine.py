"""OpenEye's face engine: dlib's HOG detector, 5-point landmarks and 128-d encodings.

The ``face_recognition`` package wraps the same dlib models, but it hard-requires
dlib's source distribution, which cannot be built on Home Assistant OS or
Container. This module calls the prebuilt ``dlib`` (from ``dlib-bin``) directly
with the model files that ``face-recognition-models`` ships, and reproduces
``face_recognition``'s boxes and encodings exactly (a test proves it).
"""

from __future__ import annotations

from dataclasses import dataclass
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

MODELS_PACKAGE = "face_recognition_models"
SHAPE_PREDICTOR_FILE = "shape_predictor_5_face_landmarks.dat"
ENCODER_FILE = "dlib_face_recognition_resnet_model_v1.dat"
ENCODING_SIZE = 128


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
    """Return the folder holding dlib's model files.

    The package's own ``__init__`` imports ``pkg_resources``, which newer
    setuptools no longer ship; finding the package without importing it keeps
    OpenEye independent of setuptools.
    """
    spec = importlib.util.find_spec(MODELS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailableError(f"The package {MODELS_PACKAGE} is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    for name in (SHAPE_PREDICTOR_FILE, ENCODER_FILE):
        if not (folder / name).is_file():
            raise EngineUnavailableError(f"The model file {name} is missing in {folder}")
    return folder


class FaceEngine:
    """Detects faces and computes their encodings with dlib.

    Loading the models takes about a second and some 100 MB, so a process
    creates one engine and keeps it.
    """

    def __init__(self) -> None:
        """Load dlib and its models, or raise :class:`EngineUnavailableError`."""
        try:
            import dlib  # noqa: PLC0415  # Imported here so a missing dlib is reported, not fatal.
        except ImportError as err:  # pragma: no cover - depends on the host
            raise EngineUnavailableError(f"dlib cannot be imported: {err}") from err
        folder = models_directory()
        self._dlib: Any = dlib
        self._detector: Any = dlib.get_frontal_face_detector()
        self._shape_predictor: Any = dlib.shape_predictor(str(folder / SHAPE_PREDICTOR_FILE))
        self._encoder: Any = dlib.face_recognition_model_v1(str(folder / ENCODER_FILE))

    def detect(self, rgb: NDArray[np.uint8], upsample: int = 1) -> list[Box]:
        """Return the face boxes that the HOG detector finds in an RGB image."""
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
