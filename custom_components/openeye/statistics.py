"""OpenEye's daily figures: recognitions, unknown faces, strangers, the last recognition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from homeassistant.util import dt as dt_util


@dataclass(slots=True)
class LastRecognition:
    """Who was recognised last, where and how surely."""

    person_id: str
    person_name: str
    camera_id: str
    camera_name: str
    confidence: float
    distance: float
    timestamp: datetime
    image_url: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form used in statistics, storage and attributes."""
        return {
            "person_id": self.person_id,
            "person_name": self.person_name,
            "camera_id": self.camera_id,
            "camera_name": self.camera_name,
            "confidence": round(self.confidence, 3),
            "distance": round(self.distance, 3),
            "timestamp": self.timestamp.isoformat(),
            "image_url": self.image_url,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LastRecognition | None:
        """Build it from its JSON form, or None when the data is unusable."""
        try:
            timestamp = dt_util.parse_datetime(data["timestamp"])
            if timestamp is None:
                return None
            return cls(
                person_id=data["person_id"],
                person_name=data["person_name"],
                camera_id=data["camera_id"],
                camera_name=data["camera_name"],
                confidence=float(data["confidence"]),
                distance=float(data["distance"]),
                timestamp=timestamp,
                image_url=data.get("image_url"),
            )
        except (KeyError, TypeError, ValueError):
            return None


class DailyStatistics:
    """Counters that start again at local midnight, and the last recognition.

    They are kept in the gallery's storage, so that a restart in the middle of
    the day does not lose the day's figures.
    """

    def __init__(self) -> None:
        """Start with a fresh day."""
        self.day: date = dt_util.now().date()
        self.recognitions_today = 0
        self.unknown_faces_today = 0
        # The strangers seen today, by id: a stranger seen twice counts once.
        self.strangers_seen: set[str] = set()
        self.last_recognition: LastRecognition | None = None

    @property
    def strangers_today(self) -> int:
        """Return how many distinct strangers were seen today."""
        return len(self.strangers_seen)

    def restore(self, data: dict[str, Any]) -> None:
        """Take over stored figures when they belong to today."""
        if data.get("day") == self.day.isoformat():
            self.recognitions_today = int(data.get("recognitions_today", 0))
            self.unknown_faces_today = int(data.get("unknown_faces_today", 0))
            self.strangers_seen = {str(item) for item in data.get("strangers_seen", [])}
        if isinstance(last := data.get("last_recognition"), dict):
            self.last_recognition = LastRecognition.from_dict(last)

    def as_storage(self) -> dict[str, Any]:
        """Return the figures as kept in storage."""
        return {
            "day": self.day.isoformat(),
            "recognitions_today": self.recognitions_today,
            "unknown_faces_today": self.unknown_faces_today,
            "strangers_seen": sorted(self.strangers_seen),
            "last_recognition": self.last_recognition.as_dict() if self.last_recognition else None,
        }

    def start_new_day(self) -> bool:
        """Reset the counters when the local date changed; return whether it did."""
        today = dt_util.now().date()
        if today == self.day:
            return False
        self.day = today
        self.recognitions_today = 0
        self.unknown_faces_today = 0
        self.strangers_seen = set()
        return True
