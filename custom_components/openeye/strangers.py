"""Recurring strangers as users see them: listed, assigned to a person, deleted.

Shared by the websocket commands and the services, so both answer and refuse
alike. Grouping itself happens where faces are stored
(GalleryStore.add_unknown); here a stranger is named: its best faces are
taught, the stranger goes, and the past is named (past_sightings.py).
"""

from __future__ import annotations

from typing import Any

from .const import FACES_TAUGHT_PER_STRANGER
from .errors import OpenEyeValidationError
from .gallery_records import StrangerRecord, UnknownFaceRecord, base64_text
from .gallery_store import MAX_ENCODINGS_PER_PERSON
from .hub import OpenEyeHub
from .past_sightings import async_name_the_past
from .pipeline.grouping import best_faces


def chosen_faces(faces: list[UnknownFaceRecord]) -> list[UnknownFaceRecord]:
    """Return the faces of a stranger worth teaching, best first (see grouping.best_faces)."""
    limit = min(FACES_TAUGHT_PER_STRANGER, MAX_ENCODINGS_PER_PERSON)
    chosen = best_faces(
        [face.encoding for face in faces], [face.face_size for face in faces], limit
    )
    return [faces[index] for index in chosen]


def listed(hub: OpenEyeHub) -> list[dict[str, Any]]:
    """Return every stranger as ``openeye/strangers/list`` shows it, newest first."""
    gallery = hub.gallery
    strangers = sorted(gallery.strangers.values(), key=lambda s: s.last_seen, reverse=True)
    result = []
    for stranger in strangers:
        faces = gallery.stranger_faces(stranger.stranger_id)
        best = chosen_faces(faces)[:1]
        result.append(
            {
                "stranger_id": stranger.stranger_id,
                "label": stranger.label,
                "first_seen": stranger.first_seen.isoformat(),
                "last_seen": stranger.last_seen.isoformat(),
                "visits": stranger.visits,
                "cameras": [
                    {"camera_id": camera_id, "camera_name": name}
                    for camera_id, name in hub.sightings.camera_list(stranger)
                ],
                "face_ids": [face.unknown_id for face in faces],
                "thumbnail": base64_text(best[0].crop) if best else None,
            }
        )
    return result


async def async_assign(
    hub: OpenEyeHub, stranger_id: str, *, name: str | None = None, person_id: str | None = None
) -> dict[str, Any]:
    """Teach a stranger's best faces to a new (``name``) or known person, then name the past.

    The stranger, the person and the names are checked before anything
    changes; the gallery is written before this returns.
    """
    if name is None and person_id is None:
        raise OpenEyeValidationError("name_or_person_required")
    gallery = hub.gallery
    stranger = gallery.get_stranger(stranger_id)
    if person_id is not None:
        gallery.get_person(person_id)
    else:
        gallery.new_name(name or "")
    faces = chosen_faces(gallery.stranger_faces(stranger.stranger_id))
    person, _stranger, records = await gallery.async_teach_stranger(
        stranger_id, faces, person_id=person_id, name=name
    )
    past = await async_name_the_past(hub, person.person_id, named=records)
    await hub.async_gallery_changed(added=person if person_id is None else None)
    return {
        "person_id": person.person_id,
        "name": person.name,
        "faces_taught": len(faces),
        "past_named": past,
    }


async def async_delete(hub: OpenEyeHub, stranger_id: str) -> StrangerRecord:
    """Forget a stranger and its faces; the gallery is written before this returns."""
    stranger = await hub.gallery.async_remove_stranger(stranger_id)
    hub.announcer.hub_changed()
    hub.announcer.statistics_changed()
    return stranger
