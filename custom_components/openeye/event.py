"""OpenEye's event entity per camera: recognised faces, unknown faces and motion.

Every fact the announcer hands over is triggered the moment it arrives, with
no queue and no limit: an automation on the entity fires as soon as the bus
event does. The facts themselves are rare (one recognition per visit, one per
stranger and visit, one per start of motion), so the state writes they cause
need no limiting of their own.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import FACE_RECOGNIZED, MOTION_DETECTED, UNKNOWN_FACE
from .entity import OpenEyeCameraEntity, async_add_camera_entities
from .hub import OpenEyeConfigEntry, OpenEyeHub
from .signals import signal_camera_event

# Entities are pushed by the hub; Home Assistant never polls them.
PARALLEL_UPDATES = 0

EVENT_TYPES: Final = [FACE_RECOGNIZED, UNKNOWN_FACE, MOTION_DETECTED]

DESCRIPTION = EventEntityDescription(
    key="face_event", translation_key="face_event", event_types=EVENT_TYPES
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenEyeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an event entity per camera, as cameras come."""
    hub = entry.runtime_data
    async_add_camera_entities(
        entry, async_add_entities, lambda camera_id: [CameraEvents(hub, camera_id)]
    )


class CameraEvents(OpenEyeCameraEntity, EventEntity):
    """Fires face_recognized, unknown_face and motion_detected for one camera."""

    # Boxes, track ids and image URLs change with every event and are of no
    # use in history; the URL also carries a short-lived access token.
    _unrecorded_attributes = frozenset({"box", "track_id", "image_url"})

    def __init__(self, hub: OpenEyeHub, camera_id: str) -> None:
        """Describe the entity."""
        super().__init__(hub, camera_id, DESCRIPTION)

    async def async_added_to_hass(self) -> None:
        """Listen for the camera's events as well as its state."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_camera_event(self.camera_id), self._handle_event
            )
        )

    @callback
    def _handle_event(self, event_type: str, attributes: dict[str, Any]) -> None:
        """Trigger the event now, with the attributes the announcer chose."""
        self._trigger_event(event_type, attributes)
        self._write_now()
