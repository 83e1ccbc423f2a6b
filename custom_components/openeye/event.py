"""OpenEye's event entity per camera: recognised faces, unknown faces and motion."""

from __future__ import annotations

from collections import deque
import time
from typing import Any, Final

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later

from .entity import MIN_WRITE_INTERVAL, OpenEyeCameraEntity, async_add_camera_entities
from .hub import OpenEyeConfigEntry, OpenEyeHub, signal_camera_event

# Entities are pushed by the hub; Home Assistant never polls them.
PARALLEL_UPDATES = 0

EVENT_TYPES: Final = ["face_recognized", "unknown_face", "motion"]
# Events that arrive faster than one a second wait their turn; beyond this
# many waiting, the oldest are dropped (the bus events still carry them all).
MAX_WAITING_EVENTS: Final = 10
# The attributes an event entity keeps, from the hub's event data.
EVENT_ATTRIBUTES: Final = (
    "person_id",
    "person_name",
    "confidence",
    "distance",
    "unknown_face_id",
    "track_id",
    "box",
    "image_url",
    "camera_entity_id",
)

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
    """Fires face_recognized, unknown_face and motion for one camera."""

    # Boxes, track ids and image URLs change with every event and are of no
    # use in history; the URL also carries a short-lived access token.
    _unrecorded_attributes = frozenset({"box", "track_id", "image_url"})

    def __init__(self, hub: OpenEyeHub, camera_id: str) -> None:
        """Describe the entity."""
        super().__init__(hub, camera_id, DESCRIPTION)
        self._waiting: deque[tuple[str, dict[str, Any]]] = deque(maxlen=MAX_WAITING_EVENTS)
        self._drain: CALLBACK_TYPE | None = None

    async def async_added_to_hass(self) -> None:
        """Listen for the camera's events as well as its state."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_camera_event(self.camera_id), self._handle_event
            )
        )

    async def async_will_remove_from_hass(self) -> None:
        """Drop events still waiting."""
        if self._drain is not None:
            self._drain()
            self._drain = None
        await super().async_will_remove_from_hass()

    @callback
    def _handle_event(self, event_type: str, data: dict[str, Any]) -> None:
        """Fire the event now, or after the once-a-second limit."""
        attributes = {key: data.get(key) for key in EVENT_ATTRIBUTES if data.get(key) is not None}
        self._waiting.append((event_type, attributes))
        if self._drain is not None:
            return
        wait = self._last_write + MIN_WRITE_INTERVAL - time.monotonic()
        if wait > 0:
            self._drain = async_call_later(self.hass, wait, self._drain_next)
        else:
            self._drain_next(None)

    @callback
    def _drain_next(self, _now: Any) -> None:  # noqa: ANN401 - the timer's datetime
        """Fire the oldest waiting event, and wait a second before the next one."""
        self._drain = None
        event_type, attributes = self._waiting.popleft()
        self._trigger_event(event_type, attributes)
        self._write_now()
        if self._waiting:
            self._drain = async_call_later(self.hass, MIN_WRITE_INTERVAL, self._drain_next)
