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

from .camera_address import address_key, masked, unmasked
from .camera_probe import async_probe_camera_entity, async_probe_url, async_validate_url
from .const import (
    CONF_CAMERA_ENTITY_ID,
    CONF_SOURCE_TYPE,
    CONF_URL,
    DEFAULT_NAME,
    DOMAIN,
    OPTION_DEFAULTS,
    SOURCE_TYPE_ENTITY,
    SOURCE_TYPE_URL,
    SUBENTRY_CAMERA,
)
from .errors import OpenEyeValidationError
from .names import clean_name, name_key
from .options import OPTION_BOUNDS, InvalidOptionError, check_option, checked_options
from .pipeline.engine import EngineUnavailableError, models_directory

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry


def _number(key: str) -> NumberSelector:
    """Return an option's number box, with the option's bounds."""
    bounds = OPTION_BOUNDS[key]
    config = NumberSelectorConfig(
        min=bounds.minimum, max=bounds.maximum, step=bounds.step, mode=NumberSelectorMode.BOX
    )
    if bounds.unit is not None:
        config["unit_of_measurement"] = bounds.unit
    return NumberSelector(config)


def engine_available() -> bool:
    """Return whether dlib's model files are installed, without loading them."""
    try:
        models_directory()
    except EngineUnavailableError:
        return False
    return True


class OpenEyeConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create the one OpenEye entry.

    There is only ever one: manifest.json says single_config_entry, so Home
    Assistant itself refuses a second flow with single_instance_allowed (from
    2025.4 on), aborts other flows when one finishes, and offers no "Add hub".
    """

    VERSION = 1
    # 1.2: cameras' unique ids no longer contain their addresses' credentials.
    MINOR_VERSION = 2

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for a name, after checking that the face engine's files are present."""
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
        """Show every option with its current value; refuse values that are not numbers in range.

        The form's boxes keep the bounds in the browser, but the flow's API
        takes any JSON: "NaN", text or an out-of-range number is refused here
        with the field's error, and nothing is stored.
        """
        errors: dict[str, str] = {}
        if user_input is not None:
            options: dict[str, float | int] = {}
            for key in OPTION_BOUNDS:
                try:
                    options[key] = check_option(key, user_input.get(key))
                except InvalidOptionError as err:
                    errors[key] = err.reason
            if not errors:
                return self.async_create_entry(data=options)
        current, _invalid = checked_options(self.config_entry.options)
        schema = vol.Schema({vol.Required(key): _number(key) for key in OPTION_BOUNDS})
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or current),
            errors=errors,
        )


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
        """Return the form's values when reconfiguring (the password masked), else nothing."""
        if self.source != "reconfigure":
            return {}
        subentry = self._get_reconfigure_subentry()
        defaults = {CONF_NAME: subentry.title, **subentry.data}
        if CONF_URL in defaults:
            defaults[CONF_URL] = masked(defaults[CONF_URL])
        return defaults

    def _camera_name(self, name: str) -> tuple[str, str | None]:
        """Return a camera's name cleaned as people's names are, and the error for it, if any.

        Another camera of the same name (look-alikes included) is refused:
        their devices and entities would be indistinguishable.
        """
        try:
            cleaned = clean_name(name)
        except OpenEyeValidationError as err:
            return name, err.key
        current = (
            self._get_reconfigure_subentry().subentry_id if self.source == "reconfigure" else None
        )
        for subentry in self._get_entry().subentries.values():
            if subentry.subentry_id != current and name_key(subentry.title) == name_key(cleaned):
                return cleaned, "name_taken"
        return cleaned, None

    def _stored_url(self) -> str | None:
        """Return the address stored for the camera being reconfigured, if any."""
        if self.source != "reconfigure":
            return None
        url = self._get_reconfigure_subentry().data.get(CONF_URL)
        return url if isinstance(url, str) else None

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
            name, name_error = self._camera_name(user_input[CONF_NAME])
            if name_error:
                errors[CONF_NAME] = name_error
            elif self._duplicate(entity_id):
                errors["base"] = "already_configured"
            elif error := await async_probe_camera_entity(self.hass, entity_id):
                errors[CONF_CAMERA_ENTITY_ID] = error
            else:
                return self._finish(
                    name,
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
        placeholders: dict[str, str] = {}
        if user_input is not None:
            url = unmasked(user_input[CONF_URL].strip(), self._stored_url())
            name, name_error = self._camera_name(user_input[CONF_NAME])
            if name_error:
                errors[CONF_NAME] = name_error
            elif url is None:
                errors[CONF_URL] = "password_required"
            elif refusal := await async_validate_url(self.hass, url):
                errors[CONF_URL], placeholders = refusal
            elif self._duplicate(address_key(url)):
                errors["base"] = "already_configured"
            elif error := await async_probe_url(self._get_entry().runtime_data, url):
                errors[CONF_URL] = error
            else:
                return self._finish(
                    name,
                    {CONF_SOURCE_TYPE: SOURCE_TYPE_URL, CONF_URL: url},
                    address_key(url),
                )
            # The form is shown again with the password masked, never as typed.
            user_input = {**user_input, CONF_URL: masked(url or user_input[CONF_URL])}
        schema = vol.Schema(
            {vol.Required(CONF_NAME): TextSelector(), vol.Required(CONF_URL): TextSelector()}
        )
        return self.async_show_form(
            step_id="url",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or self._defaults()),
            errors=errors,
            description_placeholders=placeholders,
        )
