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
import shutil
from typing import TYPE_CHECKING, Protocol

import numpy as np

from custom_components.openeye.pipeline.frames import Frame
from custom_components.openeye.pipeline.settings import AnalysisSettings
from tests.faces import (
    astronaut_head_rgb,
    mirrored_face_jpeg,
    no_face_jpeg,
    one_face_jpeg,
    two_faces_jpeg,
    write_face_video,
)
from tests.media import media
from tests.pipeline.astronaut import (
    ASTRONAUT_ID,
    ASTRONAUT_NAME,
    astronaut_gallery,
    write_gallery_folder,
)
from tests.pipeline.mjpeg_server import astronaut_frames, jpeg
from tests.pipeline.real_faces import ALEX, LIN, LIN_ID, clip_frames, reference_gallery
from tests.video_files import read_video, write_video

if TYPE_CHECKING:
    from pathlib import Path

    from numpy.typing import NDArray

    from custom_components.openeye.pipeline.gallery import KnownFaces

# What is reported of one face of a video, in order: (result type, person id).
Track = tuple[tuple[str, str | None], ...]
# A closed interval of seconds.
Window = tuple[float, float]


@dataclass(frozen=True, slots=True)
class TrackTimes:
    """When one face of a media's video is decided and lost, as a scan of the file finds it."""

    # The pts of its recognition (or of its being unknown), of its loss, and how long it lasted.
    decided: Window
    lost: Window
    lasted: Window


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
    # What the command line (pipeline/cli.py) finds in ``video``: its frame rate, the
    # first two results (a face and the start of motion, in the video's order), each
    # face's times in the order of ``video_tracks``, the distance every recognition
    # stays below, how many face detections the scan makes, and the width and the
    # rows (top to bottom) of the first face found.
    video_fps: float
    first_results: tuple[str, str]
    track_times: tuple[TrackTimes, ...]
    distance_below: float
    detections: range
    first_face: tuple[range, range]
    # Writes a command-line gallery folder in the given folder and returns it: the
    # person (the folder's name is ``person_name``), maybe other people, and the
    # folders ``Nobody`` (a photo without a face) and ``Pair`` (a photo of two faces),
    # which are skipped with a warning.
    write_gallery: Callable[[Path], Path]
    # A photo in which the person is not named, and the command line's arguments that
    # make it so.
    stranger: tuple[bytes, tuple[str, ...]]
    # A video of about two seconds in which the person is named, read in real time to
    # its end, with its frame count and rate.
    short_video: Path
    short_frames: int
    short_fps: float
    # How long a real-time scan of ``video`` runs, and how many recognitions it makes.
    realtime_seconds: float
    realtime_names: int
    # A half-second video read by the sources' tests, with its frame count and rate.
    brief_video: Path
    brief_frames: int
    brief_fps: float
    # A two-second video at 30 frames a second in which the person is named.
    fast_video: Path
    # The JPEG frames of a camera that shows the person, and the rate it sends them at.
    camera_frames: Callable[[], list[bytes]]
    camera_fps: float


