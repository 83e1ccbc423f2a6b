"""One camera's analysis: from frames to motion, face tracks and who each face is.

The analyzer spends CPU in proportion to what happens in front of the camera:

- a cheap motion check runs at most ``motion_rate`` times a second;
- the face detector runs at most ``detection_rate`` times a second, and only
  while there is motion, a face is being tracked, or a region of the picture
  moved (a person far away changes too little of the picture to count as
  motion, but enough to be searched for); it searches only the
  regions that moved since its last search and a margin around each face
  being followed, at that face's own scale (see :mod:`.regions`), and the
  whole picture only when the regions that moved cover most of it, when
  nothing is known about what moved (the first frame), and every
  :data:`SAFETY_NET_INTERVAL` seconds of detection as a safety net for a face
  that stays still while something else moves; while faces are followed, a
  search for new faces that costs much more than following them runs every
  other detection (see :data:`NEW_FACES_COST`);
- a face is encoded (the costliest step: about 90 ms, against 20 ms for a
  detection in a 640x360 frame) when its track starts and at every detection
  until the track is decided, never after: a track keeps its decision.

Sources ask :meth:`CameraAnalyzer.next_due` before handing a frame over, so
the frames nobody needs cost only their decoding (which a compressed video
needs anyway to reach the next frame). A frame that is analysed is converted
only into what its steps ask for: the motion check reads the decoder's grey
(luma) picture as it is, and the detector gets RGB at the detection scale
straight from the decoder's scaler, for the regions searched only (see
:mod:`.frames`).
"""

from __future__ import annotations

from dataclasses import dataclass
import math
import time
from typing import TYPE_CHECKING

import numpy as np

from .engine import Box
from .identity import Decision, Recognised, TrackIdentity
from .images import face_crop
from .messages import (
    CameraEvent,
    FaceDetected,
    FaceLost,
    FaceRecognized,
    Figures,
    MotionEnded,
    MotionStarted,
    UnknownFace,
)
from .motion import GREY_WIDTH, MotionChange, MotionGate
from .regions import SearchPlan, moved_somewhere, plan_search
from .tracker import Track, Tracker, iou

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .engine import FaceEngine
    from .frames import Frame
    from .gallery import KnownFaces
    from .settings import AnalysisSettings

# A frame this close before its due time still counts as due: timestamps of a
# 30 fps stream land a hair either side of a tenth of a second, and without the
# slack a 10-per-second check would slip to every fourth frame.
SCHEDULE_SLACK = 0.005
# The pixels kept around a face for its encoding and its crop, as a share of
# the box's larger side on every side. dlib's face chip (aligned on the
# landmarks) reaches a little beyond the detector's box; a whole box's width of
# margin contains it, so a face encoded from this patch gets the same encoding
# as from the whole frame.
PATCH_MARGIN = 1.0
# While a camera is in motion, the whole picture is searched at least this
# often (seconds): a face that does not move while something else does is
# found within this time, at a bounded cost.
SAFETY_NET_INTERVAL = 3.0
# While faces are followed, a search for new faces (the regions that moved, or
# the whole picture) costing more than this many times the followed faces' own
# regions runs every other detection only, the faces' regions every time: a
# person walking through the picture moves most of it, and a new face is still
# looked for several times a second.
NEW_FACES_COST = 2.0
# Two detections from different regions of one search overlapping this much
# are one face (regions are merged until they are apart, so this is rare).
DUPLICATE_IOU = 0.5


def _due(last: float, rate: float) -> float:
    """Return when a step last run at ``last`` runs again at ``rate`` per second.

    A rate of 0 or less switches the step off (due never); a step that has
    never run is due at once.
    """
    if rate <= 0:
        return math.inf
    return last + 1.0 / rate - SCHEDULE_SLACK


def _cost(plan: SearchPlan, frame: Frame, scale: float) -> float:
    """Return the pixels a plan puts before the detector in a frame searched at ``scale``."""
    whole = frame.width * frame.height * scale**2 if plan.whole_frame else 0.0
    return whole + plan.searched_pixels


