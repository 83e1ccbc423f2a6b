"""Naming the past: kept unknown faces that turn out to be a person who was just taught.

After any teaching (a photo, an unknown face, a stranger), every unknown face
still kept is decided again against the new gallery, with the workers' own
decision (pipeline/identity.py, as a track with one sample at its end). The
faces that are now the taught person stop being unknown: they leave their
strangers, the person's last sighting moves to them when they are later, and
one :class:`~.facts.PastNamed` fact says how many and where. Nothing is
rescanned from video: only what OpenEye kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .const import CONF_TOLERANCE
from .facts import PastNamed
from .pipeline.engine import ENCODING_SIZE
from .pipeline.identity import Recognised, decide

if TYPE_CHECKING:
    from .gallery_records import UnknownFaceRecord
    from .hub import OpenEyeHub
    from .pipeline.gallery import KnownFaces


def faces_of(
    known: KnownFaces, records: Iterable[UnknownFaceRecord], person_id: str, tolerance: float
) -> list[UnknownFaceRecord]:
    """Return the records a worker would now decide are ``person_id``.

    Each face is one track with one sample, decided at its end (``final``):
    the decision the workers make for a face seen once, counter-examples and
    all, since it is the same function with the same gallery (``decide``, fed
    the distances and refusals directly: through a new TrackIdentity per face
    a thousand kept faces took 157 ms of the event loop, this way 87 ms).
    """
    found: list[UnknownFaceRecord] = []
    if not known.people:
        return found
    for record in records:
        if len(record.encoding) != ENCODING_SIZE:
            continue
        # One face at a time: the differences of several faces at once with
        # every gallery encoding make a large array and were slower, not faster.
        encoding = np.asarray([record.encoding], dtype=np.float64)
        distances = known.person_distances(encoding)
        refused = known.refusals(encoding, distances)
        decision = decide(distances, known.people, tolerance, 1, final=True, refused=refused)
        if isinstance(decision, Recognised) and decision.person.person_id == person_id:
            found.append(record)
    return found


async def async_name_the_past(
    hub: OpenEyeHub, person_id: str, named: Sequence[UnknownFaceRecord] = ()
) -> dict[str, Any]:
    """Re-label the kept unknown faces that are ``person_id`` now; return what was named.

    ``named`` are faces already taken from the unknown ones for this person
    (a stranger's, when it is assigned): they count as named too. The gallery
    is written before this returns. The result is ``{"sightings": int,
    "cameras": [camera names]}``; a :class:`PastNamed` fact goes out when it
    named at least one.
    """
    gallery = hub.gallery
    person = gallery.get_person(person_id)
    matches = faces_of(
        gallery.known_faces(),
        list(gallery.unknown.values()),
        person_id,
        float(hub.option(CONF_TOLERANCE)),
    )
    if matches:
        await gallery.async_forget_unknown(matches)
    records = sorted([*named, *matches], key=lambda record: record.timestamp)
    if not records:
        return {"sightings": 0, "cameras": []}
    names = {camera_id: camera.name for camera_id, camera in hub.cameras.items()}
    cameras = list(
        dict.fromkeys(names.get(record.camera_id, record.camera_name) for record in records)
    )
    latest = records[-1]
    hub.sightings.seen_earlier(person_id, latest.timestamp, latest.camera_id)
    hub.announcer.announce_past_named(
        PastNamed(
            when=latest.timestamp,
            person_id=person_id,
            person_name=person.name,
            sightings=len(records),
            cameras=tuple(cameras),
            last_seen=person.last_seen,
        )
    )
    return {"sightings": len(records), "cameras": cameras}
