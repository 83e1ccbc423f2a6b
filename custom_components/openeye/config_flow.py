"""Config flow for OpenEye: the single hub entry and its options."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
)

# Home Assistant 2026.x validates with probatio and aliases this import to it, with
# the same schema API; 2025.4 has voluptuous itself. Both run the same schemas.
import voluptuous as vol

from .camera_probe import async_probe_camera_entity, async_probe_url, async_validate_url
from .const import (
    CONF_CAMERA_ENTITY_ID,
    CONF_DETECTION_RATE,
    CONF_DETECTION_SCALE,
    CONF_MAX_SUBSCRIPTIONS,
    CONF_MIN_FACE_SIZE,
    CONF_MOTION_SENSITIVITY,
    CONF_PRESENCE_TIMEOUT,
    CONF_SOURCE_TYPE,
    CONF_TOLERANCE,
    CONF_UNKNOWN_RETENTION_COUNT,
    CONF_UNKNOWN_RETENTION_DAYS,
    CONF_URL,
    DEFAULT_NAME,
    DOMAIN,
    OPTION_DEFAULTS,
    SOURCE_TYPE_ENTITY,
    SOURCE_TYPE_URL,
    SUBENTRY_CAMERA,
)
from .pipeline.engine import EngineUnavailableError, models_directory

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry


def _number(minimum: float, maximum: float, step: float, unit: str | None = None) -> NumberSelector:
    """Return a number selector shown as a box, with the given bounds."""
    config = NumberSelectorConfig(min=minimum, max=maximum, step=step, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


# Bounds come from what the pipeline can honour: a tolerance above 1.0 would
# match strangers, and more than 15 detections a second only burns CPU.
OPTION_SELECTORS: dict[str, NumberSelector] = {
    CONF_TOLERANCE: _number(0.3, 1.0, 0.01),
    CONF_DETECTION_RATE: _number(0.5, 15, 0.5, "/s"),
    CONF_DETECTION_SCALE: _number(0.25, 2.0, 0.05),
    CONF_MIN_FACE_SIZE: _number(20, 1000, 1, "px"),
    CONF_MOTION_SENSITIVITY: _number(0, 100, 1, "%"),
    CONF_PRESENCE_TIMEOUT: _number(10, 86400, 1, "s"),
    CONF_UNKNOWN_RETENTION_DAYS: _number(1, 365, 1, "d"),
    CONF_UNKNOWN_RETENTION_COUNT: _number(1, 1000, 1),
    CONF_MAX_SUBSCRIPTIONS: _number(1, 50, 1),
}

# Whole-number options are stored as int, so that the pipeline and the
# entities never see "5.0 subscriptions".
INTEGER_OPTIONS = frozenset(
    {
        CONF_MIN_FACE_SIZE,
        CONF_MOTION_SENSITIVITY,
        CONF_PRESENCE_TIMEOUT,
        CONF_UNKNOWN_RETENTION_DAYS,
        CONF_UNKNOWN_RETENTION_COUNT,
        CONF_MAX_SUBSCRIPTIONS,
    }
)


def engine_available() -> bool:
    """Return whether dlib's model files are installed, without loading them."""
    try:
        models_directory()
    except EngineUnavailableError:
        return False
    return True


class OpenEyeConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create the one OpenEye entry."""

    VERSION = 1
    MINOR_VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for a name, after checking that the face engine's files are present."""
        await self.async_set_unique_id(DOMAIN)
        self._abort_if_unique_id_configured()
        errors: dict[str, str] = {}
        if user_input is not None:
            if await self.hass.async_add_executor_job(engine_available):
                return self.async_create_entry(
                    title=user_input[CONF_NAME], data={}, options=dict(OPTION_DEFAULTS)
                )
            errors["base"] = "engine_unavailable"
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema({vol.Required(CONF_NAME): TextSelector()}),
                user_input or {CONF_NAME: DEFAULT_NAME},
            ),
            errors=errors,
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OpenEyeOptionsFlow:
        """Return the options flow."""
        return OpenEyeOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Cameras are added to the entry as subentries."""
        return {SUBENTRY_CAMERA: CameraSubentryFlow}


class OpenEyeOptionsFlow(OptionsFlow):
    """Change how OpenEye recognises faces; applied at once, without a restart."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show every option with its current value."""
        if user_input is not None:
            options = {
                key: int(value) if key in INTEGER_OPTIONS else float(value)
                for key, value in user_input.items()
            }
            return self.async_create_entry(data=options)
        current = {**OPTION_DEFAULTS, **self.config_entry.options}
        schema = vol.Schema(
            {
                vol.Required(key, default=current[key]): selector
                for key, selector in OPTION_SELECTORS.items()
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)


class CameraSubentryFlow(ConfigSubentryFlow):
    """Add or change a camera: a Home Assistant camera entity or a stream URL.

    The source is tested (one frame, or one snapshot) before it is saved, so
    a typo shows up in the form rather than as an unavailable camera.
    """

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Ask which kind of source the camera is."""
        if self._get_entry().state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        return self.async_show_menu(step_id="user", menu_options=["camera_entity", "url"])

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a camera's name or source, with the same form as when it was added."""
        if self._get_entry().state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        subentry = self._get_reconfigure_subentry()
        if subentry.data[CONF_SOURCE_TYPE] == SOURCE_TYPE_ENTITY:
            return await self.async_step_camera_entity()
        return await self.async_step_url()

    def _defaults(self) -> dict[str, Any]:
        """Return the form's values when reconfiguring, else nothing."""
        if self.source != "reconfigure":
            return {}
        subentry = self._get_reconfigure_subentry()
        return {CONF_NAME: subentry.title, **subentry.data}

    def _duplicate(self, unique_id: str) -> bool:
        """Return whether another camera already watches this source."""
        current = (
            self._get_reconfigure_subentry().subentry_id if self.source == "reconfigure" else None
        )
        return any(
            subentry.unique_id == unique_id and subentry.subentry_id != current
            for subentry in self._get_entry().subentries.values()
        )

    def _finish(self, title: str, data: dict[str, Any], unique_id: str) -> SubentryFlowResult:
        """Create the camera, or update it when reconfiguring."""
        if self.source == "reconfigure":
            return self.async_update_and_abort(
                self._get_entry(),
                self._get_reconfigure_subentry(),
                title=title,
                data=data,
                unique_id=unique_id,
            )
        return self.async_create_entry(title=title, data=data, unique_id=unique_id)

    async def async_step_camera_entity(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Watch a Home Assistant camera entity."""
        errors: dict[str, str] = {}
        if user_input is not None:
            entity_id = user_input[CONF_CAMERA_ENTITY_ID]
            if self._duplicate(entity_id):
                errors["base"] = "already_configured"
            elif error := await async_probe_camera_entity(self.hass, entity_id):
                errors[CONF_CAMERA_ENTITY_ID] = error
            else:
                return self._finish(
                    user_input[CONF_NAME],
                    {CONF_SOURCE_TYPE: SOURCE_TYPE_ENTITY, CONF_CAMERA_ENTITY_ID: entity_id},
                    entity_id,
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): TextSelector(),
                vol.Required(CONF_CAMERA_ENTITY_ID): EntitySelector(
                    EntitySelectorConfig(domain="camera")
                ),
            }
        )
        return self.async_show_form(
            step_id="camera_entity",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or self._defaults()),
            errors=errors,
        )

    async def async_step_url(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Watch a stream URL (RTSP, HTTP MJPEG) or a video file in an allowed folder."""
        errors: dict[str, str] = {}
        if user_input is not None:
            url = user_input[CONF_URL].strip()
            if error := await async_validate_url(self.hass, url):
                errors[CONF_URL] = error
            elif self._duplicate(url):
                errors["base"] = "already_configured"
            elif error := await async_probe_url(self._get_entry().runtime_data, url):
                errors[CONF_URL] = error
            else:
                return self._finish(
                    user_input[CONF_NAME],
                    {CONF_SOURCE_TYPE: SOURCE_TYPE_URL, CONF_URL: url},
                    url,
                )
        schema = vol.Schema(
            {vol.Required(CONF_NAME): TextSelector(), vol.Required(CONF_URL): TextSelector()}
        )
        return self.async_show_form(
            step_id="url",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or self._defaults()),
            errors=errors,
        )