def _patch_bounds(box: Box, height: int, width: int) -> tuple[int, int, int, int]:
    """Return (top, bottom, left, right) of the frame region kept around a box."""
    margin = round(max(box.width, box.height) * PATCH_MARGIN)
    return (
        max(box.top - margin, 0),
        min(box.bottom + margin, height),
        max(box.left - margin, 0),
        min(box.right + margin, width),
    )


@dataclass(frozen=True, slots=True)
class _Picture:
    """The RGB pixels around a face's newest encoded box, for the decision's crop.

    The crop is cut from them even when the decision comes later, at the end
    of the source, when the frame itself is long gone.
    """

    patch: NDArray[np.uint8]
    # The face's box inside the patch and inside the source frame.
    patch_box: Box
    source_box: Box
    pts: float
    timestamp: float


@dataclass(slots=True)
class _Face:
    """What the analyzer keeps about one track besides its box: evidence and a picture."""

    identity: TrackIdentity
    picture: _Picture


class CameraAnalyzer:
    """Turns one camera's frames into results; one instance per camera, in one process."""

    def __init__(
        self, camera_id: str, engine: FaceEngine, settings: AnalysisSettings, known: KnownFaces
    ) -> None:
        """Create the analyzer of a camera; nothing runs until frames arrive."""
        self.camera_id = camera_id
        self._engine = engine
        self._settings = settings
        self._known = known
        self._gate = MotionGate(settings.motion_sensitivity, settings.motion_hold)
        self._tracker = Tracker(settings.track_timeout)
        self._faces: dict[int, _Face] = {}
        self._last_pts = -math.inf
        self._last_motion_check = -math.inf
        self._last_detection = -math.inf
        self._last_whole_search = -math.inf
        # Whether the latest detection looked for new faces (see NEW_FACES_COST).
        self._looked_for_new_faces = True
        # The pixels of the motion picture that changed at any motion check
        # since the last detection, and whether a check had nothing to compare
        # with (then nobody knows what moved, and the whole picture is searched).
        self._moved: NDArray[np.bool_] | None = None
        self._moved_unknown = False
        # Whether those pixels form a region worth searching, without motion.
        self._moved_locally = False
        # What the latest detection searched, for the figures and for tests.
        self.last_search: SearchPlan | None = None
        # Figures of the current interval, which starts at the first analysed frame.
        self._figures_start: float | None = None
        self._frames_analysed = 0
        self._detections = 0
        self._detection_seconds = 0.0
        self._encodings = 0
        self._encoding_seconds = 0.0

    # Settings and gallery ---------------------------------------------------

    @property
    def settings(self) -> AnalysisSettings:
        """Return the settings in use."""
        return self._settings

    def update_settings(self, settings: AnalysisSettings) -> None:
        """Use new settings from the next frame on; tracks and their evidence stay."""
        self._settings = settings
        self._gate.update_settings(settings.motion_sensitivity, settings.motion_hold)
        self._tracker.timeout = settings.track_timeout

    def update_gallery(self, known: KnownFaces) -> None:
        """Compare with a new gallery; undecided tracks re-score the samples they have.

        Decided tracks stay decided: their result has been reported already.
        """
        self._known = known
        for face in self._faces.values():
            face.identity.rescore(known)

    @property
    def faces_in_view(self) -> int:
        """Return the number of faces being tracked."""
        return len(self._tracker.tracks)

    @property
    def motion(self) -> bool:
        """Return True while the camera's picture is in motion (hold time included)."""
        return self._gate.active

    # Scheduling ---------------------------------------------------------------

    def next_due(self) -> float:
        """Return the source pts from which the next frame is worth analysing.

        A source compares each frame's pts with this before decoding or
        converting the frame; frames before it would be ignored. A source whose
        timeline restarts (a looping file) should use :meth:`is_due` instead.
        """
        due = _due(self._last_motion_check, self._settings.motion_rate)
        if self._gate.active or self._faces or self._moved_locally:
            due = min(due, _due(self._last_detection, self._settings.detection_rate))
        return due

    def is_due(self, pts: float) -> bool:
        """Return True when a frame at ``pts`` is worth analysing.

        Besides :meth:`next_due`, a pts earlier than the last analysed frame's
        (the source's timeline restarted) is due: :meth:`process` then closes
        the old timeline's tracks and starts afresh.
        """
        return pts >= self.next_due() or pts < self._last_pts

    # Frames -----------------------------------------------------------------

    def process(self, frame: Frame) -> list[CameraEvent]:
        """Analyse one frame, taken at ``frame.pts`` (source seconds) and ``frame.timestamp``.

        Frames that are not due (see :meth:`next_due`) are ignored, so a source
        that cannot skip frames may pass every one.
        """
        pts, timestamp = frame.pts, frame.timestamp
        events: list[CameraEvent] = []
        if pts < self._last_pts:
            events.extend(self.finish(self._last_pts, timestamp))
        settings = self._settings
        check_motion = pts >= _due(self._last_motion_check, settings.motion_rate)
        if check_motion:
            self._last_motion_check = pts
            change = self._gate.check(frame.grey(GREY_WIDTH), pts)
            self._remember_changes()
            if change is MotionChange.STARTED:
                events.append(MotionStarted(self.camera_id, pts, timestamp))
            elif change is MotionChange.ENDED:
                events.append(MotionEnded(self.camera_id, pts, timestamp))
        detect = (self._gate.active or bool(self._faces) or self._moved_locally) and pts >= _due(
            self._last_detection, settings.detection_rate
        )
        if not (check_motion or detect):
            return events
        self._last_pts = pts
        self._frames_analysed += 1
        if self._figures_start is None:
            self._figures_start = pts
        if detect:
            previous, self._last_detection = self._last_detection, pts
            events.extend(self._detect(frame, previous))
        return events

    def _remember_changes(self) -> None:
        """Add the last motion check's changed pixels to those since the last detection.

        A check with nothing to compare with (a new background) makes what
        moved unknown, until the next check compares with that background.
        Changes add up only while the detector runs, between two detections.
        """
        changed = self._gate.changed
        searching = self._gate.active or bool(self._faces) or self._moved_locally
        if changed is None:
            self._moved, self._moved_unknown = None, True
        elif self._moved is None or self._moved.shape != changed.shape or not searching:
            # While nothing is searched, only the latest check counts: specks of
            # noise, checks apart, must not add up to a region over the hours.
            self._moved, self._moved_unknown = changed, False
        else:
            self._moved = self._moved | changed
        # Without motion or a face, a region that moved still calls for a
        # search; with them the detector runs anyway, and this is not needed.
        self._moved_locally = (
            not (self._gate.active or self._faces)
            and self._moved is not None
            and moved_somewhere(self._moved)
        )

    def _plan(self, frame: Frame, previous: float) -> SearchPlan:
        """Return what this detection searches, and start the next interval of changes.

        ``previous`` is the pts of the detection before this one. After the
        detector has rested for longer than the safety net's interval, the
        net's clock starts again here: the regions that moved are searched
        first, which finds a small face that a whole-picture search would miss.
        """
        settings = self._settings
        moved, unknown = self._moved, self._moved_unknown
        self._moved, self._moved_unknown, self._moved_locally = None, False, False
        whole = unknown
        if not unknown:
            if frame.pts - previous > SAFETY_NET_INTERVAL:
                self._last_whole_search = frame.pts
            elif frame.pts >= _due(self._last_whole_search, 1.0 / SAFETY_NET_INTERVAL):
                whole = True
        undecided: list[Box] = []
        decided: list[Box] = []
        for track in self._tracker.tracks:
            face = self._faces.get(track.track_id)
            kind = decided if face is not None and face.identity.decision is not None else undecided
            kind.append(track.box)
        plan = plan_search(
            moved,
            undecided,
            frame.height,
            frame.width,
            scale=settings.detection_scale,
            min_face_size=settings.min_face_size,
            decided=decided,
            whole_frame=whole,
        )
        if unknown or whole or not (undecided or decided):
            self._looked_for_new_faces = True
            return plan
        # Faces are followed: the search for new ones (the regions that moved)
        # runs every other detection when it costs much more than following
        # them; what moved meanwhile is kept for it.
        followed = plan_search(None, undecided, frame.height, frame.width, decided=decided)
        costly = _cost(plan, frame, settings.detection_scale) > NEW_FACES_COST * _cost(
            followed, frame, settings.detection_scale
        )
        if costly and self._looked_for_new_faces:
            self._looked_for_new_faces = False
            self._moved = moved
            return followed
        self._looked_for_new_faces = True
        return plan

    def _search(self, frame: Frame, plan: SearchPlan) -> list[Box]:
        """Run the detector as planned; return the faces found, in source pixels."""
        scale = self._settings.detection_scale
        found: list[Box] = []
        if plan.whole_frame:
            self._last_whole_search = frame.pts
            # The scaler converts to RGB and resizes in one pass.
            found = self._engine.detect(frame.rgb(scale), upsample=0)
            if scale != 1.0:
                found = [
                    box.scaled(1.0 / scale).clipped(frame.height, frame.width) for box in found
                ]
        for region in plan.regions:
            rgb, used = frame.rgb_region(region.box, region.scale)
            for box in self._engine.detect(rgb, upsample=0):
                inside = box.scaled(1.0 / region.scale) if region.scale != 1.0 else box
                placed = Box(
                    inside.top + used.top,
                    inside.right + used.left,
                    inside.bottom + used.top,
                    inside.left + used.left,
                ).clipped(frame.height, frame.width)
                if all(iou(placed, other) < DUPLICATE_IOU for other in found):
                    found.append(placed)
        return found

    def _detect(self, frame: Frame, previous: float) -> list[CameraEvent]:
        """Search a frame where faces may be, follow them, and encode those that need it.

        ``previous`` is the pts of the detection before this one.
        """
        settings = self._settings
        pts, timestamp = frame.pts, frame.timestamp
        plan = self._plan(frame, previous)
        self.last_search = plan
        started = time.perf_counter()
        found = self._search(frame, plan)
        self._detection_seconds += time.perf_counter() - started
        self._detections += 1
        boxes = [box for box in found if box.width >= settings.min_face_size]

        update = self._tracker.update(boxes, pts)
        events: list[CameraEvent] = [self._lost(track, pts, timestamp) for track in update.ended]
        to_encode: list[tuple[Track, _Face | None]] = []
        for track, new in update.assigned:
            if new:
                events.append(
                    FaceDetected(
                        self.camera_id, pts, timestamp, track.track_id, track.box.as_tuple()
                    )
                )
                # A new track is encoded at once; its face record comes with that sample.
                to_encode.append((track, None))
                continue
            face = self._faces[track.track_id]
            # A decided track keeps its decision: it is not encoded again.
            if face.identity.decision is None:
                to_encode.append((track, face))
        if to_encode:
            events.extend(self._encode(frame, to_encode))
        return events

    def _encode(self, frame: Frame, items: list[tuple[Track, _Face | None]]) -> list[CameraEvent]:
        """Encode the faces of some tracks, add the samples and report new decisions.

        ``items`` pairs each track with its face record, or None for a new
        track. Faces are encoded at full resolution, whatever the detection
        scale, each from the pixels around it (converted for it alone): dlib
        encodes a face from those exactly as from the whole frame.
        """
        pts, timestamp = frame.pts, frame.timestamp
        settings = self._settings
        started = time.perf_counter()
        pictures: list[_Picture] = []
        encodings: list[NDArray[np.float64]] = []
        for track, _face in items:
            top, bottom, left, right = _patch_bounds(track.box, frame.height, frame.width)
            # The patch is the region's own array: the decision's crop may be
            # cut from it long after the frame itself is gone.
            patch, used = frame.rgb_region(Box(top, right, bottom, left))
            inside = Box(
                track.box.top - used.top,
                track.box.right - used.left,
                track.box.bottom - used.top,
                track.box.left - used.left,
            )
            pictures.append(_Picture(patch, inside, track.box, pts, timestamp))
            encodings.append(self._engine.encode(patch, [inside])[0])
        self._encoding_seconds += time.perf_counter() - started
        self._encodings += len(items)

        events: list[CameraEvent] = []
        for (track, known_face), encoding, picture in zip(items, encodings, pictures, strict=True):
            face = known_face or _Face(TrackIdentity(self._known), picture)
            self._faces[track.track_id] = face
            face.identity.add(encoding)
            if face.identity.decision is not None:
                continue
            face.picture = picture
            decision = face.identity.decide(settings.tolerance, settings.samples_to_decide)
            if decision is not None:
                events.append(self._decided(track, face, decision))
        return events

    def _decided(self, track: Track, face: _Face, decision: Decision) -> CameraEvent:
        """Return the result announcing a track's decision, with the face's crop."""
        picture = face.picture
        crop = face_crop(picture.patch, picture.patch_box)
        box = picture.source_box.as_tuple()
        if isinstance(decision, Recognised):
            return FaceRecognized(
                self.camera_id,
                picture.pts,
                picture.timestamp,
                track_id=track.track_id,
                person_id=decision.person.person_id,
                person_name=decision.person.name,
                best_distance=decision.best_distance,
                mean_distance=decision.mean_distance,
                confidence=decision.confidence,
                box=box,
                crop_jpeg=crop,
                decided_at=time.time(),
                encoding=tuple(float(value) for value in face.identity.last_encoding),
            )
        refused = decision.refused_person
        return UnknownFace(
            self.camera_id,
            picture.pts,
            picture.timestamp,
            track_id=track.track_id,
            best_distance=decision.best_distance,
            box=box,
            encoding=tuple(float(value) for value in face.identity.last_encoding),
            crop_jpeg=crop,
            decided_at=time.time(),
            refused_person_id=refused.person_id if refused is not None else None,
        )

    def _lost(self, track: Track, pts: float, timestamp: float) -> FaceLost:
        """Forget an ended track and return the result that reports it."""
        face = self._faces.pop(track.track_id)
        decision = face.identity.decision
        person_id = decision.person.person_id if isinstance(decision, Recognised) else None
        return FaceLost(
            self.camera_id, pts, timestamp, track.track_id, person_id, duration=track.duration
        )

    def finish(self, pts: float, timestamp: float) -> list[CameraEvent]:
        """Close the camera's timeline: the source ended or the camera is being removed.

        Every open track is decided with the evidence it has (a single vote
        recognises; any sample otherwise makes it unknown), then reported lost,
        and motion ends. The analyzer can take a new timeline afterwards.
        """
        events: list[CameraEvent] = []
        tracks = self._tracker.close_all()
        settings = self._settings
        for track in tracks:
            face = self._faces[track.track_id]
            decision = face.identity.decide(
                settings.tolerance, settings.samples_to_decide, final=True
            )
            if decision is not None:
                events.append(self._decided(track, face, decision))
        events.extend(self._lost(track, pts, timestamp) for track in tracks)
        if self._gate.active:
            events.append(MotionEnded(self.camera_id, pts, timestamp))
        self._gate.reset()
        self._last_pts = -math.inf
        self._last_motion_check = -math.inf
        self._last_detection = -math.inf
        self._last_whole_search = -math.inf
        self._looked_for_new_faces = True
        self._moved, self._moved_unknown, self._moved_locally = None, False, False
        return events

    # Figures ----------------------------------------------------------------

    def _reset_figures(self, start: float | None) -> None:
        """Start a new figures interval at ``start`` (None: at the next analysed frame)."""
        self._figures_start = start
        self._frames_analysed = 0
        self._detections = 0
        self._detection_seconds = 0.0
        self._encodings = 0
        self._encoding_seconds = 0.0

    def figures(self, pts: float, timestamp: float, frames_read: int) -> Figures:
        """Return the figures since the previous call and start a new interval.

        ``frames_read`` is what the source read over the same interval; the
        analysis rate is frames analysed per second of the source's timeline.
        """
        start = self._figures_start
        elapsed = pts - start if start is not None else 0.0
        result = Figures(
            self.camera_id,
            pts,
            timestamp,
            frames_read=frames_read,
            frames_analysed=self._frames_analysed,
            detections=self._detections,
            analysis_rate=self._frames_analysed / elapsed if elapsed > 0 else 0.0,
            detection_ms=1000 * self._detection_seconds / self._detections
            if self._detections
            else 0.0,
            encoding_ms=1000 * self._encoding_seconds / self._encodings if self._encodings else 0.0,
            faces_in_view=self.faces_in_view,
        )
        self._reset_figures(pts if start is not None else None)
        return result
