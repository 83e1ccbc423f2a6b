"""What OpenEye knows about one camera while it runs: status, faces, motion, figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .facts import CameraRef
from .pipeline.messages import SourceStatus


@dataclass(slots=True)
class LatestFace:
    """The newest face crop of a camera, shown by its image entity."""

    jpeg: bytes = field(repr=False)
    updated: datetime
    person_name: str | None


@dataclass(slots=True)
class CameraState:
    """Runtime state of one camera (a config subentry).

    Faces in view are the tracks the pipeline has open; a track counts from its
    ``face_detected`` to its ``face_lost``.
    """

    camera_id: str
    name: str
    camera_entity_id: str | None
    status: SourceStatus = SourceStatus.CONNECTING
    status_detail: str | None = None
    # Why the camera is not streaming, as a stable code (see SourceStatusChanged.reason).
    status_reason: str | None = None
    tracks: dict[int, str | None] = field(default_factory=dict)
    motion: bool = False
    last_person_name: str | None = None
    analysis_rate: float = 0.0
    detection_ms: float | None = None
    encoding_ms: float | None = None
    latest_face: LatestFace | None = None
    # Where the image entity serves the latest face, once it is added.
    image_entity_id: str | None = None
    # When each person was last recognised here, to count a continuous
    # sighting as one recognition.
    last_recognised: dict[str, datetime] = field(default_factory=dict)
    failed_since: datetime | None = None

    @property
    def available(self) -> bool:
        """Return whether the camera delivers frames; its entities follow this."""
        return self.status is SourceStatus.STREAMING

    @property
    def ref(self) -> CameraRef:
        """Return how facts about this camera name it."""
        return CameraRef(self.camera_id, self.name, self.camera_entity_id)

    @property
    def faces_in_view(self) -> int:
        """Return the number of faces being tracked now."""
        return len(self.tracks)

    def as_statistics(self) -> dict[str, Any]:
        """Return the camera's part of OpenEye's statistics: what a dashboard shows.

        The analysis rate and other diagnostic figures are not in it: they
        move with every measurement and travel in ``camera_figures`` pushes.
        """
        return {
            "camera_id": self.camera_id,
            "name": self.name,
            "status": self.status.value,
            "faces_in_view": self.faces_in_view,
            "motion": self.motion,
            "last_person": self.last_person_name,
        }
