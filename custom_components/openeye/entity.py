"""Base classes of OpenEye's entities: devices, unique ids and rate-limited state writes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
import time
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later
from homeassistant.util.signal_type import SignalType

from .camera_state import CameraState
from .const import DOMAIN
from .devices import (
    below_hub,
    hub_identifier,
    person_device_identifier,
    remote_worker_device_identifier,
)
from .gallery_records import Person
from .hub import OpenEyeConfigEntry, OpenEyeHub
from .remote_workers import RemoteWorker
from .signals import (
    SIGNAL_CAMERA_ADDED,
    SIGNAL_HUB_UPDATED,
    SIGNAL_PERSON_ADDED,
    SIGNAL_REMOTE_WORKER_ADDED,
    signal_camera_updated,
    signal_person_updated,
    signal_remote_worker_updated,
)

# No entity writes its state more than once in this many seconds: a busy
# camera must not flood the state machine and the recorder.
MIN_WRITE_INTERVAL: Final = 1.0


@callback
def async_add_camera_entities(
    entry: OpenEyeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entities_of: Callable[[str], Iterable[Entity]],
) -> None:
    """Add the entities ``entities_of`` gives for each camera, now and as cameras are added.

    A camera's entities belong to its config subentry, so that removing the
    camera removes them.
    """
    hub = entry.runtime_data

    @callback
    def _add(camera_id: str) -> None:
        """Add one camera's entities."""
        async_add_entities(entities_of(camera_id), config_subentry_id=camera_id)

    for camera_id in hub.cameras:
        _add(camera_id)
    entry.async_on_unload(async_dispatcher_connect(hub.hass, SIGNAL_CAMERA_ADDED, _add))


@callback
def async_add_person_entities(
    entry: OpenEyeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entities_of: Callable[[Person], Iterable[Entity]],
) -> None:
    """Add the entities ``entities_of`` gives for each person, now and at each enrollment."""
    hub = entry.runtime_data

    @callback
    def _add(person_id: str) -> None:
        """Add one person's entities, unless the person is already gone again."""
        if (person := hub.gallery.people.get(person_id)) is not None:
            async_add_entities(entities_of(person))

    for person_id in hub.gallery.people:
        _add(person_id)
    entry.async_on_unload(async_dispatcher_connect(hub.hass, SIGNAL_PERSON_ADDED, _add))


@callback
def async_add_remote_worker_entities(
    entry: OpenEyeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entities_of: Callable[[str], Iterable[Entity]],
) -> None:
    """Add the entities ``entities_of`` gives for each remote worker, now and as workers appear."""
    hub = entry.runtime_data

    @callback
    def _add(name: str) -> None:
        """Add one remote worker's entities."""
        async_add_entities(entities_of(name))

    for name in hub.remote_workers.workers:
        _add(name)
    entry.async_on_unload(async_dispatcher_connect(hub.hass, SIGNAL_REMOTE_WORKER_ADDED, _add))


class OpenEyeEntity(Entity):
    """An OpenEye entity: pushed, never polled, written only on change and at most once a second."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, hub: OpenEyeHub, description: EntityDescription, unique_id: str) -> None:
        """Describe the entity; its device comes from the subclass."""
        self.hub = hub
        self.entity_description = description
        self._attr_unique_id = unique_id
        self._last_write = 0.0
        self._last_signature: Any = None
        self._pending_write: CALLBACK_TYPE | None = None

    @property
    def update_signal(self) -> SignalType[()]:
        """Return the dispatcher signal that announces this entity's new data."""
        raise NotImplementedError

    async def async_added_to_hass(self) -> None:
        """Listen for the hub's updates once the entity is in Home Assistant."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, self.update_signal, self.async_schedule_write)
        )
        self._last_signature = self._signature()
        self._last_write = time.monotonic()

    async def async_will_remove_from_hass(self) -> None:
        """Cancel a write that is still waiting."""
        if self._pending_write is not None:
            self._pending_write()
            self._pending_write = None
        await super().async_will_remove_from_hass()

    def _signature(self) -> Any:  # noqa: ANN401 - any comparable snapshot of the state
        """Return what a write would show, to skip writes that change nothing."""
        return (self.available, self.state, self.extra_state_attributes)

    @callback
    def async_schedule_write(self, *_args: object) -> None:
        """Write the state if it changed, at most once per second."""
        if self._pending_write is not None or self._signature() == self._last_signature:
            return
        wait = self._last_write + MIN_WRITE_INTERVAL - time.monotonic()
        if wait <= 0:
            self._write_now()
        else:
            self._pending_write = async_call_later(self.hass, wait, self._deferred_write)

    @callback
    def _deferred_write(self, _now: Any) -> None:  # noqa: ANN401 - the timer's datetime
        """Write after the rate limit, with the state as it is by then."""
        self._pending_write = None
        if self._signature() != self._last_signature:
            self._write_now()

    @callback
    def _write_now(self) -> None:
        """Write the state and remember what and when."""
        self._last_signature = self._signature()
        self._last_write = time.monotonic()
        self.async_write_ha_state()


class OpenEyeHubEntity(OpenEyeEntity):
    """An entity of the OpenEye device itself: the gallery and the day's figures."""

    def __init__(self, hub: OpenEyeHub, description: EntityDescription) -> None:
        """Attach the entity to the OpenEye device."""
        super().__init__(hub, description, f"{hub.entry.entry_id}_{description.key}")
        self._attr_device_info = hub_device_info(hub)

    @property
    def update_signal(self) -> SignalType[()]:
        """Return the hub-wide update signal."""
        return SIGNAL_HUB_UPDATED


