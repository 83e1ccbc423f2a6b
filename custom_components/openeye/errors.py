"""OpenEye's translated errors, shared by services and websocket commands."""

from __future__ import annotations

from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.core import Context
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError, Unauthorized

from .const import DOMAIN

# What a websocket client receives as the error code for each translation key
# that is not already a code of its own.
WEBSOCKET_CODES: dict[str, str] = {
    "person_not_found": "not_found",
    "unknown_face_not_found": "not_found",
    "camera_not_found": "not_found",
    "camera_filter_too_long": "invalid_format",
    "image_or_camera_required": "invalid_format",
    "name_or_person_required": "invalid_format",
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


class AdminRequiredError(ServiceValidationError, Unauthorized):
    """A user who is not an administrator asked for an action that changes the gallery.

    It is both kinds of error on purpose. As :class:`Unauthorized`, Home
    Assistant answers it over REST with 401. As a
    :class:`ServiceValidationError`, a websocket ``call_service`` answers it
    with a translated refusal and one log line: Home Assistant 2025.4 logs any
    other error of an action, Unauthorized included, with a full traceback, so
    a user who is not an administrator could fill the log. (2026.x logs one
    line for every error and answers 400 over REST, the validation error's
    status, which comes first in its handler.)
    """

    def __init__(self, context: Context) -> None:
        """Refuse the call made in ``context``."""
        # Unauthorized's own initialiser would drop the translation, so the
        # common base is initialised directly and its fields are set here.
        HomeAssistantError.__init__(
            self, translation_domain=DOMAIN, translation_key="admin_required"
        )
        self.context = context
        self.user_id = context.user_id
        self.entity_id = None
        self.config_entry_id = None
        self.perm_category = None
        self.permission = POLICY_CONTROL
