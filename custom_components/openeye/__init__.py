"""OpenEye: face recognition for Home Assistant, pushed as it happens."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN
from .hub import OpenEyeConfigEntry, OpenEyeHub

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = []


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up what OpenEye offers once, whatever its entries: services and websocket commands."""
    return True


async def async_setup_entry(hass: HomeAssistant, entry: OpenEyeConfigEntry) -> bool:
    """Start OpenEye for its config entry."""
    hub = OpenEyeHub(hass, entry)
    await hub.async_start()
    entry.runtime_data = hub
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: OpenEyeConfigEntry) -> bool:
    """Stop OpenEye for its config entry."""
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await entry.runtime_data.async_stop()
    return unloaded