def hub_device_info(hub: OpenEyeHub) -> DeviceInfo:
    """Return the OpenEye device, parent of the camera and person devices."""
    return DeviceInfo(
        identifiers={hub_identifier(hub.entry.entry_id)},
        name=hub.entry.title,
        manufacturer="OpenEye",
        model="Face recognition",
        entry_type=DeviceEntryType.SERVICE,
    )


class OpenEyeCameraEntity(OpenEyeEntity):
    """An entity of one camera; unavailable while the camera's stream is down."""

    # Entities that stay available when the stream is down, to say why.
    _always_available = False

    def __init__(self, hub: OpenEyeHub, camera_id: str, description: EntityDescription) -> None:
        """Attach the entity to the camera's device."""
        super().__init__(hub, description, f"{camera_id}_{description.key}")
        self.camera_id = camera_id
        camera = hub.cameras[camera_id]
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, camera_id)},
            name=camera.name,
            manufacturer="OpenEye",
            model="Camera",
            **below_hub(hub.hass, hub.entry.entry_id),
        )

    @property
    def camera(self) -> CameraState | None:
        """Return the camera's state, or None once the camera was removed."""
        return self.hub.cameras.get(self.camera_id)

    @property
    def available(self) -> bool:
        """Return whether the camera delivers frames."""
        camera = self.camera
        return camera is not None and (self._always_available or camera.available)

    @property
    def update_signal(self) -> SignalType[()]:
        """Return the camera's update signal."""
        return signal_camera_updated(self.camera_id)


class OpenEyePersonEntity(OpenEyeEntity):
    """An entity of one taught person."""

    def __init__(self, hub: OpenEyeHub, person: Person, description: EntityDescription) -> None:
        """Attach the entity to the person's device."""
        super().__init__(hub, description, f"person_{person.person_id}_{description.key}")
        self.person_id = person.person_id
        self._attr_device_info = DeviceInfo(
            identifiers={person_device_identifier(person.person_id)},
            name=person.name,
            manufacturer="OpenEye",
            model="Person",
            **below_hub(hub.hass, hub.entry.entry_id),
        )

    @property
    def person(self) -> Person | None:
        """Return the person, or None once removed."""
        return self.hub.gallery.people.get(self.person_id)

    @property
    def available(self) -> bool:
        """Return whether the person is still in the gallery."""
        return self.person is not None

    @property
    def update_signal(self) -> SignalType[()]:
        """Return the person's update signal."""
        return signal_person_updated(self.person_id)


class OpenEyeRemoteWorkerEntity(OpenEyeEntity):
    """An entity of one remote worker, a device below the OpenEye device."""

    def __init__(self, hub: OpenEyeHub, name: str, description: EntityDescription) -> None:
        """Attach the entity to the worker's device."""
        super().__init__(hub, description, f"worker_{name}_{description.key}")
        self.worker_name = name
        worker = hub.remote_workers.workers[name]
        self._attr_device_info = DeviceInfo(
            identifiers={remote_worker_device_identifier(name)},
            name=name,
            manufacturer="OpenEye",
            model="Remote worker",
            sw_version=worker.version,
            **below_hub(hub.hass, hub.entry.entry_id),
        )

    @property
    def worker(self) -> RemoteWorker | None:
        """Return what is known about the worker."""
        return self.hub.remote_workers.workers.get(self.worker_name)

    @property
    def update_signal(self) -> SignalType[()]:
        """Return the worker's update signal."""
        return signal_remote_worker_updated(self.worker_name)