def astronaut_media(folder: Path) -> FaceMedia:
    """Return the astronaut's media, writing her videos in ``folder``."""
    video, loop = folder / "face.mp4", folder / "loop.mp4"
    short, brief, fast = folder / "short.mp4", folder / "brief.mp4", folder / "fast.mp4"
    # Four seconds of her head, then two without, so that her face is lost before the end.
    write_face_video(str(video), frames=40, fps=10.0, absent_frames=20)
    write_face_video(str(loop), frames=10, fps=10.0)
    # 1.2 s of her head, then 0.8 s without.
    write_face_video(str(short), frames=12, fps=10.0, absent_frames=8)
    write_face_video(str(brief), frames=5, fps=10.0)
    write_face_video(str(fast), frames=30, fps=30.0, absent_frames=30)
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
        video_fps=10.0,
        first_results=("motion_started", "face_detected"),
        # Her head leaves at 4 s; its track times out one second after its last detection.
        track_times=(TrackTimes(decided=(0.0, 4.0), lost=(4.5, 5.5), lasted=(3.4, 4.0)),),
        distance_below=0.3,
        # At most five detections a second, over 6 seconds of video.
        detections=range(20, 32),
        # Her head is pasted 50 px from the top of the frame and is 260 px tall.
        first_face=(range(70, 111), range(50, 311)),
        write_gallery=write_gallery_folder,
        # The mirrored face is the same person about 0.19 away: outside a 0.1 tolerance.
        stranger=(mirrored_face_jpeg(), ("--tolerance", "0.1")),
        short_video=short,
        short_frames=20,
        short_fps=10.0,
        # She is named at her third sample, at 0.4 s.
        realtime_seconds=1.5,
        realtime_names=1,
        brief_video=brief,
        brief_frames=5,
        brief_fps=10.0,
        fast_video=fast,
        camera_frames=lambda: astronaut_frames(4),
        camera_fps=20.0,
    )


def link(source: Path, target: Path) -> None:
    """Make ``target`` point at a shared media file (a copy where links are not allowed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        target.symlink_to(source)
    except OSError:  # pragma: no cover - file systems without symbolic links
        shutil.copyfile(source, target)


def hamilton_gallery(folder: Path) -> Path:
    """Write a command-line gallery of the clip's two reference photos and two to skip."""
    link(media(LIN), folder / "Lin-Manuel Miranda" / LIN)
    link(media(ALEX), folder / "Alex Lacamoire" / ALEX)
    (folder / "Nobody").mkdir()
    (folder / "Nobody" / "gradient.jpg").write_bytes(no_face_jpeg())
    (folder / "Pair").mkdir()
    (folder / "Pair" / "pair.jpg").write_bytes(two_faces_jpeg())
    return folder


def hamilton_media(folder: Path) -> FaceMedia:
    """Return the Hamilton clip and its reference photos; skip when ../shared/media is absent.

    The shorter videos are cut from the clip and written in ``folder``.
    """
    clip = media("short_hamilton_clip.mp4")
    short, brief, fast = folder / "short.avi", folder / "brief.avi", folder / "fast.avi"
    # Lin close (frames 85-114) for two seconds.
    write_video(short, (frame.rgb for frame in clip_frames()[84:114]), 15.0)
    # The first ten frames, at 20 frames a second instead of 29.97.
    write_video(brief, (rgb for _pts, rgb in read_video(clip, limit=10)), 20.0)
    # Sixty frames of Lin close (85-144), at 30 frames a second.
    write_video(fast, (frame.rgb for frame in clip_frames()[84:144]), 30.0)
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
        video_fps=30000 / 1001,
        # His small face beside his moving hand is found before the picture counts as moving.
        first_results=("face_detected", "motion_started"),
        track_times=(
            TrackTimes(decided=(0.0, 0.7), lost=(1.0, 2.0), lasted=(0.2, 0.8)),
            TrackTimes(decided=(2.8, 7.0), lost=(7.4, 8.5), lasted=(3.5, 4.5)),
            TrackTimes(decided=(7.2, 8.4), lost=(8.5, 9.2), lasted=(0.4, 1.2)),
        ),
        # His faces in the clip are about 0.5 from his reference photo.
        distance_below=0.6,
        detections=range(40, 48),
        # His far face, 48 px wide at the top of the picture.
        first_face=(range(35, 65), range(35, 115)),
        write_gallery=hamilton_gallery,
        stranger=(media("obama.jpg").read_bytes(), ()),
        short_video=short,
        short_frames=30,
        short_fps=15.0,
        # Far (frames ~1-20) and close (from frame ~88): both him, nobody else.
        realtime_seconds=3.6,
        realtime_names=2,
        brief_video=brief,
        brief_frames=10,
        brief_fps=20.0,
        fast_video=fast,
        camera_frames=lambda: [jpeg(frame.rgb) for frame in clip_frames()[84:130]],
        camera_fps=15.0,
    )
