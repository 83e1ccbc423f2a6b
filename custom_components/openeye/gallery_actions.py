"""Teaching OpenEye: enroll, rename, remove and assign faces, and scan a camera.

Every teaching ends by naming the past (past_sightings.py).

Shared by the services and the websocket commands, so both refuse bad input
with the same translated errors. Images are analysed in a worker process at
full resolution; only file and network I/O happen in Home Assistant.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homeassistant.components.camera import async_get_image
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .allowed_paths import path_refusal
from .const import MAX_ENROLL_IMAGE_BYTES
from .errors import OpenEyeValidationError
from .gallery_records import Person
from .hub import OpenEyeHub
from .past_sightings import async_name_the_past
from .pipeline.images import MAX_IMAGE_PIXELS, MAX_PNG_PIXELS
from .pipeline.messages import ImageAnalysis, StillFace
from .pipeline.pool import WorkerUnavailableError

# How long a still image may take to analyse, start-up of a worker included.
ANALYSIS_TIMEOUT = 120.0

# The limits a refusal states, as numbers only: each language words the units.
IMAGE_LIMITS = {
    "megabytes": str(MAX_ENROLL_IMAGE_BYTES // (1024 * 1024)),
    "megapixels": str(MAX_IMAGE_PIXELS // 1_000_000),
    "png_megapixels": str(MAX_PNG_PIXELS // 1_000_000),
}


@dataclass(slots=True)
class EnrollResult:
    """The person a face was taught to, and whether they were new."""

    person: Person
    created: bool

    def as_dict(self) -> dict[str, Any]:
        """Return the result as service response or websocket result."""
        return {
            "person_id": self.person.person_id,
            "name": self.person.name,
            "created": self.created,
        }


def _read_allowed_file(hass: HomeAssistant, name: str) -> bytes:
    """Read an image file inside the allowed folders, refusing one over the enrollment limit.

    Runs in an executor thread: checking the allowlist resolves links on disk.
    """
    if refusal := path_refusal(hass, name):
        raise OpenEyeValidationError(*refusal)
    path = Path(name)
    if not path.is_file():
        raise OpenEyeValidationError("file_not_found", {"path": str(path)})
    if path.stat().st_size > MAX_ENROLL_IMAGE_BYTES:
        raise OpenEyeValidationError("image_too_large", IMAGE_LIMITS)
    return path.read_bytes()


async def async_image_from_path(hass: HomeAssistant, path: str) -> bytes:
    """Return the bytes of an image file inside Home Assistant's allowed folders."""
    return await hass.async_add_executor_job(_read_allowed_file, hass, path)


async def async_image_from_camera(hass: HomeAssistant, entity_id: str) -> bytes:
    """Return a snapshot of a camera entity taken now."""
    if hass.states.get(entity_id) is None:
        raise OpenEyeValidationError("camera_not_found", {"entity_id": entity_id})
    try:
        image = await async_get_image(hass, entity_id)
    except HomeAssistantError as err:
        raise OpenEyeValidationError(
            "camera_unavailable", {"entity_id": entity_id, "error": str(err)}
        ) from err
    return image.content


async def async_analyze(hub: OpenEyeHub, data: bytes) -> ImageAnalysis:
    """Analyse a still image in a worker; refuse what is not an image."""
    if len(data) > MAX_ENROLL_IMAGE_BYTES:
        raise OpenEyeValidationError("image_too_large", IMAGE_LIMITS)
    try:
        analysis = await hub.pool.async_analyze_image(data, timeout=ANALYSIS_TIMEOUT)
    except (WorkerUnavailableError, TimeoutError) as err:
        raise HomeAssistantError(
            translation_domain="openeye",
            translation_key="analysis_failed",
            translation_placeholders={"error": str(err) or type(err).__name__},
        ) from err
    if analysis.error == "image_too_large":
        raise OpenEyeValidationError("image_too_large", IMAGE_LIMITS)
    if analysis.error is not None:
        raise OpenEyeValidationError("not_an_image", {"detail": analysis.error_detail or ""})
    return analysis


def single_face(analysis: ImageAnalysis) -> StillFace:
    """Return the one face of an enrollment photo, or refuse none or several."""
    if not analysis.faces:
        raise OpenEyeValidationError("no_face")
    if len(analysis.faces) > 1:
        raise OpenEyeValidationError("several_faces", {"count": str(len(analysis.faces))})
    return analysis.faces[0]


async def async_enroll(
    hub: OpenEyeHub,
    *,
    data: bytes | None = None,
    unknown_id: str | None = None,
    name: str | None = None,
    person_id: str | None = None,
    person_entity_id: str | None = None,
) -> EnrollResult:
    """Teach a face: from image bytes or a stored unknown face, to a new or existing person.

    Exactly one of ``data`` and ``unknown_id``, and one of ``name`` (a new
    person) and ``person_id`` (add a photo to someone known), are given. The
    gallery is written before this returns.
    """
    gallery = hub.gallery
    existing = gallery.get_person(person_id) if person_id is not None else None
    if existing is None:
        # The name is checked before any image work: a refusal costs nothing.
        name = gallery.new_name(name or "")
    if unknown_id is not None:
        record = gallery.get_unknown(unknown_id)
        encoding, thumbnail = record.encoding, record.crop
    else:
        face = single_face(await async_analyze(hub, data or b""))
        encoding, thumbnail = list(face.encoding), face.crop_jpeg
    if existing is not None:
        person = await gallery.async_add_encoding(existing.person_id, encoding)
        created = False
    else:
        person = await gallery.async_add_person(
            name or "", encoding, thumbnail, person_entity_id=person_entity_id
        )
        created = True
    if unknown_id is not None:
        await gallery.async_remove_unknown(unknown_id)
    # Kept unknown faces that are this person now are theirs (naming the past).
    await async_name_the_past(hub, person.person_id)
    await hub.async_gallery_changed(added=person if created else None)
    return EnrollResult(person, created)


async def async_rename(hub: OpenEyeHub, person_id: str, name: str) -> Person:
    """Rename a person; the gallery is written before this returns."""
    person = await hub.gallery.async_rename(person_id, name)
    await hub.async_gallery_changed()
    return person


async def async_remove(hub: OpenEyeHub, person_id: str) -> Person:
    """Remove a person, their encodings and their device."""
    person = await hub.gallery.async_remove_person(person_id)
    await hub.async_person_removed(person)
    return person


async def async_scan(hub: OpenEyeHub, data: bytes) -> dict[str, Any]:
    """Analyse one image and describe every face in it, known or not."""
    analysis = await async_analyze(hub, data)
    return {
        "width": analysis.width,
        "height": analysis.height,
        "faces": [
            {
                "person_id": face.person_id,
                "person_name": face.person_name,
                "distance": round(face.distance, 3) if face.distance is not None else None,
                "confidence": round(face.confidence, 3) if face.confidence is not None else None,
                "box": list(face.box),
            }
            for face in analysis.faces
        ],
    }
