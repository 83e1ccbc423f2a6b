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

from .gallery_records import UnknownFaceRecord
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
    stranger = hub.sightings.keep_unknown(unknown)
    del gallery.recognitions[record.recognition_id]
    withdrawn = hub.sightings.withdraw(record, person, stranger)
    await gallery.async_save()
    hub.announcer.announce(withdrawn)
    await hub.async_gallery_changed()
    return {
        "recognition_id": record.recognition_id,
        "person_id": person.person_id,
        "unknown_id": unknown.unknown_id,
        # The retention prune may drop the face at once (the kept faces are
        # full and all newer); its stranger then went with it.
        "stranger_id": stranger.stranger_id if unknown.unknown_id in gallery.unknown else None,
    }
