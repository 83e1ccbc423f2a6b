"""Small helpers shared by OpenEye's Home Assistant tests."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed


async def flush_entity_writes(hass: HomeAssistant) -> None:
    """Let entity writes held back by the once-a-second limit happen now."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
    await hass.async_block_till_done()
