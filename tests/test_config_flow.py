"""Tests for OpenEye's config and options flows."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openeye.const import (
    CONF_DETECTION_RATE,
    CONF_MAX_SUBSCRIPTIONS,
    CONF_TOLERANCE,
    DOMAIN,
    OPTION_DEFAULTS,
)
from custom_components.openeye.pipeline.engine import EngineUnavailableError


async def test_user_flow_creates_the_entry(hass: HomeAssistant) -> None:
    """The user names OpenEye and gets one entry with the default options."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Front of house"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Front of house"
    assert result["data"] == {}
    assert result["options"] == OPTION_DEFAULTS


async def test_second_setup_is_refused(hass: HomeAssistant) -> None:
    """OpenEye is a single hub: Home Assistant refuses a second setup before any form."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: "OpenEye"})

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_a_second_open_form_ends_when_the_first_creates_the_entry(
    hass: HomeAssistant,
) -> None:
    """Two forms opened at once (two browsers, say) give one entry, not two."""
    first = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    second = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert second["type"] is FlowResultType.FORM

    result = await hass.config_entries.flow.async_configure(
        first["flow_id"], {CONF_NAME: "OpenEye"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Home Assistant aborts the other form as soon as the only entry exists.
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_missing_engine_is_reported_and_recoverable(hass: HomeAssistant) -> None:
    """Without dlib's model files the form shows an error, and succeeds once they are back."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    # The model files are a package outside OpenEye; losing them is simulated.
    with patch(
        "custom_components.openeye.config_flow.models_directory",
        side_effect=EngineUnavailableError("gone"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_NAME: "OpenEye"}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "engine_unavailable"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "OpenEye"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_options_flow_stores_typed_values(hass: HomeAssistant) -> None:
    """The options form shows the current values and stores whole numbers as int."""
    entry = MockConfigEntry(domain=DOMAIN, unique_id=DOMAIN, options=dict(OPTION_DEFAULTS))
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    schema_defaults = {
        str(key): key.default() for key in result["data_schema"].schema if key.default
    }
    assert schema_defaults[CONF_TOLERANCE] == 0.6

    new = {**OPTION_DEFAULTS, CONF_TOLERANCE: 0.5, CONF_DETECTION_RATE: 2.5}
    new[CONF_MAX_SUBSCRIPTIONS] = 3.0
    result = await hass.config_entries.options.async_configure(result["flow_id"], new)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_TOLERANCE] == 0.5
    assert entry.options[CONF_DETECTION_RATE] == 2.5
    assert entry.options[CONF_MAX_SUBSCRIPTIONS] == 3
    assert isinstance(entry.options[CONF_MAX_SUBSCRIPTIONS], int)
