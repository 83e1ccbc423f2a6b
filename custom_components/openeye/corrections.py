"""Not this person: an administrator says a recognition was somebody else.

Shared by the service ``openeye.not_this_person`` and the websocket command
``openeye/recognitions/correct``. The recognised face becomes a
counter-example of the person (the workers then refuse a look-alike that is
closer to it than to the person), the visit is withdrawn (sightings.py takes
back the counts and the presence it brought) and the face becomes an unknown
face through the gallery's one door for them, ``GalleryStore.add_unknown``.
Everything is written before the answer, then announced.
"""

from __future__ import annotations

from typing import Any
import uuid

from .const import CONF_UNKNOWN_RETENTION_COUNT, CONF_UNKNOWN_RETENTION_DAYS
from .gallery_store import UnknownFaceRecord
from .hub import OpenEyeHub


async def async_not_this_person(hub: OpenEyeHub, recognition_id: str) -> dict[str, Any]:
    """Correct one kept recognition; return its id, the person's, the new unknown face's.

    An unknown or already corrected id is refused with ``unknown_recognition``
    before anything changes.
    """
    gallery = hub.gallery
    record = gallery.get_recognition(recognition_id)
    person = gallery.add_counter_example(record.person_id, record.encoding)
    unknown = UnknownFaceRecord(
        unknown_id=uuid.uuid4().hex,
        camera_id=record.camera_id,
        camera_name=record.camera_name,
        timestamp=record.timestamp,
        encoding=record.encoding,
        crop=record.crop,
        best_distance=record.distance,
    )
    gallery.add_unknown(
        unknown,
        int(hub.option(CONF_UNKNOWN_RETENTION_DAYS)),
        int(hub.option(CONF_UNKNOWN_RETENTION_COUNT)),
    )
    del gallery.recognitions[record.recognition_id]
    withdrawn = hub.sightings.withdraw(record, person)
    await gallery.async_save()
    hub.announcer.announce(withdrawn)
    await hub.async_gallery_changed()
    # add_unknown puts the face with a stranger once strangers are grouped
    # (issue 12's other part); until then there is none to name.
    stranger = getattr(unknown, "stranger_id", None)
    return {
        "recognition_id": record.recognition_id,
        "person_id": person.person_id,
        "unknown_id": unknown.unknown_id,
        "stranger_id": stranger if isinstance(stranger, str) else None,
    }
