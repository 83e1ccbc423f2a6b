"""OpenEye's binary sensors: camera motion, people's presence, remote workers connected."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import (
    OpenEyeCameraEntity,
    OpenEyePersonEntity,
    OpenEyeRemoteWorkerEntity,
    async_add_camera_entities,
    async_add_person_entities,
    async_add_remote_worker_entities,
)
from .hub import OpenEyeConfigEntry

# Entities are pushed by the hub; Home Assistant never polls them.
PARALLEL_UPDATES = 0

MOTION = BinarySensorEntityDescription(
    key="motion", translation_key="motion", device_class=BinarySensorDeviceClass.MOTION
)
PRESENCE = BinarySensorEntityDescription(
    key="presence", translation_key="presence", device_class=BinarySensorDeviceClass.PRESENCE
)
# Not diagnostic: whether a worker is there is what its device is for.
CONNECTED = BinarySensorEntityDescription(
    key="connected",
    translation_key="worker_connected",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenEyeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add motion per camera, presence per person and connected per remote worker, as they come."""
    hub = entry.runtime_data
    async_add_camera_entities(
        entry, async_add_entities, lambda camera_id: [MotionSensor(hub, camera_id, MOTION)]
    )
    async_add_person_entities(
        entry, async_add_entities, lambda person: [PresenceSensor(hub, person, PRESENCE)]
    )
    async_add_remote_worker_entities(
        entry, async_add_entities, lambda name: [WorkerConnectedSensor(hub, name, CONNECTED)]
    )


class MotionSensor(OpenEyeCameraEntity, BinarySensorEntity):
    """On while OpenEye sees motion in the camera's picture."""

    @property
    def is_on(self) -> bool | None:
        """Return whether there is motion."""
        camera = self.camera
        return camera.motion if camera is not None else None


class PresenceSensor(OpenEyePersonEntity, BinarySensorEntity):
    """On while the person was seen within the presence time."""

    @property
    def is_on(self) -> bool | None:
        """Return whether the person counts as present."""
        person = self.person
        return self.hub.is_present(person) if person is not None else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return where the person was last seen and their Home Assistant person, if linked."""
        person = self.person
        if person is None:
            return None
        camera = self.hub.cameras.get(person.last_camera_id or "")
        return {
            "camera": camera.name if camera else None,
            "person_entity_id": person.person_entity_id,
        }


class WorkerConnectedSensor(OpenEyeRemoteWorkerEntity, BinarySensorEntity):
    """On while a remote worker is online and its heartbeats keep coming."""

    @property
    def is_on(self) -> bool | None:
        """Return whether the worker is connected."""
        worker = self.worker
        return worker.connected if worker is not None else None
