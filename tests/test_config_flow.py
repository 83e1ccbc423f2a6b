"""Tests for OpenEye's config and options flows."""

from __future__ import annotations

import math
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openeye.const import (
    CONF_DETECTION_RATE,
    CONF_MAX_SUBSCRIPTIONS,
    CONF_MIN_FACE_SIZE,
    CONF_PRESENCE_TIMEOUT,
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
    suggested = {
        str(key): key.description["suggested_value"] for key in result["data_schema"].schema
    }
    assert suggested == OPTION_DEFAULTS

    new = {**OPTION_DEFAULTS, CONF_TOLERANCE: 0.5, CONF_DETECTION_RATE: 2.5}
    new[CONF_MAX_SUBSCRIPTIONS] = 3.0
    result = await hass.config_entries.options.async_configure(result["flow_id"], new)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_TOLERANCE] == 0.5
    assert entry.options[CONF_DETECTION_RATE] == 2.5
    assert entry.options[CONF_MAX_SUBSCRIPTIONS] == 3
    assert isinstance(entry.options[CONF_MAX_SUBSCRIPTIONS], int)


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        (CONF_TOLERANCE, math.nan, "not_a_number"),
        (CONF_DETECTION_RATE, math.nan, "not_a_number"),
        (CONF_MIN_FACE_SIZE, math.nan, "not_a_number"),
        (CONF_MIN_FACE_SIZE, 60.5, "not_whole"),
    ],
)
async def test_options_that_are_not_finite_numbers_are_refused(
    hass: HomeAssistant, key: str, value: float, reason: str
) -> None:
    """NaN and fractions of whole-number options get the field's error, and nothing is stored.

    The form's number boxes let NaN through their range check (NaN is neither
    below nor above a bound), so the flow checks every value itself.
    """
    entry = MockConfigEntry(domain=DOMAIN, options=dict(OPTION_DEFAULTS))
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**OPTION_DEFAULTS, key: value}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {key: reason}
    assert entry.options == OPTION_DEFAULTS
    # Text and numbers out of range never reach the step: the form's schema refuses them.
    for bad in ("many", 1e9, math.inf):
        with pytest.raises(InvalidData):
            await hass.config_entries.options.async_configure(
                result["flow_id"], {**OPTION_DEFAULTS, key: bad}
            )
    assert entry.options == OPTION_DEFAULTS


async def test_invalid_stored_options_fall_back_to_defaults_with_a_repair_issue(
    hass: HomeAssistant,
) -> None:
    """Options stored by an older version or by hand never fail setup; a repair issue says so."""
    stored: dict[str, Any] = {
        **OPTION_DEFAULTS,
        # Home Assistant stores NaN as null.
        CONF_TOLERANCE: None,
        CONF_MIN_FACE_SIZE: "sixty",
        CONF_PRESENCE_TIMEOUT: 5,
    }
    entry = MockConfigEntry(domain=DOMAIN, options=stored)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    settings = entry.runtime_data.settings
    assert (settings.tolerance, settings.min_face_size) == (0.6, 40)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "invalid_options")
    assert issue is not None
    assert issue.translation_placeholders == {
        "options": f"{CONF_TOLERANCE}, {CONF_MIN_FACE_SIZE}, {CONF_PRESENCE_TIMEOUT}"
    }
    # The options form offers the defaults in place of the invalid values; saving mends them.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    suggested = {
        str(key): key.description["suggested_value"] for key in result["data_schema"].schema
    }
    assert suggested == OPTION_DEFAULTS
    result = await hass.config_entries.options.async_configure(result["flow_id"], suggested)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, "invalid_options") is None
    assert await hass.config_entries.async_unload(entry.entry_id)
