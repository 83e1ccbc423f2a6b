"""OpenEye's binary sensors: motion at each camera, presence of each person."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import OpenEyeCameraEntity, OpenEyePersonEntity
from .hub import SIGNAL_CAMERA_ADDED, SIGNAL_PERSON_ADDED, OpenEyeConfigEntry

# Entities are pushed by the hub; Home Assistant never polls them.
PARALLEL_UPDATES = 0

MOTION = BinarySensorEntityDescription(
    key="motion", translation_key="motion", device_class=BinarySensorDeviceClass.MOTION
)
PRESENCE = BinarySensorEntityDescription(
    key="presence", translation_key="presence", device_class=BinarySensorDeviceClass.PRESENCE
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenEyeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a motion sensor per camera and a presence sensor per person, as they come."""
    hub = entry.runtime_data

    @callback
    def _add_camera(camera_id: str) -> None:
        async_add_entities([MotionSensor(hub, camera_id, MOTION)], config_subentry_id=camera_id)

    @callback
    def _add_person(person_id: str) -> None:
        if (person := hub.gallery.people.get(person_id)) is not None:
            async_add_entities([PresenceSensor(hub, person, PRESENCE)])

    for camera_id in hub.cameras:
        _add_camera(camera_id)
    for person_id in hub.gallery.people:
        _add_person(person_id)
    entry.async_on_unload(async_dispatcher_connect(hass, SIGNAL_CAMERA_ADDED, _add_camera))
    entry.async_on_unload(async_dispatcher_connect(hass, SIGNAL_PERSON_ADDED, _add_person))


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
