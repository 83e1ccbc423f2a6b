"""The gallery's records: a person, an unknown face, a stranger, a recent recognition.

Each record knows its JSON form in the gallery's storage file and how to be
built from it; gallery_store.py keeps them and decides what changes. Times
are stored as ISO 8601 with their zone, images as base64 text.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from homeassistant.util import dt as dt_util


def base64_text(data: bytes) -> str:
    """Return image bytes as base64 text, for storage and for JSON messages."""
    return base64.b64encode(data).decode("ascii")


@dataclass(slots=True)
class Person:
    """A taught person."""

    person_id: str
    name: str
    encodings: list[list[float]]
    thumbnail: bytes
    created: datetime
    person_entity_id: str | None = None
    last_seen: datetime | None = None
    last_camera_id: str | None = None
    # Encodings of faces an administrator said were not this person.
    counter_examples: list[list[float]] = field(default_factory=list, repr=False)

    def as_storage(self) -> dict[str, Any]:
        """Return the JSON form kept in storage."""
        return {
            "id": self.person_id,
            "name": self.name,
            "person_entity_id": self.person_entity_id,
            "encodings": self.encodings,
            "thumbnail": base64_text(self.thumbnail),
            "created": self.created.isoformat(),
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "last_camera_id": self.last_camera_id,
            "counter_examples": self.counter_examples,
        }

    @classmethod
    def from_storage(cls, data: dict[str, Any]) -> Person:
        """Build a person from its stored JSON form."""
        last_seen = data.get("last_seen")
        return cls(
            person_id=data["id"],
            name=data["name"],
            person_entity_id=data.get("person_entity_id"),
            encodings=[list(map(float, enc)) for enc in data["encodings"]],
            thumbnail=base64.b64decode(data.get("thumbnail") or ""),
            created=parse_time(data["created"]),
            last_seen=parse_time(last_seen) if last_seen else None,
            last_camera_id=data.get("last_camera_id"),
            counter_examples=[list(map(float, enc)) for enc in data.get("counter_examples", [])],
        )


@dataclass(slots=True)
class UnknownFaceRecord:
    """A face nobody taught, kept for a while so that it can be named later."""

    unknown_id: str
    camera_id: str
    camera_name: str
    timestamp: datetime
    encoding: list[float] = field(repr=False)
    crop: bytes = field(repr=False)
    best_distance: float | None = None
    # The stranger it belongs to; set by GalleryStore.add_unknown.
    stranger_id: str = ""
    # The face box's area in pixels (0 when unknown): how much detail it holds.
    face_size: int = 0

    def as_storage(self) -> dict[str, Any]:
        """Return the JSON form kept in storage."""
        return {
            "id": self.unknown_id,
            "camera_id": self.camera_id,
            "camera_name": self.camera_name,
            "timestamp": self.timestamp.isoformat(),
            "encoding": self.encoding,
            "crop": base64_text(self.crop),
            "best_distance": self.best_distance,
            "stranger_id": self.stranger_id,
            "face_size": self.face_size,
        }

    @classmethod
    def from_storage(cls, data: dict[str, Any]) -> UnknownFaceRecord:
        """Build a record from its stored JSON form."""
        return cls(
            unknown_id=data["id"],
            camera_id=data["camera_id"],
            camera_name=data.get("camera_name", ""),
            timestamp=parse_time(data["timestamp"]),
            encoding=list(map(float, data["encoding"])),
            crop=base64.b64decode(data.get("crop") or ""),
            best_distance=data.get("best_distance"),
            stranger_id=data.get("stranger_id") or "",
            face_size=int(data.get("face_size") or 0),
        )


@dataclass(slots=True)
class StrangerRecord:
    """Unknown faces of one person nobody taught, seen on one or more visits."""

    stranger_id: str
    label: str
    first_seen: datetime
    last_seen: datetime
    # How many times the stranger was reported as an unknown face.
    visits: int
    # The cameras where the stranger was seen (id: name when last seen there).
    cameras: dict[str, str]

    def seen(self, when: datetime, camera_id: str, camera_name: str) -> None:
        """Take one more sighting into account (not a visit: see GalleryStore.add_unknown)."""
        self.first_seen = min(self.first_seen, when)
        self.last_seen = max(self.last_seen, when)
        self.cameras = {**self.cameras, camera_id: camera_name}

    def camera_list(self, current_names: Mapping[str, str]) -> list[tuple[str, str]]:
        """Return (camera id, name) of the cameras, under their current names where known."""
        return [
            (camera_id, current_names.get(camera_id, name))
            for camera_id, name in self.cameras.items()
        ]

    def as_storage(self) -> dict[str, Any]:
        """Return the JSON form kept in storage."""
        return {
            "id": self.stranger_id,
            "label": self.label,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "visits": self.visits,
            "cameras": self.cameras,
        }

    @classmethod
    def from_storage(cls, data: dict[str, Any]) -> StrangerRecord:
        """Build a stranger from its stored JSON form."""
        return cls(
            stranger_id=data["id"],
            label=data["label"],
            first_seen=parse_time(data["first_seen"]),
            last_seen=parse_time(data["last_seen"]),
            visits=int(data.get("visits", 1)),
            cameras=dict(data.get("cameras", {})),
        )


@dataclass(slots=True)
class RecognitionRecord:
    """A recent recognition (the first of a visit), kept so that it can be corrected."""

    recognition_id: str
    person_id: str
    camera_id: str
    camera_name: str
    timestamp: datetime
    encoding: list[float] = field(repr=False)
    crop: bytes = field(repr=False)
    distance: float | None = None
    # Where the person was last seen before this visit began, so that
    # withdrawing the visit can give it back.
    previous_seen: datetime | None = None
    previous_camera_id: str | None = None

    def as_storage(self) -> dict[str, Any]:
        """Return the JSON form kept in storage."""
        return {
            "id": self.recognition_id,
            "person_id": self.person_id,
            "camera_id": self.camera_id,
            "camera_name": self.camera_name,
            "timestamp": self.timestamp.isoformat(),
            "encoding": self.encoding,
            "crop": base64_text(self.crop),
            "distance": self.distance,
            "previous_seen": self.previous_seen.isoformat() if self.previous_seen else None,
            "previous_camera_id": self.previous_camera_id,
        }

    @classmethod
    def from_storage(cls, data: dict[str, Any]) -> RecognitionRecord:
        """Build a record from its stored JSON form."""
        previous = data.get("previous_seen")
        return cls(
            recognition_id=data["id"],
            person_id=data["person_id"],
            camera_id=data["camera_id"],
            camera_name=data.get("camera_name", ""),
            timestamp=parse_time(data["timestamp"]),
            encoding=list(map(float, data["encoding"])),
            crop=base64.b64decode(data.get("crop") or ""),
            distance=data.get("distance"),
            previous_seen=parse_time(previous) if previous else None,
            previous_camera_id=data.get("previous_camera_id"),
        )


def parse_time(value: str) -> datetime:
    """Parse a stored ISO time; stored times always carry their zone."""
    parsed = dt_util.parse_datetime(value)
    if parsed is None:
        raise ValueError(f"Invalid stored time {value!r}")
    return parsed
