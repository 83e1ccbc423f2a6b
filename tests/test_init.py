"""Tests for setting OpenEye up and tearing it down."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openeye.const import DOMAIN, OPTION_DEFAULTS
from custom_components.openeye.hub import OpenEyeHub
from custom_components.openeye.pipeline.engine import EngineUnavailableError
from tests.fake_pool import FakePool


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


@pytest.mark.parametrize(
    ("problem", "detail"),
    [
        (EngineUnavailableError("dlib's model files are not installed"), "not installed"),
        (EngineUnavailableError("The model file x.dat is damaged or not dlib's"), "damaged"),
    ],
)
async def test_setup_refuses_without_the_face_models(
    hass: HomeAssistant, fake_pool: FakePool, problem: Exception, detail: str
) -> None:
    """Missing or damaged model files refuse the setup with a translated error, before any work."""
    entry = MockConfigEntry(domain=DOMAIN, unique_id=DOMAIN, options=dict(OPTION_DEFAULTS))
    entry.add_to_hass(hass)
    with patch("custom_components.openeye.hub.check_engine_files", side_effect=problem):
        assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason is not None
    assert detail in entry.reason
    assert "Reinstall OpenEye" in entry.reason
    assert fake_pool.mock is not None
    fake_pool.mock.async_start.assert_not_awaited()
