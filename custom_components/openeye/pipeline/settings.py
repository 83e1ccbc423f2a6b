"""Settings of the pipeline: how frames are analysed and how sources are read."""

from __future__ import annotations

from dataclasses import dataclass

# Measured on the shared test media (see BENCHMARKS.md): dlib's HOG detector
# without upsampling finds faces whose box is at least 55-60 px wide, and
# misses smaller ones. At scale 1.0 the 62-72 px stranger in the Hamilton clip
# is still found; at 0.8 it is lost. Faces down to 40 px are found in the
# regions that move, which are enlarged for them (see regions.py); the whole
# picture is never upsampled, which would cost four times its pixels.
DEFAULT_DETECTION_SCALE = 1.0
DEFAULT_MIN_FACE_SIZE = 40
DEFAULT_TOLERANCE = 0.6
DEFAULT_DETECTION_RATE = 5.0
DEFAULT_MOTION_SENSITIVITY = 50


@dataclass(frozen=True, slots=True)
class AnalysisSettings:
    """How a camera's frames are turned into results. Sent to workers when changed."""

    # The largest face distance that still counts as a match.
    tolerance: float = DEFAULT_TOLERANCE
    # Face detections per second at most, while there is motion or a live track.
    detection_rate: float = DEFAULT_DETECTION_RATE
    # Frames (or the regions searched) are resized by this factor before
    # detection: a fallback for a host that cannot keep up at 1.0.
    detection_scale: float = DEFAULT_DETECTION_SCALE
    # Faces with a box narrower than this, in source pixels, are ignored.
    min_face_size: int = DEFAULT_MIN_FACE_SIZE
    # 0 to 100: higher treats smaller changes as motion; 100 makes every frame motion.
    motion_sensitivity: int = DEFAULT_MOTION_SENSITIVITY
    # Motion checks per second at most; cheap, on a small greyscale frame.
    motion_rate: float = 10.0
    # Seconds without motion before motion_ended is reported.
    motion_hold: float = 2.0
    # Encodings a track needs before it may be declared unknown.
    samples_to_decide: int = 3
    # Seconds without a detection before a track is lost.
    track_timeout: float = 1.0
    # Seconds between periodic figures messages.
    figures_interval: float = 5.0
    # Upsampling for still images (enrollment photos, snapshots): finds small faces.
    still_upsample: int = 1


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """How a stream or file is read and reopened when it fails."""

    # Seconds to wait for a source to open, and for each frame once open.
    open_timeout: float = 10.0
    read_timeout: float = 10.0
    # Reconnection back-off: the first wait, doubled after each failure up to the maximum.
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    # Files: read at their own frame rate, as a live camera would deliver them.
    realtime: bool = True
    # Files: start again at the end instead of ending (demo and test cameras).
    loop: bool = False
