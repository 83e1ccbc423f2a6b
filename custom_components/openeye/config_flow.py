"""Config flow for OpenEye: the single hub entry and its options."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_NAME
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
)
import voluptuous as vol

from .const import (
    CONF_DETECTION_RATE,
    CONF_DETECTION_SCALE,
    CONF_MAX_SUBSCRIPTIONS,
    CONF_MIN_FACE_SIZE,
    CONF_MOTION_SENSITIVITY,
    CONF_PRESENCE_TIMEOUT,
    CONF_TOLERANCE,
    CONF_UNKNOWN_RETENTION_COUNT,
    CONF_UNKNOWN_RETENTION_DAYS,
    DEFAULT_NAME,
    DOMAIN,
    OPTION_DEFAULTS,
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
