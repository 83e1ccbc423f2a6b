"""What the workers' camera results mean: visits, strangers, motion and the day's counts.

A worker reports every face it decides on; this module decides what that
means for people. A person recognised again within the presence time is the
same visit (one recognition, one event); a stranger close to one stored at
the same camera within the presence time is the same stranger (one stored
face, one event). Each stored face joins a recurring stranger in the gallery
(GalleryStore.add_unknown). It owns the presence timers, the day's counters
(kept with the gallery across restarts) and the retention of unknown faces,
and it hands every fact it decides on to the announcer. Each visit's
recognition is kept for a while, so that it can be withdrawn ("not this
person"): then the counters and the presence it brought are taken back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
import uuid

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later, async_track_time_change
from homeassistant.util import dt as dt_util
import numpy as np

from .announcer import Announcer
from .camera_state import CameraState, LatestFace
from .const import (
    CONF_PRESENCE_TIMEOUT,
    CONF_TOLERANCE,
    CONF_UNKNOWN_RETENTION_COUNT,
    CONF_UNKNOWN_RETENTION_DAYS,
)
from .facts import (
    CameraRef,
    FaceInView,
    MotionDetected,
    Recognition,
    RecognitionWithdrawn,
    Stranger,
)
from .gallery_records import Person, RecognitionRecord, StrangerRecord, UnknownFaceRecord
from .gallery_store import GalleryStore
from .options import OptionValue
from .pipeline.engine import ENCODING_SIZE
from .pipeline.messages import (
    FaceDetected,
    FaceLost,
    FaceRecognized,
    Figures,
    MotionEnded,
    MotionStarted,
    UnknownFace,
    confidence_from_distance,
)
from .statistics import DailyStatistics, LastRecognition

# The camera results this module interprets (a camera's status is camera_health.py's).
type SightingResult = (
    MotionStarted | MotionEnded | FaceDetected | FaceRecognized | UnknownFace | FaceLost | Figures
)


class Sightings:
    """Turns camera results into facts, and keeps visits, presence and the day's figures."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        cameras: Mapping[str, CameraState],
        gallery: GalleryStore,
        announcer: Announcer,
        option: Callable[[str], OptionValue],
    ) -> None:
        """Keep what the hub owns and lends: its cameras, gallery, announcer and options."""
        self._hass = hass
        self._cameras = cameras
        self._gallery = gallery
        self._announcer = announcer
        self._option = option
        self.statistics = DailyStatistics()
        self._presence_timers: dict[str, CALLBACK_TYPE] = {}
        # When each stored stranger was last seen again (by unknown face id):
        # a stranger who keeps coming back within the presence time is one
        # visit, as a known person is.
        self._stranger_seen: dict[str, datetime] = {}
        self._unsubscribe: list[CALLBACK_TYPE] = []

    @property
    def presence_timeout(self) -> timedelta:
        """Return how long a person counts as present after a sighting."""
        return timedelta(seconds=int(self._option(CONF_PRESENCE_TIMEOUT)))

    # Life cycle ------------------------------------------------------------

    @callback
    def start(self) -> None:
        """Take over the stored day's figures and visits, and start the daily timers."""
        self.statistics.restore(self._gallery.statistics)
        self.prune_unknown()
        # A person still in view across a restart is the same visit: start
        # from the sightings the gallery kept, not from nothing.
        for person in self._gallery.people.values():
            if person.last_seen and (camera := self._cameras.get(person.last_camera_id or "")):
                camera.last_recognised[person.person_id] = person.last_seen
        self._unsubscribe.append(
            async_track_time_change(self._hass, self._midnight, hour=0, minute=0, second=0)
        )
        # Unknown faces past their retention go even when no new ones arrive.
        self._unsubscribe.append(
            async_track_time_change(
                self._hass, lambda _now: self.prune_unknown(), minute=7, second=0
            )
        )

    @callback
    def stop(self) -> None:
        """Cancel every timer."""
        for cancel in (*self._unsubscribe, *self._presence_timers.values()):
            cancel()
        self._unsubscribe.clear()
        self._presence_timers.clear()

    # Worker results --------------------------------------------------------

    @callback
    def handle(self, result: SightingResult) -> None:
        """Interpret one camera result; results of removed cameras are ignored."""
        if (camera := self._cameras.get(result.camera_id)) is None:
            return
        match result:
            case MotionStarted() | MotionEnded():
                self._motion(camera, result)
            case FaceDetected():
                camera.tracks[result.track_id] = None
                self._announcer.announce(
                    FaceInView(
                        camera=camera.ref,
                        when=dt_util.utc_from_timestamp(result.timestamp),
                        track_id=result.track_id,
                        box=result.box,
                    )
                )
            case FaceRecognized():
                self._recognized(camera, result)
            case UnknownFace():
                self._unknown(camera, result)
            case FaceLost():
                camera.tracks.pop(result.track_id, None)
            case Figures():
                self._figures(camera, result)
                return
        self._announcer.camera_changed(camera.camera_id)
        self._announcer.statistics_changed()

    def _motion(self, camera: CameraState, result: MotionStarted | MotionEnded) -> None:
        """Record motion; its start is a fact."""
        moving = isinstance(result, MotionStarted)
        if camera.motion is moving:
            return
        camera.motion = moving
        if moving:
            self._announcer.announce(
                MotionDetected(camera=camera.ref, when=dt_util.utc_from_timestamp(result.timestamp))
            )

    def _recognized(self, camera: CameraState, result: FaceRecognized) -> None:
        """Record a recognised person; a continuous sighting counts as one recognition."""
        person = self._gallery.people.get(result.person_id)
        if person is None:
            # The person was removed while the worker still had the old gallery.
            return
        when = dt_util.utc_from_timestamp(result.timestamp)
        camera.tracks[result.track_id] = person.person_id
        camera.last_person_name = person.name
        camera.latest_face = LatestFace(result.crop_jpeg, when, person.name)
        previous = camera.last_recognised.get(person.person_id)
        camera.last_recognised[person.person_id] = when
        # Where the person was before, in case this visit is withdrawn.
        seen_before, camera_before = person.last_seen, person.last_camera_id
        self._gallery.mark_seen(person.person_id, when, camera.camera_id)
        self._schedule_presence_end(person.person_id)
        self._announcer.person_changed(person.person_id)
        if previous is not None and when - previous < self.presence_timeout:
            return
        fact = Recognition(
            camera=camera.ref,
            when=when,
            decided_at=result.decided_at,
            person_id=person.person_id,
            person_name=person.name,
            confidence=result.confidence,
            distance=result.mean_distance,
            best_distance=result.best_distance,
            box=result.box,
            track_id=result.track_id,
            image_url=self.image_url(camera),
            crop_jpeg=result.crop_jpeg,
            recognition_id=uuid.uuid4().hex,
        )
        # Kept for "not this person"; a result without its face's encoding
        # (from an older worker) cannot be corrected, so it is not kept.
        if len(result.encoding) == ENCODING_SIZE:
            self._keep_recognition(fact, result, seen_before, camera_before)
        self.statistics.start_new_day()
        self.statistics.recognitions_today += 1
        self.statistics.last_recognition = LastRecognition(
            person_id=person.person_id,
            person_name=person.name,
            camera_id=camera.camera_id,
            camera_name=camera.name,
            confidence=result.confidence,
            distance=result.mean_distance,
            timestamp=when,
            image_url=fact.image_url,
        )
        self.store_statistics()
        self._announcer.hub_changed()
        self._announcer.announce(fact)

    def _keep_recognition(
        self,
        fact: Recognition,
        result: FaceRecognized,
        seen_before: datetime | None,
        camera_before: str | None,
    ) -> None:
        """Keep a visit's recognition for a while, so that it can be withdrawn."""
        self._gallery.add_recognition(
            RecognitionRecord(
                recognition_id=fact.recognition_id,
                person_id=fact.person_id,
                camera_id=fact.camera.camera_id,
                camera_name=fact.camera.name,
                timestamp=fact.when,
                encoding=list(result.encoding),
                crop=result.crop_jpeg,
                distance=result.mean_distance,
                previous_seen=seen_before,
                previous_camera_id=camera_before,
            ),
            int(self._option(CONF_UNKNOWN_RETENTION_DAYS)),
            int(self._option(CONF_UNKNOWN_RETENTION_COUNT)),
        )

    def _unknown(self, camera: CameraState, result: UnknownFace) -> None:
        """Keep an unknown face for teaching; the same stranger seen again counts once."""
        when = dt_util.utc_from_timestamp(result.timestamp)
        camera.latest_face = LatestFace(result.crop_jpeg, when, None)
        if (same := self._recent_unknown(camera.camera_id, result.encoding, when)) is not None:
            self._gallery.stranger_seen_again(
                same.stranger_id, when, (camera.camera_id, camera.name)
            )
            return
        top, right, bottom, left = result.box
        record = UnknownFaceRecord(
            unknown_id=uuid.uuid4().hex,
            camera_id=camera.camera_id,
            camera_name=camera.name,
            timestamp=when,
            encoding=list(result.encoding),
            crop=result.crop_jpeg,
            best_distance=result.best_distance,
            face_size=max(bottom - top, 0) * max(right - left, 0),
        )
        stranger = self.keep_unknown(record)
        self.statistics.start_new_day()
        self.statistics.unknown_faces_today += 1
        self.statistics.strangers_seen.add(stranger.stranger_id)
        self.store_statistics()
        self._announcer.hub_changed()
        refused = self._gallery.people.get(result.refused_person_id or "")
        self._announcer.announce(
            Stranger(
                camera=camera.ref,
                when=when,
                decided_at=result.decided_at,
                unknown_face_id=record.unknown_id,
                best_distance=result.best_distance,
                box=result.box,
                track_id=result.track_id,
                image_url=self.image_url(camera),
                crop_jpeg=result.crop_jpeg,
                stranger_id=stranger.stranger_id,
                stranger_label=stranger.label,
                stranger_visits=stranger.visits,
                stranger_cameras=tuple(name for _id, name in self.camera_list(stranger)),
                refused_person_id=refused.person_id if refused else None,
                refused_person_name=refused.name if refused else None,
            )
        )

    def keep_unknown(self, record: UnknownFaceRecord) -> StrangerRecord:
        """Keep an unknown face with its stranger, under the retention and tolerance options."""
        return self._gallery.add_unknown(
            record,
            int(self._option(CONF_UNKNOWN_RETENTION_DAYS)),
            int(self._option(CONF_UNKNOWN_RETENTION_COUNT)),
            float(self._option(CONF_TOLERANCE)),
        )

    def camera_list(self, stranger: StrangerRecord) -> list[tuple[str, str]]:
        """Return (id, name) of the cameras where a stranger was seen, under their current names."""
        return stranger.camera_list({key: camera.name for key, camera in self._cameras.items()})

    def _recent_unknown(
        self, camera_id: str, encoding: tuple[float, ...], when: datetime
    ) -> UnknownFaceRecord | None:
        """Return the face stored at this camera of a stranger still on the same visit, if any.

        A visit lasts while the stranger comes back within the presence time
        of the last sighting; each sighting that matches extends it.
        """
        seen = self._stranger_seen
        for unknown_id in seen.keys() - self._gallery.unknown.keys():
            del seen[unknown_id]  # Taught, purged or pruned meanwhile.
        recent = [
            record
            for record in self._gallery.unknown.values()
            if record.camera_id == camera_id
            and when - max(record.timestamp, seen.get(record.unknown_id, record.timestamp))
            < self.presence_timeout
        ]
        if not recent or not encoding:
            return None
        distances = np.linalg.norm(
            np.asarray([record.encoding for record in recent]) - np.asarray(encoding), axis=1
        )
        closest = int(distances.argmin())
        if distances[closest] > float(self._option(CONF_TOLERANCE)):
            return None
        seen[recent[closest].unknown_id] = when
        return recent[closest]

    def _figures(self, camera: CameraState, result: Figures) -> None:
        """Keep a camera's periodic figures for its diagnostic sensors, and push them."""
        camera.analysis_rate = result.analysis_rate
        if result.detections:
            camera.detection_ms = result.detection_ms
        if result.encoding_ms:
            camera.encoding_ms = result.encoding_ms
        self._announcer.camera_changed(camera.camera_id)
        self._announcer.figures(camera.ref, result)

    # Presence --------------------------------------------------------------

    def is_present(self, person: Person) -> bool:
        """Return whether a person was seen within the presence time."""
        return (
            person.last_seen is not None
            and dt_util.utcnow() - person.last_seen < self.presence_timeout
        )

    def _schedule_presence_end(self, person_id: str, after: timedelta | None = None) -> None:
        """Update the person's presence when the presence time (or ``after``) has passed."""
        if cancel := self._presence_timers.pop(person_id, None):
            cancel()

        @callback
        def _presence_over(_now: datetime) -> None:
            self._presence_timers.pop(person_id, None)
            self._announcer.person_changed(person_id)

        self._presence_timers[person_id] = async_call_later(
            self._hass, after or self.presence_timeout, _presence_over
        )

    def _restart_presence_end(self, person: Person) -> None:
        """Set the person's presence timer again after their last sighting was taken back."""
        if cancel := self._presence_timers.pop(person.person_id, None):
            cancel()
        if not self.is_present(person) or person.last_seen is None:
            return
        person_id = person.person_id

        @callback
        def _presence_over(_now: datetime) -> None:
            self._presence_timers.pop(person_id, None)
            self._announcer.person_changed(person_id)

        remaining = person.last_seen + self.presence_timeout - dt_util.utcnow()
        self._presence_timers[person_id] = async_call_later(self._hass, remaining, _presence_over)

    @callback
    def withdraw(
        self, record: RecognitionRecord, person: Person, stranger: StrangerRecord
    ) -> RecognitionWithdrawn:
        """Take back what a recognition's visit brought, and return the fact that says so.

        The day's recognitions go down by one (the face becomes an unknown
        face of that day instead, of the stranger it joined), the last
        recognition goes back to the one before if it was this one, and the
        person's presence ends if this visit was what kept it. The caller
        saves and announces.
        """
        self.statistics.start_new_day()
        if dt_util.as_local(record.timestamp).date() == self.statistics.day:
            self.statistics.recognitions_today = max(0, self.statistics.recognitions_today - 1)
            self.statistics.unknown_faces_today += 1
            self.statistics.strangers_seen.add(stranger.stranger_id)
        last = self.statistics.last_recognition
        if last is not None and (last.person_id, last.camera_id, last.timestamp) == (
            record.person_id,
            record.camera_id,
            record.timestamp,
        ):
            self.statistics.last_recognition = self._newest_recognition(record)
        camera = self._cameras.get(record.camera_id)
        later_visit = any(
            other.person_id == record.person_id
            and other.camera_id == record.camera_id
            and other.timestamp > record.timestamp
            for other in self._gallery.recognitions.values()
        )
        if not later_visit:
            if camera is not None:
                # The next sighting at this camera is a new visit.
                camera.last_recognised.pop(record.person_id, None)
                if camera.last_person_name == person.name:
                    camera.last_person_name = None
            if (
                person.last_camera_id == record.camera_id
                and person.last_seen is not None
                and person.last_seen >= record.timestamp
            ):
                person.last_seen = record.previous_seen
                person.last_camera_id = record.previous_camera_id
                self._restart_presence_end(person)
        self.store_statistics()
        self._announcer.person_changed(person.person_id)
        self._announcer.hub_changed()
        if camera is not None:
            self._announcer.camera_changed(camera.camera_id)
        self._announcer.statistics_changed()
        return RecognitionWithdrawn(
            camera=camera.ref
            if camera is not None
            else CameraRef(record.camera_id, record.camera_name, None),
            when=dt_util.utcnow(),
            recognition_id=record.recognition_id,
            person_id=person.person_id,
            person_name=person.name,
        )

    def _newest_recognition(self, withdrawn: RecognitionRecord) -> LastRecognition | None:
        """Return the newest kept recognition other than ``withdrawn``, as the last recognition."""
        others = [
            record
            for record in self._gallery.recognitions.values()
            if record.recognition_id != withdrawn.recognition_id
            and record.person_id in self._gallery.people
        ]
        if not others:
            return None
        newest = max(others, key=lambda record: record.timestamp)
        distance = newest.distance if newest.distance is not None else 0.0
        return LastRecognition(
            person_id=newest.person_id,
            person_name=self._gallery.people[newest.person_id].name,
            camera_id=newest.camera_id,
            camera_name=newest.camera_name,
            confidence=confidence_from_distance(distance),
            distance=distance,
            timestamp=newest.timestamp,
        )

    @callback
    def seen_earlier(self, person_id: str, when: datetime, camera_id: str) -> None:
        """Take a sighting of a person found among earlier unknown faces (naming the past).

        The person's last sighting moves to it when it is later; if that makes
        them present, their presence ends after the presence time as usual.
        """
        if not self._gallery.mark_seen_earlier(person_id, when, camera_id):
            return
        remaining = self.presence_timeout - (dt_util.utcnow() - when)
        if remaining > timedelta(0):
            self._schedule_presence_end(person_id, remaining)
        self._announcer.person_changed(person_id)

    @callback
    def person_removed(self, person_id: str) -> None:
        """Forget a removed person's visits and presence timer."""
        if cancel := self._presence_timers.pop(person_id, None):
            cancel()
        for camera in self._cameras.values():
            camera.last_recognised.pop(person_id, None)

    # The day's figures and retention ----------------------------------------

    @callback
    def _midnight(self, _now: datetime) -> None:
        """Start the day's counters again at local midnight."""
        if self.statistics.start_new_day():
            self.store_statistics()
            self._announcer.hub_changed()
            self._announcer.statistics_changed()

    def prune_unknown(self) -> None:
        """Apply the unknown-face retention options (to the kept recognitions too)."""
        self._gallery.prune_unknown(
            int(self._option(CONF_UNKNOWN_RETENTION_DAYS)),
            int(self._option(CONF_UNKNOWN_RETENTION_COUNT)),
        )
        self._gallery.prune_recognitions(
            int(self._option(CONF_UNKNOWN_RETENTION_DAYS)),
            int(self._option(CONF_UNKNOWN_RETENTION_COUNT)),
        )

    def store_statistics(self) -> None:
        """Keep the day's figures with the gallery, so that a restart keeps them."""
        self._gallery.statistics = self.statistics.as_storage()
        self._gallery.schedule_save()

    def image_url(self, camera: CameraState) -> str | None:
        """Return the authenticated URL of the camera's latest face, via its image entity."""
        if camera.image_entity_id is None:
            return None
        state = self._hass.states.get(camera.image_entity_id)
        if state is None:
            return None
        picture = state.attributes.get("entity_picture")
        return str(picture) if picture else None
