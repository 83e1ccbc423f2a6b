"""Cheap motion detection, so that the expensive face detector only runs when it may help.

The grey picture (the decoder's luma plane, sampled: see
:meth:`.frames.Frame.grey`) is shrunk to a small blurred picture and compared
with a running average of the recent pictures (the background). The share of
pixels that differ clearly from the background decides whether the frame shows
motion, and where they lie (:attr:`MotionGate.changed`) tells the face search
where to look (see :mod:`.regions`). Everything here is numpy on a picture of
about 160x90 pixels.
"""

from __future__ import annotations

from enum import StrEnum
import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

# The compared picture is this wide: a person crossing the picture still covers
# many pixels, while sensor noise and compression blocks mostly vanish.
MOTION_WIDTH = 160
# The grey picture the gate is given should be at least this wide: twice the
# compared width, so that shrinking averages at least 2x2 pixels into one.
GREY_WIDTH = 2 * MOTION_WIDTH
# A 5-tap binomial blur (a close Gaussian) on the small picture, applied along
# rows and columns; it smooths what noise the shrinking leaves.
_BLUR_TAPS = np.array([1.0, 4.0, 6.0, 4.0, 1.0], dtype=np.float32) / 16.0
# A pixel has changed when it differs from the background by more than this many
# grey levels (of 255). Noise on a blurred, shrunk picture stays well below.
PIXEL_THRESHOLD = 25
# Seconds over which the background follows the picture (the time constant of
# the running average). A change that stays, like a door left open, stops
# counting as motion after about a second; a moving person keeps producing
# differences because the person keeps moving.
BACKGROUND_TIME = 0.3


def motion_threshold(sensitivity: int) -> float:
    """Return the fraction of changed pixels that counts as motion for a sensitivity.

    The sensitivity (0 to 100) maps to ``10 ** (-sensitivity / 25)``: every 25
    points make the gate ten times more sensitive. So 25 needs 10 % of the
    picture to change, 50 (the default) 1 %, 75 0.1 %. The ends are special:
    100 returns 0.0, so every frame is motion (a frame "changes" at least 0 % of
    its pixels), and 0 returns 1.0, a share that the strict comparison in
    :meth:`MotionGate.check` never exceeds, so nothing is ever motion.
    """
    sensitivity = min(max(int(sensitivity), 0), 100)
    if sensitivity >= 100:  # noqa: PLR2004 - the documented top of the scale
        return 0.0
    return float(10 ** (-sensitivity / 25))


class MotionChange(StrEnum):
    """A change of the motion state reported by :meth:`MotionGate.check`."""

    STARTED = "started"
    ENDED = "ended"


class MotionGate:
    """Tells whether frames show motion, with a hold time before motion ends.

    Motion starts on the first checked frame that differs enough from the
    background, and ends on the first checked frame after the picture has
    shown no motion for ``hold`` seconds.
    """

    def __init__(self, sensitivity: int, hold: float) -> None:
        """Create a gate; the first checked frame becomes the background."""
        self._threshold = motion_threshold(sensitivity)
        self._hold = hold
        self._background: NDArray[np.float32] | None = None
        self._background_pts = 0.0
        self._last_motion_pts = -math.inf
        self._active = False
        self.changed_fraction = 0.0
        # Which pixels of the small picture differed clearly from the
        # background at the last check; None when that check had nothing to
        # compare with (the first frame, a new resolution or timeline).
        self.changed: NDArray[np.bool_] | None = None

    @property
    def active(self) -> bool:
        """Return True from motion's start until it has ended."""
        return self._active

    def update_settings(self, sensitivity: int, hold: float) -> None:
        """Apply a new sensitivity and hold time from the next check on."""
        self._threshold = motion_threshold(sensitivity)
        self._hold = hold

    def reset(self) -> None:
        """Forget the background and the motion state, as for a new source."""
        self._background = None
        self._last_motion_pts = -math.inf
        self._active = False
        self.changed_fraction = 0.0
        self.changed = None

    def check(self, grey: NDArray[np.uint8], pts: float) -> MotionChange | None:
        """Compare a grey picture with the background; return a change of state, if any.

        ``grey`` is the frame in grey, any size (at least :data:`GREY_WIDTH`
        wide is best); it is shrunk to about :data:`MOTION_WIDTH` pixels wide.
        """
        small = small_grey(grey)
        background = self._background
        if background is None or background.shape != small.shape or pts < self._background_pts:
            # The first frame, a new resolution or a restarted timeline: there is
            # nothing meaningful to compare with, so this frame is the background.
            self._background = small
            self._background_pts = pts
            self.changed = None
            moving = self._threshold == 0.0
        else:
            difference = np.abs(small - background)
            self.changed = difference > PIXEL_THRESHOLD
            self.changed_fraction = int(np.count_nonzero(self.changed)) / difference.size
            moving = self._threshold == 0.0 or self.changed_fraction > self._threshold
            # The weight follows the time since the last check, so the background
            # adapts at the same pace whatever the check rate.
            elapsed = pts - self._background_pts
            weight = 1.0 - math.exp(-elapsed / BACKGROUND_TIME)
            background += weight * (small - background)
            self._background_pts = pts
        if moving:
            self._last_motion_pts = pts
            if not self._active:
                self._active = True
                return MotionChange.STARTED
            return None
        if self._active and pts - self._last_motion_pts >= self._hold:
            self._active = False
            return MotionChange.ENDED
        return None


def small_grey(grey: NDArray[np.uint8]) -> NDArray[np.float32]:
    """Return a grey picture shrunk to about :data:`MOTION_WIDTH` pixels wide, and blurred.

    Shrinking averages whole blocks of pixels (the block's side is the whole
    factor that brings the width nearest above :data:`MOTION_WIDTH`), which
    is what an area interpolation does, without any scaler. The blocks are
    summed as ``factor`` x ``factor`` strided slices, one small addition each
    (four for the usual grey picture, twice the compared width): a mean over
    the axes of a reshaped, strided picture took four times as long, most of
    the motion check's time.
    """
    height, width = grey.shape[:2]
    factor = max(width // MOTION_WIDTH, 1)
    rows, columns = max(height // factor, 1), max(width // factor, 1)
    blocks = grey[: rows * factor, : columns * factor]
    small = np.zeros((rows, columns), dtype=np.float32)
    for row in range(factor):
        for column in range(factor):
            small += blocks[row::factor, column::factor]
    small *= np.float32(1.0 / (factor * factor))
    return _blur(small)


def _blur(picture: NDArray[np.float32]) -> NDArray[np.float32]:
    """Return the picture blurred by the binomial kernel along both axes, edges repeated."""
    radius = len(_BLUR_TAPS) // 2
    padded = np.pad(picture, radius, mode="edge")
    rows = sum(
        tap * padded[:, index : index + picture.shape[1]] for index, tap in enumerate(_BLUR_TAPS)
    )
    blurred = sum(
        tap * rows[index : index + picture.shape[0], :] for index, tap in enumerate(_BLUR_TAPS)
    )
    return np.asarray(blurred, dtype=np.float32)
