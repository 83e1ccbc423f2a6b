"""The running OpenEye: what one config entry owns while it is loaded.

The hub owns the gallery, the worker pool and each camera's state. Results
from the workers arrive here in the event loop; the hub turns them into
entity updates (dispatcher signals), events on Home Assistant's bus and
messages for websocket subscribers, the moment they happen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
import logging
from typing import Any
import uuid

from homeassistant.components.camera import async_get_stream_source
from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later, async_track_time_change
from homeassistant.util import dt as dt_util
import numpy as np

from .camera_feed import SnapshotFeed
from .camera_state import CameraState, LatestFace
from .const import (
    CONF_CAMERA_ENTITY_ID,
    CONF_DETECTION_RATE,
    CONF_DETECTION_SCALE,
    CONF_MIN_FACE_SIZE,
    CONF_MOTION_SENSITIVITY,
    CONF_PRESENCE_TIMEOUT,
    CONF_SOURCE_TYPE,
    CONF_TOLERANCE,
    CONF_UNKNOWN_RETENTION_COUNT,
    CONF_UNKNOWN_RETENTION_DAYS,
    CONF_URL,
    DOMAIN,
    EVENT_FACE_RECOGNIZED,
    EVENT_MOTION_DETECTED,
    EVENT_UNKNOWN_FACE,
    SOURCE_TYPE_ENTITY,
    SUBENTRY_CAMERA,
)
from .devices import find_device
from .gallery_store import GalleryStore, Person, UnknownFaceRecord, base64_text
from .options import OptionValue, checked_options
from .pipeline.messages import (
    EngineFailed,
    FaceDetected,
    FaceLost,
    FaceRecognized,
    Figures,
    MotionEnded,
    MotionStarted,
    SourceStatus,
    SourceStatusChanged,
    UnknownFace,
    WorkerLog,
    WorkerResult,
)
from .pipeline.pool import WorkerPool
from .pipeline.settings import AnalysisSettings, SourceSettings
from .statistics import DailyStatistics, LastRecognition

_LOGGER = logging.getLogger(__name__)

type OpenEyeConfigEntry = ConfigEntry[OpenEyeHub]

# A camera that has failed for this long gets a repair issue.
CAMERA_FAILED_ISSUE_AFTER = timedelta(minutes=15)
# How often old unknown faces are pruned, besides on every new one.
PRUNE_INTERVAL = timedelta(hours=1)

SIGNAL_HUB_UPDATED = f"{DOMAIN}_hub_updated"
SIGNAL_CAMERA_ADDED = f"{DOMAIN}_camera_added"
SIGNAL_PERSON_ADDED = f"{DOMAIN}_person_added"
# Pushes for websocket subscribers: (kind, payload).
SIGNAL_PUSH = f"{DOMAIN}_push"


def signal_camera_updated(camera_id: str) -> str:
    """Return the dispatcher signal sent when a camera's state changed."""
    return f"{DOMAIN}_camera_updated_{camera_id}"


def signal_camera_event(camera_id: str) -> str:
    """Return the dispatcher signal carrying a camera's events to its event entity."""
    return f"{DOMAIN}_camera_event_{camera_id}"


def signal_person_updated(person_id: str) -> str:
    """Return the dispatcher signal sent when a person's sightings changed."""
    return f"{DOMAIN}_person_updated_{person_id}"


def person_device_identifier(person_id: str) -> tuple[str, str]:
    """Return the device registry identifier of a person's device."""
    return (DOMAIN, f"person_{person_id}")


def settings_from_options(options: Mapping[str, Any]) -> AnalysisSettings:
    """Return the pipeline's analysis settings for the entry's options (checked, see options.py)."""
    merged, _invalid = checked_options(options)
    return AnalysisSettings(
        tolerance=float(merged[CONF_TOLERANCE]),
        detection_rate=float(merged[CONF_DETECTION_RATE]),
        detection_scale=float(merged[CONF_DETECTION_SCALE]),
        min_face_size=int(merged[CONF_MIN_FACE_SIZE]),
        motion_sensitivity=int(merged[CONF_MOTION_SENSITIVITY]),
    )


