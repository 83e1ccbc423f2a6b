"""The one place where OpenEye's news leaves for the rest of Home Assistant.

A fact (facts.py) becomes, here and nowhere else, the event on Home
Assistant's bus, the event of the camera's event entity and the push to
websocket subscribers, all derived from the same frozen dataclass and so
always in agreement. Changes of state (a camera's, a person's, the day's
figures) are announced here too, as dispatcher signals for the entities and a
``statistics_update`` push that goes out only when what a dashboard shows
has changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from .const import bus_event
from .facts import CameraDown, CameraRef, Fact, PastNamed
from .gallery_records import base64_text
from .pipeline.messages import Figures
from .signals import (
    SIGNAL_HUB_UPDATED,
    SIGNAL_PUSH,
    Push,
    signal_camera_event,
    signal_camera_updated,
    signal_person_updated,
)

# What a camera's event entity keeps of a fact, besides the camera entity:
# enough for an automation to act, nothing that is large.
EVENT_ENTITY_ATTRIBUTES: Final = (
    "person_id",
    "person_name",
    "confidence",
    "distance",
    "unknown_face_id",
    "track_id",
    "box",
    "image_url",
    # "Not this person": the recognition to correct, and whom a look-alike was refused.
    "recognition_id",
    "refused_person_id",
    "refused_person_name",
    "stranger_id",
    "stranger_label",
    "stranger_visits",
    "stranger_cameras",
)


class Announcer:
    """Sends facts and changes of state through every door, each in its own shape."""

    def __init__(self, hass: HomeAssistant, statistics: Callable[[], Mapping[str, Any]]) -> None:
        """Keep Home Assistant and the function that returns the current statistics."""
        self._hass = hass
        self._statistics = statistics
        self._last_statistics: Mapping[str, Any] | None = None

    @callback
    def announce(self, fact: Fact) -> None:
        """Send one fact through each of its doors, at once and in this order."""
        camera = fact.camera
        data = fact.data()
        if fact.on_bus:
            self._hass.bus.async_fire(
                bus_event(fact.event_type),
                {
                    "camera_id": camera.camera_id,
                    "camera_name": camera.name,
                    "camera_entity_id": camera.entity_id,
                    "timestamp": fact.when.isoformat(),
                    **data,
                },
            )
        if fact.on_entity:
            attributes = {
                key: data[key] for key in EVENT_ENTITY_ATTRIBUTES if data.get(key) is not None
            }
            if camera.entity_id is not None:
                attributes["camera_entity_id"] = camera.entity_id
            async_dispatcher_send(
                self._hass, signal_camera_event(camera.camera_id), fact.event_type, attributes
            )
        self._push(fact, data)

    def _push(self, fact: Fact, data: dict[str, Any]) -> None:
        """Push a fact to websocket subscribers: a camera's down alert, or a camera event."""
        camera = fact.camera
        if isinstance(fact, CameraDown):
            message: dict[str, Any] = {
                "alert_type": fact.event_type,
                "camera": camera_ref(camera),
                "timestamp": fact.when.isoformat(),
                "message": f"{camera.name} is unavailable: {fact.detail or fact.status}",
                "data": data,
            }
            async_dispatcher_send(self._hass, SIGNAL_PUSH, Push("alert", camera.camera_id, message))
            return
        if (thumbnail := fact.thumbnail()) is not None:
            # The face itself: the image entity behind image_url shows
            # whatever face came last by the time a client fetches it.
            data = {**data, "thumbnail": base64_text(thumbnail)}
        message = {
            "event_type": fact.event_type,
            "camera": camera_ref(camera),
            "timestamp": fact.when.isoformat(),
            "data": data,
        }
        if fact.decided_at:
            message["decided_at"] = dt_util.utc_from_timestamp(fact.decided_at).isoformat()
        async_dispatcher_send(
            self._hass, SIGNAL_PUSH, Push("camera_event", camera.camera_id, message)
        )

    @callback
    def announce_past_named(self, fact: PastNamed) -> None:
        """Send gallery news on the bus and to every subscriber (no camera's entity has it)."""
        data = fact.data()
        self._hass.bus.async_fire(bus_event(fact.event_type), data)
        message = {"timestamp": fact.when.isoformat(), "data": data}
        async_dispatcher_send(self._hass, SIGNAL_PUSH, Push("past_named", None, message))

    @callback
    def figures(self, camera: CameraRef, figures: Figures) -> None:
        """Push a camera's diagnostic figures, to the subscribers that asked for them."""
        message = {
            "camera": camera_ref(camera),
            "timestamp": dt_util.utc_from_timestamp(figures.timestamp).isoformat(),
            "analysis_rate": round(figures.analysis_rate, 2),
            "detection_ms": round(figures.detection_ms, 1) if figures.detections else None,
            "encoding_ms": round(figures.encoding_ms, 1) if figures.encoding_ms else None,
        }
        async_dispatcher_send(
            self._hass, SIGNAL_PUSH, Push("camera_figures", camera.camera_id, message)
        )

    @callback
    def camera_changed(self, camera_id: str) -> None:
        """Tell a camera's entities to update (they write only what changed)."""
        async_dispatcher_send(self._hass, signal_camera_updated(camera_id))

    @callback
    def person_changed(self, person_id: str) -> None:
        """Tell a person's entities to update."""
        async_dispatcher_send(self._hass, signal_person_updated(person_id))

    @callback
    def hub_changed(self) -> None:
        """Tell the OpenEye device's entities (the gallery and the day's figures) to update."""
        async_dispatcher_send(self._hass, SIGNAL_HUB_UPDATED)

    @callback
    def statistics_changed(self) -> None:
        """Push ``statistics_update`` if anything a dashboard shows has changed since the last.

        Each subscription coalesces and builds its own message (with only its
        cameras) when it sends; this comparison keeps a busy camera whose
        figures stay the same from waking every dashboard.
        """
        current = self._statistics()
        if current == self._last_statistics:
            return
        self._last_statistics = current
        async_dispatcher_send(self._hass, SIGNAL_PUSH, Push("statistics_update"))


def camera_ref(camera: CameraRef) -> dict[str, Any]:
    """Return how a camera is named in pushed messages."""
    return {"camera_id": camera.camera_id, "name": camera.name}
