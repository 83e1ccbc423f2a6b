"""Diagnostics for OpenEye, with biometric data, names and addresses redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .hub import OpenEyeConfigEntry

# Faces and names are biometric and personal; stream addresses carry passwords.
TO_REDACT = {
    "name",
    "person_name",
    "camera_name",
    "title",
    "url",
    "image_url",
    "encoding",
    "encodings",
    "thumbnail",
    "crop",
    "person_entity_id",
    "detail",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: OpenEyeConfigEntry
) -> dict[str, Any]:
    """Return what helps to understand a problem, without anyone's face or name."""
    hub = entry.runtime_data
    cameras = [
        {
            "camera_id": camera.camera_id,
            "name": camera.name,
            "source_type": subentry.data.get("source_type") if subentry else None,
            "url": subentry.data.get("url") if subentry else None,
            "camera_entity_id": camera.camera_entity_id,
            "status": camera.status.value,
            "detail": camera.status_detail,
            "available": camera.available,
            "faces_in_view": camera.faces_in_view,
            "motion": camera.motion,
            "analysis_rate": camera.analysis_rate,
            "detection_ms": camera.detection_ms,
            "encoding_ms": camera.encoding_ms,
        }
        for camera in hub.cameras.values()
        for subentry in [entry.subentries.get(camera.camera_id)]
    ]
    people = [
        {
            "person_id": person.person_id,
            "name": person.name,
            "encoding_count": len(person.encodings),
            "created": person.created.isoformat(),
            "last_seen": person.last_seen.isoformat() if person.last_seen else None,
        }
        for person in hub.gallery.people.values()
    ]
    return async_redact_data(
        {
            "title": entry.title,
            "options": dict(entry.options),
            "engine_error": hub.engine_error,
            "settings": {
                key: getattr(hub.settings, key) for key in hub.settings.__dataclass_fields__
            },
            "workers": {"pids": hub.pool.worker_pids},
            "cameras": cameras,
            "people": people,
            "unknown_faces": len(hub.gallery.unknown),
            "statistics": hub.statistics_snapshot(),
        },
        TO_REDACT,
    )
