"""OpenEye's devices in the device registry, the same on Home Assistant 2025.4 and 2026.x.

The two versions differ in two places that OpenEye meets:
- Finding a device by identifier: 2026.x keeps identifiers unique only within
  a config entry and deprecates ``async_get_device`` (refused from 2027.8; it
  raises outside an integration, as in tests), while its replacement
  ``async_get_device_by_identifier`` does not exist in 2025.4. Both have
  ``async_entries_for_config_entry``, which is scoped to the entry as it should be.
- Hanging a device below another: 2026.x links by the parent's device id
  (``via_device_id``) and deprecates the parent's identifier (``via_device``,
  refused from 2027.8), which is all that 2025.4 knows.
"""

from __future__ import annotations

from typing import Final, cast

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

from .const import DOMAIN

# Whether this Home Assistant links devices by the parent's device id.
LINKS_BY_DEVICE_ID: Final = "via_device_id" in DeviceInfo.__optional_keys__


def find_device(
    hass: HomeAssistant, entry_id: str, identifier: tuple[str, str]
) -> dr.DeviceEntry | None:
    """Return the config entry's device that has ``identifier``, if there is one."""
    for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry_id):
        if identifier in device.identifiers:
            return device
    return None


def hub_identifier(entry_id: str) -> tuple[str, str]:
    """Return the identifier of the OpenEye device of a config entry."""
    return (DOMAIN, entry_id)


def person_device_identifier(person_id: str) -> tuple[str, str]:
    """Return the device registry identifier of a person's device."""
    return (DOMAIN, f"person_{person_id}")


def remote_worker_device_identifier(name: str) -> tuple[str, str]:
    """Return the device registry identifier of a remote worker's device."""
    return (DOMAIN, f"worker_{name}")


def below_hub(hass: HomeAssistant, entry_id: str) -> DeviceInfo:
    """Return the device info that hangs a camera, person or worker device below the OpenEye device.

    The OpenEye device is registered before any platform adds entities, so its
    id is known by the time an entity asks.
    """
    if not LINKS_BY_DEVICE_ID:
        return DeviceInfo(via_device=hub_identifier(entry_id))
    hub_device = find_device(hass, entry_id, hub_identifier(entry_id))
    if hub_device is None:
        raise RuntimeError("the OpenEye device must be registered before its entities")
    # A cast, because mypy checks against 2025.4's DeviceInfo, which lacks the key.
    return cast("DeviceInfo", {"via_device_id": hub_device.id})
