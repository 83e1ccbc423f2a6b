"""Diagnostics for OpenEye: figures and states, and nothing personal.

Diagnostics are built from fields known to be harmless (counts, states,
timings, random ids), never by copying OpenEye's state and redacting the keys
known to be sensitive: a field added later cannot leak by being forgotten.
They hold no person's name, face or encoding, no camera name and no address
(addresses carry passwords). That matters beyond good manners: before Home
Assistant 2026.x, any signed-in user could download an integration's
diagnostics, administrator or not.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from homeassistant.core import HomeAssistant

from .const import CONF_SOURCE_TYPE, CONF_URL
from .hub import OpenEyeConfigEntry
from .options import checked_options


def _scheme(url: object) -> str | None:
    """Return how a camera's address is read (rtsp, http, file…), without the address."""
    if not isinstance(url, str):
        return None
    scheme = urlsplit(url).scheme.lower()
    return scheme or "file"


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: OpenEyeConfigEntry
) -> dict[str, Any]:
    """Return what helps to understand a problem, without anyone's face, name or address."""
    hub = entry.runtime_data
    options, invalid_options = checked_options(entry.options)
    cameras = []
    for camera in hub.cameras.values():
        subentry = entry.subentries.get(camera.camera_id)
        data = subentry.data if subentry is not None else {}
        cameras.append(
            {
                "camera_id": camera.camera_id,
                "source_type": data.get(CONF_SOURCE_TYPE),
                "scheme": _scheme(data.get(CONF_URL)),
                "status": camera.status.value,
                # A code such as "unauthorized", never the address or a message.
                "reason": camera.status_reason,
                "available": camera.available,
                "faces_in_view": camera.faces_in_view,
                "motion": camera.motion,
                "analysis_rate": camera.analysis_rate,
                "detection_ms": camera.detection_ms,
                "encoding_ms": camera.encoding_ms,
            }
        )
    faces_per_stranger = Counter(face.stranger_id for face in hub.gallery.unknown.values())
    people = [
        {
            "person_id": person.person_id,
            "encoding_count": len(person.encodings),
            "counter_example_count": len(person.counter_examples),
            "created": person.created.isoformat(),
            "last_seen": person.last_seen.isoformat() if person.last_seen else None,
        }
        for person in hub.gallery.people.values()
    ]
    return {
        "options": options,
        "invalid_options": invalid_options,
        "engine_error": hub.engine_error,
        "settings": {key: getattr(hub.settings, key) for key in hub.settings.__dataclass_fields__},
        "workers": {
            "pids": hub.pool.worker_pids,
            "restarts": hub.pool.restarts,
            # Which worker process reads which camera: a support question
            # when one camera slows the others down.
            "cameras": {str(pid): ids for pid, ids in hub.pool.cameras_by_worker.items()},
        },
        "cameras": cameras,
        # Remote workers by the name they chose; their broker's address and
        # credentials are the mqtt integration's, and never in a status.
        "remote_workers": {
            "listening": hub.remote_workers.listening,
            "malformed_statuses": hub.remote_workers.malformed,
            "workers": [
                {
                    "name": worker.name,
                    "state": worker.state.value,
                    "version": worker.version,
                    "cores": worker.cores,
                    "capacity": worker.capacity,
                    "cameras": len(worker.cameras),
                    "malformed": worker.malformed,
                    "heartbeat": worker.heartbeat,
                    "last_heartbeat": (
                        worker.last_heartbeat.isoformat() if worker.last_heartbeat else None
                    ),
                }
                for worker in hub.remote_workers.workers.values()
            ],
        },
        "people": people,
        "unknown_faces": len(hub.gallery.unknown),
        # How the unknown faces group: a stranger per person is the aim, so
        # many one-face strangers or one very large one are worth a look.
        "strangers": sorted(
            (faces_per_stranger[stranger_id] for stranger_id in hub.gallery.strangers),
            reverse=True,
        ),
        "recognitions_kept": len(hub.gallery.recognitions),
        "statistics": {
            "known_people": len(hub.gallery.people),
            "recognitions_today": hub.statistics.recognitions_today,
            "unknown_faces_today": hub.statistics.unknown_faces_today,
            "strangers_today": hub.statistics.strangers_today,
        },
    }
