"""OpenEye: face recognition for Home Assistant, pushed as it happens."""

from __future__ import annotations

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .camera_address import address_key
from .const import CONF_URL, DOMAIN, SUBENTRY_CAMERA
from .entity import hub_device_info
from .frontend_card import async_register_card
from .hub import OpenEyeConfigEntry, OpenEyeHub
from .services import async_register_services
from .websocket_api import async_register_commands

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.EVENT,
    Platform.IMAGE,
    Platform.SENSOR,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up what OpenEye offers once, whatever its entries: services, commands and card."""
    async_register_services(hass)
    async_register_commands(hass)
    await async_register_card(hass)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: OpenEyeConfigEntry) -> bool:
    """Bring an entry stored by an earlier version up to date.

    1.1 to 1.2: a camera's unique id was its address, password included, and
    unique ids are shown to administrators; it becomes the address without
    its user name and password.
    """
    if entry.version > 1:
        # Stored by a newer OpenEye: nothing here can read it safely.
        return False
    if entry.minor_version < 2:  # noqa: PLR2004 - the version this step leads to
        for subentry in list(entry.subentries.values()):
            url = subentry.data.get(CONF_URL)
            if subentry.subentry_type == SUBENTRY_CAMERA and isinstance(url, str):
                hass.config_entries.async_update_subentry(
                    entry, subentry, unique_id=address_key(url)
                )
        hass.config_entries.async_update_entry(entry, minor_version=2)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: OpenEyeConfigEntry) -> bool:
    """Start OpenEye for its config entry."""
    hub = OpenEyeHub(hass, entry)
    entry.runtime_data = hub
    try:
        await hub.async_start()
    except BaseException:
        # Whatever did start (workers, timers) must not outlive a failed setup.
        await hub.async_stop()
        raise
    # Workers are stopped when Home Assistant stops, not left to notice it.
    entry.async_on_unload(
        hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, hub.async_handle_stop)
    )
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
    # Camera and person devices hang below the OpenEye device, and the
    # platforms may add their entities before the OpenEye device's own: it
    # must exist first (a registry that lost it in a crash included).
    dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **hub_device_info(hub))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def _async_entry_updated(hass: HomeAssistant, entry: OpenEyeConfigEntry) -> None:
    """Apply new options and camera changes without a restart or a reload."""
    await entry.runtime_data.async_entry_updated()


async def async_unload_entry(hass: HomeAssistant, entry: OpenEyeConfigEntry) -> bool:
    """Stop OpenEye for its config entry."""
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await entry.runtime_data.async_stop()
    return unloaded
