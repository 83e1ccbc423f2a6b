"""What OpenEye tells the world, one frozen dataclass per kind of fact.

Sightings (sightings.py) and camera health (camera_health.py) decide that
something happened and build one of these; the announcer (announcer.py) turns
it into everything that carries it: the event on Home Assistant's bus, the
camera's event entity and the websocket push. Each fact has one name, its
``event_type``, on all of them (the bus event is ``openeye_<event_type>``).
News about the gallery rather than a camera (:class:`PastNamed`) goes on the
bus and to subscribers only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from .const import (
    CAMERA_DOWN,
    FACE_DETECTED,
    FACE_RECOGNIZED,
    MOTION_DETECTED,
    PAST_NAMED,
    RECOGNITION_WITHDRAWN,
    UNKNOWN_FACE,
)

type Box = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class CameraRef:
    """Which camera a fact is about, as events and pushes name it."""

    camera_id: str
    name: str
    # The Home Assistant camera entity OpenEye reads, when it reads one.
    entity_id: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """Something that happened at a camera, at a moment.

    ``on_bus`` and ``on_entity`` say which doors besides the websocket push
    carry the fact; ``decided_at`` is when the worker decided (for decisions),
    so that a client can tell how long the news took.
    """

    event_type: ClassVar[str]
    on_bus: ClassVar[bool] = True
    on_entity: ClassVar[bool] = True

    camera: CameraRef
    when: datetime
    decided_at: float | None = None

    def data(self) -> dict[str, Any]:
        """Return the fields particular to this kind of fact, as JSON values."""
        return {}

    def thumbnail(self) -> bytes | None:
        """Return the face's own JPEG, pushed with the fact, if it has one."""
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Recognition(Fact):
    """A taught person appeared: the first recognition of a visit."""

    event_type: ClassVar[str] = FACE_RECOGNIZED

    person_id: str
    person_name: str
    confidence: float
    distance: float
    best_distance: float
    box: Box
    track_id: int
    image_url: str | None
    crop_jpeg: bytes
    # The recognition's own id, for "not this person" (openeye/recognitions/correct).
    recognition_id: str

    def data(self) -> dict[str, Any]:
        """Return who, how surely, where in the picture and where to see the face."""
        return {
            "recognition_id": self.recognition_id,
            "person_id": self.person_id,
            "person_name": self.person_name,
            "confidence": round(self.confidence, 3),
            "distance": round(self.distance, 3),
            "best_distance": round(self.best_distance, 3),
            "box": list(self.box),
            "track_id": self.track_id,
            "image_url": self.image_url,
        }

    def thumbnail(self) -> bytes | None:
        """Return the recognised face."""
        return self.crop_jpeg


@dataclass(frozen=True, slots=True, kw_only=True)
class Stranger(Fact):
    """A face nobody taught appeared: once per stranger and visit, an alert."""

    event_type: ClassVar[str] = UNKNOWN_FACE

    unknown_face_id: str
    # The distance to the closest taught face, when anyone is taught.
    best_distance: float | None
    box: Box
    track_id: int
    image_url: str | None
    crop_jpeg: bytes
    # The recurring stranger the face belongs to, its visits counting this
    # one and the names of the cameras where it was seen.
    stranger_id: str
    stranger_label: str
    stranger_visits: int
    stranger_cameras: tuple[str, ...]
    # The person the face would have been taken for, had their counter-examples
    # not refused it (a look-alike once corrected), and their name.
    refused_person_id: str | None = None
    refused_person_name: str | None = None

    def data(self) -> dict[str, Any]:
        """Return the stored face's id (to teach it later) and where to see it."""
        return {
            "person_id": None,
            "person_name": None,
            "unknown_face_id": self.unknown_face_id,
            "confidence": None,
            "distance": round(self.best_distance, 3) if self.best_distance is not None else None,
            "box": list(self.box),
            "track_id": self.track_id,
            "image_url": self.image_url,
            # A stranger is always worth a notification: clients need no
            # second push to know it is an alert.
            "alert": True,
            "stranger_id": self.stranger_id,
            "stranger_label": self.stranger_label,
            "stranger_visits": self.stranger_visits,
            "stranger_cameras": list(self.stranger_cameras),
            "refused_person_id": self.refused_person_id,
            "refused_person_name": self.refused_person_name,
        }

    def thumbnail(self) -> bytes | None:
        """Return the stranger's face."""
        return self.crop_jpeg


@dataclass(frozen=True, slots=True, kw_only=True)
class RecognitionWithdrawn(Fact):
    """An administrator said a recognition was not that person: its visit is withdrawn.

    Not an event entity's event: automations that followed the recognition
    listen on the bus, and dashboards mark the recognition from the push.
    """

    event_type: ClassVar[str] = RECOGNITION_WITHDRAWN
    on_entity: ClassVar[bool] = False

    recognition_id: str
    person_id: str
    person_name: str

    def data(self) -> dict[str, Any]:
        """Return which recognition of whom, at which camera, was withdrawn."""
        return {
            "recognition_id": self.recognition_id,
            "person_id": self.person_id,
            "person_name": self.person_name,
            "camera_id": self.camera.camera_id,
            "camera_name": self.camera.name,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class MotionDetected(Fact):
    """Motion started at a camera."""

    event_type: ClassVar[str] = MOTION_DETECTED


@dataclass(frozen=True, slots=True, kw_only=True)
class FaceInView(Fact):
    """A face came into view (not yet known or unknown); for live views only."""

    event_type: ClassVar[str] = FACE_DETECTED
    on_bus: ClassVar[bool] = False
    on_entity: ClassVar[bool] = False

    track_id: int
    box: Box

    def data(self) -> dict[str, Any]:
        """Return where the face is."""
        return {"track_id": self.track_id, "box": list(self.box)}


@dataclass(frozen=True, slots=True, kw_only=True)
class CameraDown(Fact):
    """A camera that delivered frames stopped; pushed as an alert only.

    Home Assistant already shows it: the camera's entities become unavailable
    and its stream status sensor says why.
    """

    event_type: ClassVar[str] = CAMERA_DOWN
    on_bus: ClassVar[bool] = False
    on_entity: ClassVar[bool] = False

    status: str
    detail: str | None

    def data(self) -> dict[str, Any]:
        """Return the camera's status and what went wrong."""
        return {"status": self.status, "detail": self.detail}


@dataclass(frozen=True, slots=True, kw_only=True)
class PastNamed:
    """Unknown faces kept from earlier turned out to be a person just taught.

    Not a camera's fact: it goes on the bus and to websocket subscribers, not
    to a camera's event entity.
    """

    event_type: ClassVar[str] = PAST_NAMED

    when: datetime
    person_id: str
    person_name: str
    # How many kept sightings were re-labelled, and at which cameras (names).
    sightings: int
    cameras: tuple[str, ...]
    # The person's last sighting after the re-labelling.
    last_seen: datetime | None

    def data(self) -> dict[str, Any]:
        """Return who was named, in how many earlier sightings and where."""
        return {
            "person_id": self.person_id,
            "person_name": self.person_name,
            "sightings": self.sightings,
            "cameras": list(self.cameras),
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
        }
