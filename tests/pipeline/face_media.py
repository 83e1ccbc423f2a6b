"""The faces a pipeline scenario can run on: the astronaut always, the shared media when present.

A scenario that holds for any face is written once and parametrised over the
``face_media`` fixture (tests/pipeline/conftest.py), which gives one of these
records per media. The astronaut (tests/faces.py) is installed with
scikit-image, so her run never skips; the Hamilton clip and its photos come
from ``../shared/media`` (tests/media.py), so their run skips with a reason on
a clone without that folder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
import functools
from typing import TYPE_CHECKING, Protocol

import numpy as np

from custom_components.openeye.pipeline.frames import Frame
from custom_components.openeye.pipeline.settings import AnalysisSettings
from tests.faces import (
    astronaut_head_rgb,
    mirrored_face_jpeg,
    one_face_jpeg,
    two_faces_jpeg,
    write_face_video,
)
from tests.media import media
from tests.pipeline.astronaut import ASTRONAUT_ID, ASTRONAUT_NAME, astronaut_gallery
from tests.pipeline.real_faces import LIN, LIN_ID, clip_frames, reference_gallery

if TYPE_CHECKING:
    from pathlib import Path

    from numpy.typing import NDArray

    from custom_components.openeye.pipeline.gallery import KnownFaces

# What is reported of one face of a video, in order: (result type, person id).
Track = tuple[tuple[str, str | None], ...]


class VideoFrame(Protocol):
    """One frame of a media's video, as the analyzer's tests feed it."""

    @property
    def number(self) -> int:
        """Return the frame's 1-based number in its video."""

    @property
    def pts(self) -> float:
        """Return the frame's presentation time in seconds."""

    def frame(self, timestamp: float | None = None) -> Frame:
        """Return the picture as a new frame for the analyzer."""


@dataclass(frozen=True, slots=True)
class HeadFrame:
    """One frame of the astronaut's face video (tests/faces.py), drawn in memory."""

    number: int
    pts: float

    def frame(self, timestamp: float | None = None) -> Frame:
        """Return the picture as a new frame for the analyzer."""
        return Frame.from_rgb(
            head_frame(self.number - 1), self.pts, self.pts if timestamp is None else timestamp
        )


def head_frame(index: int) -> NDArray[np.uint8]:
    """Return frame ``index`` of the face video (RGB): the head on grey, moved 8 px a frame."""
    head = astronaut_head_rgb()
    frame = np.full((360, 640, 3), 90, dtype=np.uint8)
    left = 20 + (index * 8) % (640 - head.shape[1] - 40)
    frame[50 : 50 + head.shape[0], left : left + head.shape[1]] = head
    return frame


@functools.cache
def head_frames() -> tuple[HeadFrame, ...]:
    """Return 60 frames of the astronaut's face video, five a second (her head in every one)."""
    return tuple(HeadFrame(index + 1, round(index * 0.2, 6)) for index in range(60))


@dataclass(frozen=True, slots=True)
class FaceMedia:
    """One media's photos, videos and gallery, with what the pipeline must find in them."""

    # The test id of the parameter.
    name: str
    # The person the gallery knows, and who is in the photos and the videos.
    person_id: str
    person_name: str
    gallery: KnownFaces
    # A photo of the known person alone, and another one of them (or the same again).
    photo: bytes
    probe_photo: bytes
    # A photo of two faces, its size, and who each face is (None: a stranger).
    group_photo: bytes
    group_size: tuple[int, int]
    group_ids: tuple[str | None, ...]
    # A video to read as a file camera, and the faces it shows, in their order of appearance.
    video: Path
    video_tracks: tuple[Track, ...]
    # How many frames the video holds, how many of them the analysis takes at the
    # default rates (as a range), and when the known person is named at the latest.
    video_frames: int
    video_frames_analysed: range
    recognised_before: float
    # A short video that a camera loops, in which the known person is named.
    loop_video: Path
    # The frames an analyzer is fed directly, and the settings it analyses them with.
    frames: Callable[[], Sequence[VideoFrame]]
    settings: AnalysisSettings
    # Frames before, while and after the gallery learns the person in view.
    taught_in_view: tuple[slice, slice, slice]
    # Frames in which an empty gallery makes the person unknown, and the time it does
    # (None: not checked).
    unknown_window: slice
    unknown_pts: float | None


def astronaut_media(folder: Path) -> FaceMedia:
    """Return the astronaut's media, writing her videos in ``folder``."""
    video, loop = folder / "face.mp4", folder / "loop.mp4"
    # Four seconds of her head, then two without, so that her face is lost before the end.
    write_face_video(str(video), frames=40, fps=10.0, absent_frames=20)
    write_face_video(str(loop), frames=10, fps=10.0)
    return FaceMedia(
        name="astronaut",
        person_id=ASTRONAUT_ID,
        person_name=ASTRONAUT_NAME,
        gallery=astronaut_gallery(),
        photo=one_face_jpeg(),
        probe_photo=mirrored_face_jpeg(),
        group_photo=two_faces_jpeg(),
        group_size=(560, 260),
        group_ids=(ASTRONAUT_ID, ASTRONAUT_ID),
        video=video,
        video_tracks=(
            (
                ("face_detected", None),
                ("face_recognized", ASTRONAUT_ID),
                ("face_lost", ASTRONAUT_ID),
            ),
        ),
        video_frames=60,
        # At 10 frames a second every frame is due for the motion check.
        video_frames_analysed=range(60, 61),
        recognised_before=4.0,
        loop_video=loop,
        frames=head_frames,
        # Every frame counts as motion, and five frames a second are all due for detection.
        settings=AnalysisSettings(motion_sensitivity=100),
        taught_in_view=(slice(0, 2), slice(2, 3), slice(3, 6)),
        # Her third sample, at the third frame.
        unknown_window=slice(0, 4),
        unknown_pts=0.4,
    )


def hamilton_media() -> FaceMedia:
    """Return the Hamilton clip and its reference photos; skip when ../shared/media is absent."""
    clip = media("short_hamilton_clip.mp4")
    return FaceMedia(
        name="hamilton",
        person_id=LIN_ID,
        person_name="Lin-Manuel Miranda",
        gallery=reference_gallery(),
        photo=media(LIN).read_bytes(),
        # The shared media hold one photo of him: it is named at a distance of about 0.
        probe_photo=media(LIN).read_bytes(),
        group_photo=media("two_people.jpg").read_bytes(),
        group_size=(1126, 661),
        group_ids=(None, None),
        video=clip,
        # Lin far away (frames ~1-20), Lin close (~88-211), then a stranger (~218-250),
        # as tests/pipeline/test_analyzer.py finds them.
        video_tracks=(
            (("face_detected", None), ("face_recognized", LIN_ID), ("face_lost", LIN_ID)),
            (("face_detected", None), ("face_recognized", LIN_ID), ("face_lost", LIN_ID)),
            (("face_detected", None), ("unknown_face", None), ("face_lost", None)),
        ),
        video_frames=275,
        # Ten motion checks a second over 9.2 seconds (29.97 frames a second).
        video_frames_analysed=range(85, 94),
        # His far face is named within its first dozen frames.
        recognised_before=0.5,
        loop_video=clip,
        frames=clip_frames,
        settings=AnalysisSettings(),
        # From frame 41 on: the far face of frames ~1-20 is not in this story.
        taught_in_view=(slice(40, 90), slice(90, 100), slice(100, 200)),
        unknown_window=slice(80, 110),
        unknown_pts=None,
    )
