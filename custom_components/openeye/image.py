"""OpenEye's image entity per camera: the latest face it saw, served by Home Assistant."""

from __future__ import annotations

from datetime import datetime

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import OpenEyeCameraEntity, async_add_camera_entities
from .hub import OpenEyeConfigEntry, OpenEyeHub

# Entities are pushed by the hub; Home Assistant never polls them.
PARALLEL_UPDATES = 0

DESCRIPTION = ImageEntityDescription(key="latest_face", translation_key="latest_face")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenEyeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an image entity per camera, as cameras come."""
    hub = entry.runtime_data
    async_add_camera_entities(
        entry, async_add_entities, lambda camera_id: [LatestFaceImage(hub, camera_id)]
    )


class LatestFaceImage(OpenEyeCameraEntity, ImageEntity):
    """The newest face crop of a camera, recognised or not.

    Served through Home Assistant's authenticated image proxy; OpenEye's bus
    events point to it instead of opening an endpoint of their own.
    """

    _attr_content_type = "image/jpeg"

    def __init__(self, hub: OpenEyeHub, camera_id: str) -> None:
        """Describe the entity and prepare the image proxy's access tokens."""
        OpenEyeCameraEntity.__init__(self, hub, camera_id, DESCRIPTION)
        ImageEntity.__init__(self, hub.hass)

    async def async_added_to_hass(self) -> None:
        """Tell the hub where the camera's faces are served."""
        await super().async_added_to_hass()
        if (camera := self.camera) is not None:
            camera.image_entity_id = self.entity_id

    @property
    def image_last_updated(self) -> datetime | None:
        """Return when the latest face was seen."""
        camera = self.camera
        return camera.latest_face.updated if camera and camera.latest_face else None

    async def async_image(self) -> bytes | None:
        """Return the latest face as JPEG bytes."""
        camera = self.camera
        return camera.latest_face.jpeg if camera and camera.latest_face else None
