"""The running OpenEye: what one config entry owns while it is loaded, put together.

The hub composes the parts and runs their life cycle: the gallery, the worker
pool, the cameras and their sources, the options, the remote workers seen on
the MQTT broker (remote_workers.py). A worker's result takes one
path: the pool calls :meth:`OpenEyeHub.on_result`, which hands a camera's
status to camera health (camera_health.py) and everything else a camera shows
to sightings (sightings.py); those decide what it means and hand the facts to
the announcer (announcer.py), the one place that tells the bus, the entities
and the websocket subscribers.
"""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any

from homeassistant.components.camera import async_get_stream_source
from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError, HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .announcer import Announcer
from .camera_feed import SnapshotFeed
from .camera_health import CameraHealth
from .camera_state import CameraState
from .const import (
    CONF_CAMERA_ENTITY_ID,
    CONF_DETECTION_RATE,
    CONF_DETECTION_SCALE,
    CONF_MIN_FACE_SIZE,
    CONF_MOTION_SENSITIVITY,
    CONF_SOURCE_TYPE,
    CONF_TOLERANCE,
    CONF_URL,
    DOMAIN,
    SOURCE_TYPE_ENTITY,
    SUBENTRY_CAMERA,
)
from .devices import find_device, person_device_identifier
from .gallery_records import Person
from .gallery_store import GalleryStore
from .options import OptionValue, checked_options
from .pipeline.engine import EngineUnavailableError, models_directory, verify_models
from .pipeline.messages import (
    EngineFailed,
    PoolResult,
    SourceStatus,
    SourceStatusChanged,
    WorkerLog,
)
from .pipeline.pool import WorkerPool
from .pipeline.settings import AnalysisSettings, SourceSettings
from .remote_workers import RemoteWorkers
from .sightings import Sightings
from .signals import SIGNAL_CAMERA_ADDED, SIGNAL_PERSON_ADDED
from .statistics import DailyStatistics

_LOGGER = logging.getLogger(__name__)

type OpenEyeConfigEntry = ConfigEntry[OpenEyeHub]


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


def check_engine_files() -> None:
    """Check that dlib's model files are installed and intact; raise if not.

    It reads the files (hashing releases the GIL) but loads nothing: loading
    dlib holds the GIL, so that is left to the worker processes.
    """
    verify_models(models_directory())