class OpenEyeHub:
    """Owns OpenEye's gallery, camera workers and statistics for one entry."""

    def __init__(self, hass: HomeAssistant, entry: OpenEyeConfigEntry) -> None:
        """Keep what the hub needs; nothing starts before :meth:`async_start`."""
        self.hass = hass
        self.entry = entry
        self.gallery = GalleryStore(hass)
        self.statistics = DailyStatistics()
        self.pool = WorkerPool(self._handle_result, logger=_LOGGER)
        self.cameras: dict[str, CameraState] = {}
        self.settings = settings_from_options(entry.options)
        self.engine_error: str | None = None
        self._camera_sources: dict[str, tuple[str | None, str | None]] = {}
        self._feeds: dict[str, SnapshotFeed] = {}
        self._presence_timers: dict[str, CALLBACK_TYPE] = {}
        self._failed_timers: dict[str, CALLBACK_TYPE] = {}
        # When each stored stranger was last seen again (by unknown face id):
        # a stranger who keeps coming back within the presence time is one
        # visit, as a known person is.
        self._stranger_seen: dict[str, datetime] = {}
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._stopped = False
        self._gallery_loaded = False

    # Options ---------------------------------------------------------------

    def option(self, key: str) -> OptionValue:
        """Return an option's current value, or its default when missing or invalid."""
        return checked_options(self.entry.options)[0][key]

    @property
    def presence_timeout(self) -> timedelta:
        """Return how long a person counts as present after a sighting."""
        return timedelta(seconds=int(self.option(CONF_PRESENCE_TIMEOUT)))

    # Life cycle ------------------------------------------------------------

    @callback
    def _check_stored_options(self) -> None:
        """Raise a repair issue naming stored options that are invalid (their defaults apply)."""
        _values, invalid = checked_options(self.entry.options)
        if not invalid:
            ir.async_delete_issue(self.hass, DOMAIN, "invalid_options")
            return
        _LOGGER.warning("OpenEye options %s are invalid; their defaults apply", ", ".join(invalid))
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            "invalid_options",
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="invalid_options",
            translation_placeholders={"options": ", ".join(invalid)},
        )

    async def async_start(self) -> None:
        """Load the gallery, start the workers and every configured camera."""
        self._check_stored_options()
        await self.gallery.async_load()
        self._gallery_loaded = True
        self.statistics.restore(self.gallery.statistics)
        self._prune_unknown()
        await self.pool.async_start()
        await self.pool.async_set_settings(self.settings)
        await self.pool.async_set_gallery(self.gallery.known_faces())
        for subentry in self._camera_subentries():
            await self._async_add_camera(subentry)
        # A person still in view across a restart is the same visit: start
        # from the sightings the gallery kept, not from nothing.
        for person in self.gallery.people.values():
            if person.last_seen and (camera := self.cameras.get(person.last_camera_id or "")):
                camera.last_recognised[person.person_id] = person.last_seen
        self._unsubscribe.append(
            async_track_time_change(self.hass, self._midnight, hour=0, minute=0, second=0)
        )
        self._unsubscribe.append(
            async_track_time_change(self.hass, self._hourly_prune, minute=7, second=0)
        )

    async def async_handle_stop(self, _event: Event) -> None:
        """Stop the workers when Home Assistant stops."""
        await self.async_stop()

    async def async_stop(self) -> None:
        """Stop everything the hub started, leaving no process behind; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        for unsubscribe in (
            *self._unsubscribe,
            *self._presence_timers.values(),
            *self._failed_timers.values(),
        ):
            unsubscribe()
        self._unsubscribe.clear()
        self._presence_timers.clear()
        self._failed_timers.clear()
        for feed in self._feeds.values():
            await feed.stop()
        self._feeds.clear()
        await self.pool.async_stop()
        # A gallery that failed to load must never be overwritten by an empty one.
        if self._gallery_loaded:
            self._store_statistics()
            await self.gallery.async_save()

    async def async_entry_updated(self) -> None:
        """Apply changed options and added, changed or removed cameras at once."""
        self._check_stored_options()
        settings = settings_from_options(self.entry.options)
        if settings != self.settings:
            self.settings = settings
            await self.pool.async_set_settings(settings)
            for feed in self._feeds.values():
                feed.interval = 1 / settings.detection_rate
        configured = {subentry.subentry_id: subentry for subentry in self._camera_subentries()}
        for camera_id in [camera_id for camera_id in self.cameras if camera_id not in configured]:
            await self._async_remove_camera(camera_id)
        for camera_id, subentry in configured.items():
            camera = self.cameras.get(camera_id)
            if camera is None:
                await self._async_add_camera(subentry)
                continue
            if self._source_of(subentry) != self._camera_sources[camera_id]:
                # A changed source restarts the camera; its entities stay.
                await self._async_stop_source(camera_id)
                camera.status = SourceStatus.CONNECTING
                camera.tracks.clear()
                camera.motion = False
                camera.camera_entity_id = self._source_of(subentry)[0]
                await self._async_start_source(camera_id, subentry)
            if camera.name != subentry.title:
                camera.name = subentry.title
                self._rename_device((DOMAIN, camera_id), subentry.title)
            self._camera_changed(camera_id)
        self._prune_unknown()
        self.notify_statistics_changed()

    def _rename_device(self, identifier: tuple[str, str], name: str) -> None:
        """Follow a new camera title or person name in the device registry."""
        if device := find_device(self.hass, self.entry.entry_id, identifier):
            dr.async_get(self.hass).async_update_device(device.id, name=name)

    # Cameras ---------------------------------------------------------------

    def _camera_subentries(self) -> list[ConfigSubentry]:
        """Return the entry's camera subentries."""
        return [
            subentry
            for subentry in self.entry.subentries.values()
            if subentry.subentry_type == SUBENTRY_CAMERA
        ]

    @staticmethod
    def _source_of(subentry: ConfigSubentry) -> tuple[str | None, str | None]:
        """Return (camera entity id, URL) of a camera subentry."""
        if subentry.data.get(CONF_SOURCE_TYPE) == SOURCE_TYPE_ENTITY:
            return subentry.data[CONF_CAMERA_ENTITY_ID], None
        return None, subentry.data[CONF_URL]

    async def _async_add_camera(self, subentry: ConfigSubentry) -> None:
        """Start watching a camera and announce it to the entity platforms."""
        camera_id = subentry.subentry_id
        entity_id, _url = self._source_of(subentry)
        self.cameras[camera_id] = CameraState(camera_id, subentry.title, entity_id)
        await self._async_start_source(camera_id, subentry)
        async_dispatcher_send(self.hass, SIGNAL_CAMERA_ADDED, camera_id)

    async def _async_start_source(self, camera_id: str, subentry: ConfigSubentry) -> None:
        """Hand a camera's source to a worker, or poll its snapshots for it."""
        entity_id, url = self._source_of(subentry)
        self._camera_sources[camera_id] = (entity_id, url)
        source = url
        if entity_id is not None:
            source = await self._stream_source_of(entity_id)
        if entity_id is not None and source is None:
            await self.pool.async_add_camera(camera_id, None, SourceSettings())

            @callback
            def _on_status(status: SourceStatus, detail: str | None, _retry: float | None) -> None:
                self._set_status(camera_id, status, detail)

            feed = SnapshotFeed(
                self.hass,
                self.pool,
                camera_id=camera_id,
                entity_id=entity_id,
                interval=1 / self.settings.detection_rate,
                on_status=_on_status,
            )
            self._feeds[camera_id] = feed
            feed.start()
        else:
            await self.pool.async_add_camera(camera_id, source, self._source_settings(source))

    async def _async_stop_source(self, camera_id: str) -> None:
        """Stop reading a camera's source."""
        if feed := self._feeds.pop(camera_id, None):
            await feed.stop()
        await self.pool.async_remove_camera(camera_id)
        self._camera_sources.pop(camera_id, None)

    @staticmethod
    def _source_settings(source: str | None) -> SourceSettings:
        """Return how a source is read: a local file loops, as a demo or test camera would."""
        is_file = source is not None and "://" not in source
        return SourceSettings(realtime=True, loop=is_file)

    async def _stream_source_of(self, entity_id: str) -> str | None:
        """Return a camera entity's stream URL, or None when it only has snapshots."""
        try:
            return await async_get_stream_source(self.hass, entity_id)
        except HomeAssistantError:
            # The camera entity does not exist (yet): feed it by snapshots,
            # which keep retrying with back-off until it appears.
            return None

    async def _async_remove_camera(self, camera_id: str) -> None:
        """Stop watching a camera; Home Assistant removes its device and entities."""
        await self._async_stop_source(camera_id)
        self.cameras.pop(camera_id, None)
        if cancel := self._failed_timers.pop(camera_id, None):
            cancel()
        ir.async_delete_issue(self.hass, DOMAIN, f"camera_failed_{camera_id}")
        self.notify_statistics_changed()

    # Results from the workers ---------------------------------------------

    @callback
    def _handle_result(self, result: WorkerResult) -> None:
        """Turn one worker result into entity updates, bus events and pushes."""
        if self._stopped:
            # Results still in flight while the workers stop must not start
            # timers or write entities of an entry that is going away.
            return
        match result:
            case SourceStatusChanged():
                # Snapshot-fed cameras report their status from their feed.
                if result.camera_id not in self._feeds:
                    self._set_status(result.camera_id, result.status, result.detail, result.reason)
            case MotionStarted() | MotionEnded():
                self._motion(result)
            case FaceDetected():
                self._face_detected(result)
            case FaceRecognized():
                self._face_recognized(result)
            case UnknownFace():
                self._unknown_face(result)
            case FaceLost():
                self._face_lost(result)
            case Figures():
                self._figures(result)
            case EngineFailed():
                self._engine_failed(result.detail)
            case WorkerLog():
                _LOGGER.log(result.level, "Worker: %s", result.message)
            case _:
                # Worker start-up and image answers are the pool's business.
                pass

    def _set_status(
        self,
        camera_id: str,
        status: SourceStatus,
        detail: str | None,
        reason: str | None = None,
    ) -> None:
        """Record a camera's source status; log and alert once when it goes and comes back."""
        if (
            self._stopped
            or (camera := self.cameras.get(camera_id)) is None
            or (
                camera.status is status
                and camera.status_detail == detail
                and camera.status_reason == reason
            )
        ):
            return
        was_available = camera.available
        camera.status = status
        camera.status_detail = detail
        camera.status_reason = reason
        if was_available and not camera.available:
            _LOGGER.warning("Camera %s is unavailable: %s", camera.name, detail or status.value)
            camera.tracks.clear()
            camera.motion = False
            self._publish(
                "alert",
                {
                    "alert_type": "camera_down",
                    "camera": self._camera_ref(camera),
                    "timestamp": dt_util.utcnow().isoformat(),
                    "message": f"{camera.name} is unavailable: {detail or status.value}",
                    "data": {"status": status.value, "detail": detail},
                },
            )
        elif camera.available and not was_available and camera.failed_since is not None:
            _LOGGER.info("Camera %s is available again", camera.name)
        if status is SourceStatus.STREAMING:
            camera.failed_since = None
            if cancel := self._failed_timers.pop(camera_id, None):
                cancel()
            ir.async_delete_issue(self.hass, DOMAIN, f"camera_failed_{camera_id}")
        elif camera.failed_since is None and status in (
            SourceStatus.RECONNECTING,
            SourceStatus.FAILED,
        ):
            camera.failed_since = dt_util.utcnow()
            self._failed_timers[camera_id] = async_call_later(
                self.hass,
                CAMERA_FAILED_ISSUE_AFTER,
                callback(lambda _now: self._camera_failed_for_long(camera_id)),
            )
        self._camera_changed(camera_id)
        self.notify_statistics_changed()

    @callback
    def _camera_failed_for_long(self, camera_id: str) -> None:
        """Raise a repair issue for a camera that has not delivered frames for long."""
        self._failed_timers.pop(camera_id, None)
        if (camera := self.cameras.get(camera_id)) is None or camera.available:
            return
        # A refused password will not come right by itself: the issue says
        # so, and what to do, instead of the general "check the camera".
        unauthorized = camera.status_reason == "unauthorized"
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"camera_failed_{camera_id}",
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="camera_unauthorized" if unauthorized else "camera_failed",
            translation_placeholders={
                "camera": camera.name,
                "detail": camera.status_detail or camera.status.value,
                "minutes": str(int(CAMERA_FAILED_ISSUE_AFTER.total_seconds() // 60)),
            },
        )

    def _motion(self, result: MotionStarted | MotionEnded) -> None:
        """Record motion; its start is an event for automations and subscribers."""
        moving = isinstance(result, MotionStarted)
        camera_id, timestamp = result.camera_id, result.timestamp
        if (camera := self.cameras.get(camera_id)) is None or camera.motion is moving:
            return
        camera.motion = moving
        self._camera_changed(camera_id)
        self.notify_statistics_changed()
        if not moving:
            return
        when = dt_util.utc_from_timestamp(timestamp)
        data = {
            **self._event_base(camera, when),
            "person_id": None,
            "person_name": None,
            "confidence": None,
            "distance": None,
            "box": None,
            "track_id": None,
            "image_url": None,
        }
        self.hass.bus.async_fire(EVENT_MOTION_DETECTED, data)
        async_dispatcher_send(self.hass, signal_camera_event(camera_id), "motion", data)
        self._publish_camera_event(camera, "motion_detected", when, {})

    def _face_detected(self, result: FaceDetected) -> None:
        """Count a new face in view and tell subscribers."""
        if (camera := self.cameras.get(result.camera_id)) is None:
            return
        camera.tracks[result.track_id] = None
        self._camera_changed(camera.camera_id)
        self.notify_statistics_changed()
        self._publish_camera_event(
            camera,
            "face_detected",
            dt_util.utc_from_timestamp(result.timestamp),
            {"track_id": result.track_id, "box": list(result.box)},
        )

    def _face_lost(self, result: FaceLost) -> None:
        """Count a face out of view."""
        if (camera := self.cameras.get(result.camera_id)) is not None:
            camera.tracks.pop(result.track_id, None)
            self._camera_changed(result.camera_id)
            self.notify_statistics_changed()

    def _face_recognized(self, result: FaceRecognized) -> None:
        """Record a recognised person; a continuous sighting counts as one recognition."""
        if (camera := self.cameras.get(result.camera_id)) is None:
            return
        person = self.gallery.people.get(result.person_id)
        if person is None:
            # The person was removed while the worker still had the old gallery.
            return
        when = dt_util.utc_from_timestamp(result.timestamp)
        camera.tracks[result.track_id] = person.person_id
        camera.last_person_id = person.person_id
        camera.last_person_name = person.name
        camera.latest_face = LatestFace(result.crop_jpeg, when, person.name)
        previous = camera.last_recognised.get(person.person_id)
        camera.last_recognised[person.person_id] = when
        self.gallery.mark_seen(person.person_id, when, camera.camera_id)
        self._schedule_presence_end(person.person_id)
        self._camera_changed(camera.camera_id)
        async_dispatcher_send(self.hass, signal_person_updated(person.person_id))
        if previous is not None and when - previous < self.presence_timeout:
            self.notify_statistics_changed()
            return
        image_url = self.image_url(camera)
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
            image_url=image_url,
        )
        self._store_statistics()
        data = {
            **self._event_base(camera, when),
            "person_id": person.person_id,
            "person_name": person.name,
            "confidence": round(result.confidence, 3),
            "distance": round(result.mean_distance, 3),
            "best_distance": round(result.best_distance, 3),
            "box": list(result.box),
            "track_id": result.track_id,
            "image_url": image_url,
        }
        self.hass.bus.async_fire(EVENT_FACE_RECOGNIZED, data)
        async_dispatcher_send(
            self.hass, signal_camera_event(camera.camera_id), "face_recognized", data
        )
        async_dispatcher_send(self.hass, SIGNAL_HUB_UPDATED)
        self._publish_camera_event(
            camera,
            "face_recognized",
            when,
            {
                key: data[key]
                for key in (
                    "person_id",
                    "person_name",
                    "confidence",
                    "distance",
                    "track_id",
                    "box",
                    "image_url",
                )
            }
            | {"thumbnail": base64_text(result.crop_jpeg)},
            result.decided_at,
        )
        self.notify_statistics_changed()

    def _unknown_face(self, result: UnknownFace) -> None:
        """Keep an unknown face for teaching; the same stranger seen again counts once."""
        if (camera := self.cameras.get(result.camera_id)) is None:
            return
        when = dt_util.utc_from_timestamp(result.timestamp)
        camera.latest_face = LatestFace(result.crop_jpeg, when, None)
        self._camera_changed(camera.camera_id)
        if self._is_recent_unknown(camera.camera_id, result.encoding, when):
            return
        record = UnknownFaceRecord(
            unknown_id=uuid.uuid4().hex,
            camera_id=camera.camera_id,
            camera_name=camera.name,
            timestamp=when,
            encoding=list(result.encoding),
            crop=result.crop_jpeg,
            best_distance=result.best_distance,
        )
        self.gallery.add_unknown(
            record,
            int(self.option(CONF_UNKNOWN_RETENTION_DAYS)),
            int(self.option(CONF_UNKNOWN_RETENTION_COUNT)),
        )
        self.statistics.start_new_day()
        self.statistics.unknown_faces_today += 1
        self._store_statistics()
        image_url = self.image_url(camera)
        data = {
            **self._event_base(camera, when),
            "person_id": None,
            "person_name": None,
            "unknown_face_id": record.unknown_id,
            "confidence": None,
            "distance": round(result.best_distance, 3)
            if result.best_distance is not None
            else None,
            "box": list(result.box),
            "track_id": result.track_id,
            "image_url": image_url,
        }
        self.hass.bus.async_fire(EVENT_UNKNOWN_FACE, data)
        async_dispatcher_send(
            self.hass, signal_camera_event(camera.camera_id), "unknown_face", data
        )
        async_dispatcher_send(self.hass, SIGNAL_HUB_UPDATED)
        payload = {
            "unknown_face_id": record.unknown_id,
            "person_name": None,
            "confidence": None,
            "distance": data["distance"],
            "track_id": result.track_id,
            "box": list(result.box),
            "image_url": image_url,
            # This face itself: the image entity behind image_url shows
            # whatever face came last by the time a client fetches it.
            "thumbnail": base64_text(result.crop_jpeg),
        }
        self._publish_camera_event(camera, "unknown_face", when, payload, result.decided_at)
        self._publish(
            "alert",
            {
                "alert_type": "unknown_face",
                "camera": self._camera_ref(camera),
                "timestamp": when.isoformat(),
                "message": f"Unknown face at {camera.name}",
                "data": payload,
            },
        )
        self.notify_statistics_changed()

    def _is_recent_unknown(
        self, camera_id: str, encoding: tuple[float, ...], when: datetime
    ) -> bool:
        """Return whether this stranger is one stored at this camera and still on the same visit.

        A visit lasts while the stranger comes back within the presence time
        of the last sighting; each sighting that matches extends it.
        """
        seen = self._stranger_seen
        for unknown_id in seen.keys() - self.gallery.unknown.keys():
            del seen[unknown_id]  # Taught, purged or pruned meanwhile.
        recent = [
            record
            for record in self.gallery.unknown.values()
            if record.camera_id == camera_id
            and when - max(record.timestamp, seen.get(record.unknown_id, record.timestamp))
            < self.presence_timeout
        ]
        if not recent or not encoding:
            return False
        distances = np.linalg.norm(
            np.asarray([record.encoding for record in recent]) - np.asarray(encoding), axis=1
        )
        closest = int(distances.argmin())
        if distances[closest] > self.settings.tolerance:
            return False
        seen[recent[closest].unknown_id] = when
        return True

    def _figures(self, result: Figures) -> None:
        """Keep a camera's periodic figures for its diagnostic sensors and statistics."""
        if (camera := self.cameras.get(result.camera_id)) is None:
            return
        camera.analysis_rate = result.analysis_rate
        if result.detections:
            camera.detection_ms = result.detection_ms
        if result.encoding_ms:
            camera.encoding_ms = result.encoding_ms
        self._camera_changed(camera.camera_id)
        self.notify_statistics_changed()

    def _engine_failed(self, detail: str) -> None:
        """Report a face engine that cannot load, once, as a repair issue."""
        if self.engine_error is not None:
            return
        self.engine_error = detail
        _LOGGER.error("OpenEye's face engine cannot load: %s", detail)
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            "engine_unavailable",
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="engine_unavailable",
            translation_placeholders={"detail": detail},
        )

    # Presence --------------------------------------------------------------

    def is_present(self, person: Person) -> bool:
        """Return whether a person was seen within the presence time."""
        return (
            person.last_seen is not None
            and dt_util.utcnow() - person.last_seen < self.presence_timeout
        )

    def _schedule_presence_end(self, person_id: str) -> None:
        """Update the person's presence when the presence time has passed."""
        if cancel := self._presence_timers.pop(person_id, None):
            cancel()

        @callback
        def _presence_over(_now: datetime) -> None:
            self._presence_timers.pop(person_id, None)
            async_dispatcher_send(self.hass, signal_person_updated(person_id))

        self._presence_timers[person_id] = async_call_later(
            self.hass, self.presence_timeout, _presence_over
        )

    # Gallery changes -----------------------------------------------------

    async def async_gallery_changed(self, added: Person | None = None) -> None:
        """Send the gallery to the workers and update entities after a change."""
        await self.pool.async_set_gallery(self.gallery.known_faces())
        if added is not None:
            async_dispatcher_send(self.hass, SIGNAL_PERSON_ADDED, added.person_id)
        for person in self.gallery.people.values():
            self._rename_device(person_device_identifier(person.person_id), person.name)
            async_dispatcher_send(self.hass, signal_person_updated(person.person_id))
        async_dispatcher_send(self.hass, SIGNAL_HUB_UPDATED)
        self.notify_statistics_changed()

    async def async_person_removed(self, person: Person) -> None:
        """Forget a removed person everywhere: workers, entities, their device."""
        if cancel := self._presence_timers.pop(person.person_id, None):
            cancel()
        for camera in self.cameras.values():
            camera.last_recognised.pop(person.person_id, None)
        if device := find_device(
            self.hass, self.entry.entry_id, person_device_identifier(person.person_id)
        ):
            dr.async_get(self.hass).async_remove_device(device.id)
        await self.async_gallery_changed()

    # Daily figures -------------------------------------------------------

    @callback
    def _midnight(self, _now: datetime) -> None:
        """Start the day's counters again at local midnight."""
        if self.statistics.start_new_day():
            self._store_statistics()
            async_dispatcher_send(self.hass, SIGNAL_HUB_UPDATED)
            self.notify_statistics_changed()

    @callback
    def _hourly_prune(self, _now: datetime) -> None:
        """Drop unknown faces past their retention even when no new ones arrive."""
        self._prune_unknown()

    def _prune_unknown(self) -> None:
        """Apply the unknown-face retention options."""
        self.gallery.prune_unknown(
            int(self.option(CONF_UNKNOWN_RETENTION_DAYS)),
            int(self.option(CONF_UNKNOWN_RETENTION_COUNT)),
        )

    def _store_statistics(self) -> None:
        """Keep the daily figures with the gallery, so that a restart keeps them."""
        self.gallery.statistics = self.statistics.as_storage()
        self.gallery.schedule_save()

    # Statistics and pushes -------------------------------------------------

    def statistics_snapshot(self, camera_ids: set[str] | None = None) -> dict[str, Any]:
        """Return the current statistics, optionally for some cameras only."""
        last = self.statistics.last_recognition
        return {
            "known_people": len(self.gallery.people),
            "recognitions_today": self.statistics.recognitions_today,
            "unknown_faces_today": self.statistics.unknown_faces_today,
            "last_recognition": last.as_dict() if last else None,
            "cameras": [
                camera.as_statistics()
                for camera_id, camera in self.cameras.items()
                if camera_ids is None or camera_id in camera_ids
            ],
        }

    def _publish(self, kind: str, payload: dict[str, Any] | None) -> None:
        """Hand a push to the websocket subscriptions.

        It goes through a dispatcher signal rather than a list on the hub, so
        that subscriptions outlive a reload of the entry.
        """
        async_dispatcher_send(self.hass, SIGNAL_PUSH, kind, payload)

    def notify_statistics_changed(self) -> None:
        """Tell subscribers that a figure may have changed; they coalesce."""
        self._publish("statistics_update", None)

    def _publish_camera_event(
        self,
        camera: CameraState,
        event_type: str,
        when: datetime,
        data: dict[str, Any],
        decided_at: float = 0.0,
    ) -> None:
        """Push one camera event to subscribers.

        Decisions (a face recognised or unknown) also carry ``decided_at``, the
        moment the worker decided, so that a client can tell how long the push took.
        """
        message: dict[str, Any] = {
            "event_type": event_type,
            "camera": self._camera_ref(camera),
            "timestamp": when.isoformat(),
            "data": data,
        }
        if decided_at:
            message["decided_at"] = dt_util.utc_from_timestamp(decided_at).isoformat()
        self._publish("camera_event", message)

    @staticmethod
    def _camera_ref(camera: CameraState) -> dict[str, Any]:
        """Return how a camera is named in pushed messages."""
        return {"camera_id": camera.camera_id, "name": camera.name}

    def _event_base(self, camera: CameraState, when: datetime) -> dict[str, Any]:
        """Return the fields every OpenEye bus event carries."""
        return {
            "camera_id": camera.camera_id,
            "camera_name": camera.name,
            "camera_entity_id": camera.camera_entity_id,
            "timestamp": when.isoformat(),
        }

    def image_url(self, camera: CameraState) -> str | None:
        """Return the authenticated URL of the camera's latest face, via its image entity."""
        if camera.image_entity_id is None:
            return None
        state = self.hass.states.get(camera.image_entity_id)
        if state is None:
            return None
        picture = state.attributes.get("entity_picture")
        return str(picture) if picture else None

    def _camera_changed(self, camera_id: str) -> None:
        """Tell the camera's entities to update (they rate-limit their writes)."""
        async_dispatcher_send(self.hass, signal_camera_updated(camera_id))
