"""Tests for setting OpenEye up and tearing it down."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openeye.const import DOMAIN, OPTION_DEFAULTS
from custom_components.openeye.hub import OpenEyeHub


async def test_load_and_unload(hass: HomeAssistant) -> None:
    """The entry loads with a hub as its runtime data and unloads cleanly."""
    entry = MockConfigEntry(domain=DOMAIN, unique_id=DOMAIN, options=dict(OPTION_DEFAULTS))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert isinstance(entry.runtime_data, OpenEyeHub)

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_yaml_configuration_is_flagged(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry
) -> None:
    """OpenEye is configured in the UI only: YAML under its key raises a repair issue."""
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: {"tolerance": 0.5}})
    assert issue_registry.async_get_issue("homeassistant", f"config_entry_only_{DOMAIN}")
