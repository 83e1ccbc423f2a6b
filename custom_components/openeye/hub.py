"""The running OpenEye: what one config entry owns while it is loaded."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

type OpenEyeConfigEntry = ConfigEntry[OpenEyeHub]


class OpenEyeHub:
    """Owns OpenEye's gallery, camera workers and statistics for one entry."""

    def __init__(self, hass: HomeAssistant, entry: OpenEyeConfigEntry) -> None:
        """Keep what the hub needs; nothing starts before :meth:`async_start`."""
        self.hass = hass
        self.entry = entry

    async def async_start(self) -> None:
        """Start OpenEye's work for this entry."""

    async def async_stop(self) -> None:
        """Stop everything the hub started, leaving no process behind."""
