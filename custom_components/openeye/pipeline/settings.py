"""Settings of the pipeline: how frames are analysed and how sources are read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AnalysisSettings:
    """How a camera's frames are turned into results. Sent to workers when changed.

    The first five are options of the Home Assistant entry; these defaults are
    the options' defaults too (const.OPTION_DEFAULTS reads them from here).
    """

    # The largest face distance that still counts as a match.
    tolerance: float = 0.6
    # Face detections per second at most, while there is motion or a live track.
    detection_rate: float = 5.0
    # Frames (or the regions searched) are resized by this factor before
    # detection: a fallback for a host that cannot keep up at 1.0.
    # Measured on the shared test media (see BENCHMARKS.md): dlib's HOG
    # detector without upsampling finds faces whose box is at least 55-60 px
    # wide, and misses smaller ones; at scale 1.0 the 62-72 px stranger in the
    # Hamilton clip is still found, at 0.8 it is lost.
    detection_scale: float = 1.0
    # Faces with a box narrower than this, in source pixels, are ignored.
    # Faces down to 40 px are found in the regions that move, which are
    # enlarged for them (see regions.py); the whole picture is never
    # upsampled, which would cost four times its pixels.
    min_face_size: int = 40
    # 0 to 100: higher treats smaller changes as motion; 100 makes every frame motion.
    motion_sensitivity: int = 50
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