class OpenEyeHub:
    """Composes OpenEye's parts for one entry and runs their life cycle."""

    def __init__(self, hass: HomeAssistant, entry: OpenEyeConfigEntry) -> None:
        """Build the parts; nothing starts before :meth:`async_start`."""
        self.hass = hass
        self.entry = entry
        self.gallery = GalleryStore(hass)
        self.cameras: dict[str, CameraState] = {}
        self.settings = settings_from_options(entry.options)
        self.engine_error: str | None = None
        self.announcer = Announcer(hass, self.statistics_snapshot)
        self.health = CameraHealth(hass, self.cameras, self.announcer)
        self.sightings = Sightings(
            hass,
            cameras=self.cameras,
            gallery=self.gallery,
            announcer=self.announcer,
            option=self.option,
        )
        self.pool = WorkerPool(self.on_result, logger=_LOGGER)
        self.remote_workers = RemoteWorkers(hass, entry.entry_id)
        self._camera_sources: dict[str, tuple[str | None, str | None]] = {}
        self._feeds: dict[str, SnapshotFeed] = {}
        self._stopped = False
        self._gallery_loaded = False

    # Options ---------------------------------------------------------------

    def option(self, key: str) -> OptionValue:
        """Return an option's current value, or its default when missing or invalid."""
        return checked_options(self.entry.options)[0][key]

    @property
    def statistics(self) -> DailyStatistics:
        """Return the day's figures."""
        return self.sightings.statistics

    def is_present(self, person: Person) -> bool:
        """Return whether a person was seen within the presence time."""
        return self.sightings.is_present(person)

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

    # Life cycle ------------------------------------------------------------

    async def async_start(self) -> None:
        """Check the face engine's files, load the gallery, start the workers and cameras.

        Missing or damaged model files refuse the setup with a translated
        error, since no worker could ever recognise anyone.
        """
        try:
            await self.hass.async_add_executor_job(check_engine_files)
        except EngineUnavailableError as err:
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="engine_unavailable",
                translation_placeholders={"detail": str(err)},
            ) from err
        self._check_stored_options()
        await self.gallery.async_load()
        self._gallery_loaded = True
        await self.pool.async_start()
        await self.pool.async_set_settings(self.settings)
        await self.pool.async_set_gallery(self.gallery.known_faces())
        for subentry in self._camera_subentries():
            await self._async_add_camera(subentry)
        self.sightings.start()
        # Remote workers are shown once the mqtt integration is there; without
        # it this only listens for it being set up.
        self.remote_workers.start()

    async def async_handle_stop(self, _event: Event) -> None:
        """Stop the workers when Home Assistant stops."""
        await self.async_stop()

    async def async_stop(self) -> None:
        """Stop everything the hub started, leaving no process behind; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        self.remote_workers.stop()
        self.sightings.stop()
        self.health.stop()
        for feed in self._feeds.values():
            await feed.stop()
        self._feeds.clear()
        await self.pool.async_stop()
        # A gallery that failed to load must never be overwritten by an empty one.
        if self._gallery_loaded:
            self.sightings.store_statistics()
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
                self.health.restart(camera_id)
                camera.camera_entity_id = self._source_of(subentry)[0]
                await self._async_start_source(camera_id, subentry)
            if camera.name != subentry.title:
                camera.name = subentry.title
                self._rename_device((DOMAIN, camera_id), subentry.title)
            self.announcer.camera_changed(camera_id)
        self.sightings.prune_unknown()
        self.announcer.statistics_changed()

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
                if not self._stopped:
                    self.health.set_status(camera_id, status, detail)

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
        self.health.forget(camera_id)
        self.announcer.statistics_changed()

    # Results from the workers ---------------------------------------------

    @callback
    def on_result(self, result: PoolResult) -> None:
        """Route one worker result to the part that decides what it means."""
        if self._stopped:
            # Results still in flight while the workers stop must not start
            # timers or write entities of an entry that is going away.
            return
        match result:
            case SourceStatusChanged():
                # Snapshot-fed cameras report their status from their feed.
                if result.camera_id not in self._feeds:
                    self.health.set_status(
                        result.camera_id, result.status, result.detail, result.reason
                    )
            case EngineFailed():
                self._engine_failed(result.detail)
            case WorkerLog():
                _LOGGER.log(result.level, "Worker: %s", result.message)
            case _:
                self.sightings.handle(result)

    def _engine_failed(self, detail: str) -> None:
        """Report a face engine that cannot load in the workers, once, as a repair issue."""
        if self.engine_error is not None:
            return
        self.engine_error = detail
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            "engine_unavailable",
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="engine_unavailable",
            translation_placeholders={"detail": detail},
        )

    # Gallery changes -----------------------------------------------------

    async def async_gallery_changed(self, added: Person | None = None) -> None:
        """Send the gallery to the workers and update entities after a change."""
        await self.pool.async_set_gallery(self.gallery.known_faces())
        if added is not None:
            async_dispatcher_send(self.hass, SIGNAL_PERSON_ADDED, added.person_id)
        for person in self.gallery.people.values():
            self._rename_device(person_device_identifier(person.person_id), person.name)
            self.announcer.person_changed(person.person_id)
        self.announcer.hub_changed()
        self.announcer.statistics_changed()

    async def async_person_removed(self, person: Person) -> None:
        """Forget a removed person everywhere: workers, visits, entities, their device."""
        self.sightings.person_removed(person.person_id)
        if device := find_device(
            self.hass, self.entry.entry_id, person_device_identifier(person.person_id)
        ):
            dr.async_get(self.hass).async_remove_device(device.id)
        await self.async_gallery_changed()

    # Statistics ------------------------------------------------------------

    def statistics_snapshot(self, camera_ids: set[str] | None = None) -> dict[str, Any]:
        """Return the current statistics, optionally for some cameras only."""
        statistics = self.sightings.statistics
        last = statistics.last_recognition
        return {
            "known_people": len(self.gallery.people),
            "recognitions_today": statistics.recognitions_today,
            "unknown_faces_today": statistics.unknown_faces_today,
            "strangers_today": statistics.strangers_today,
            "last_recognition": last.as_dict() if last else None,
            "cameras": [
                camera.as_statistics()
                for camera_id, camera in self.cameras.items()
                if camera_ids is None or camera_id in camera_ids
            ],
        }
