"""OpenEye's translated errors, shared by services and websocket commands."""

from __future__ import annotations

from homeassistant.exceptions import ServiceValidationError

from .const import DOMAIN

# What a websocket client receives as the error code for each translation key
# that is not already a code of its own.
WEBSOCKET_CODES: dict[str, str] = {
    "person_not_found": "not_found",
    "unknown_face_not_found": "not_found",
    "camera_not_found": "not_found",
}


class OpenEyeValidationError(ServiceValidationError):
    """A user's request that OpenEye refuses, with a translated message.

    The translation key doubles as a stable error code for websocket clients.
    """

    def __init__(self, key: str, placeholders: dict[str, str] | None = None) -> None:
        """Create the error from its translation key and placeholders."""
        super().__init__(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders,
        )
        self.key = key

    @property
    def code(self) -> str:
        """Return the websocket error code for this error."""
        return WEBSOCKET_CODES.get(self.key, self.key)
