"""Small helpers shared by OpenEye's Home Assistant tests."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.components.camera import Camera
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockPlatform,
    async_fire_time_changed,
    mock_platform,
)


async def flush_entity_writes(hass: HomeAssistant) -> None:
    """Let entity writes held back by the once-a-second limit happen now."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
    await hass.async_block_till_done()


async def setup_test_cameras(hass: HomeAssistant, platform: str, cameras: list[Camera]) -> None:
    """Add camera entities through a camera platform of the given name, made for the test."""

    async def _setup_platform(
        hass: HomeAssistant,
        config: ConfigType,
        add_entities: AddEntitiesCallback,
        discovery_info: DiscoveryInfoType | None = None,
    ) -> None:
        """Add the test's cameras."""
        add_entities(cameras)

    mock_platform(hass, f"{platform}.camera", MockPlatform(async_setup_platform=_setup_platform))
    assert await async_setup_component(hass, "camera", {"camera": {"platform": platform}})
    await hass.async_block_till_done()
