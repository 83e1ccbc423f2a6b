"""Small helpers shared by OpenEye's Home Assistant tests."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from homeassistant.components.camera import Camera
from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigFlowResult, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockPlatform,
    async_fire_time_changed,
    mock_platform,
)

from custom_components.openeye.const import (
    CONF_SOURCE_TYPE,
    CONF_URL,
    DOMAIN,
    OPTION_DEFAULTS,
    SOURCE_TYPE_URL,
    SUBENTRY_CAMERA,
)
from custom_components.openeye.hub import OpenEyeHub


def camera_entry(
    url: str,
    title: str = "Door",
    subentry_id: str | None = None,
    entry_id: str | None = None,
) -> MockConfigEntry:
    """Return an OpenEye entry with default options and one camera reading ``url``."""
    camera = ConfigSubentryData(
        data={CONF_SOURCE_TYPE: SOURCE_TYPE_URL, CONF_URL: url},
        subentry_type=SUBENTRY_CAMERA,
        title=title,
        unique_id=url,
    )
    if subentry_id is not None:
        camera["subentry_id"] = subentry_id
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id=DOMAIN,
        title="OpenEye",
        entry_id=entry_id,
        options=dict(OPTION_DEFAULTS),
        subentries_data=[camera],
    )


async def start_camera_reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str
) -> ConfigFlowResult:
    """Start the reconfigure flow of one camera subentry, as its Reconfigure button does.

    Started through Home Assistant itself: the plugin's
    ``MockConfigEntry.start_subentry_reconfigure_flow`` takes the subentry type
    in the plugin for 2025.4 and no longer in the one for 2026.x.
    """
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CAMERA),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )


def entry_device(
    device_registry: dr.DeviceRegistry, entry_id: str, identifier: tuple[str, str]
) -> dr.DeviceEntry | None:
    """Return the config entry's device with ``identifier``, or None.

    Looked up among the entry's own devices, as Home Assistant 2026.x wants:
    it raises when anything but an integration calls the deprecated
    ``async_get_device``, and 2025.4 lacks its replacement.
    """
    devices = dr.async_entries_for_config_entry(device_registry, entry_id)
    matches = [device for device in devices if identifier in device.identifiers]
    assert len(matches) <= 1, matches
    return matches[0] if matches else None


async def flush_entity_writes(hass: HomeAssistant) -> None:
    """Let entity writes held back by the once-a-second limit happen now."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
    await hass.async_block_till_done()


class FileCamera(Camera):
    """A snapshot-only camera that serves the picture a file holds, and none while it is absent.

    It stands in for Home Assistant's ``local_file`` camera, which 2026.x no
    longer sets up from YAML: the picture changes when the file does, and a
    missing file gives no picture, as local_file did.
    """

    def __init__(self, name: str, path: Path) -> None:
        """Serve ``path`` under ``name``."""
        super().__init__()
        self._attr_name = name
        self.path = path

    def camera_image(self, width: int | None = None, height: int | None = None) -> bytes | None:
        """Return the file's bytes, or None when the file is absent (in an executor thread)."""
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None


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


def hub_of(entry: MockConfigEntry) -> OpenEyeHub:
    """Return a loaded entry's hub (its runtime data)."""
    hub: OpenEyeHub = entry.runtime_data
    return hub


async def ws_result(client: Any, **message: Any) -> dict[str, Any]:  # noqa: ANN401 - a test client
    """Send one websocket command and return its result, skipping subscription events."""
    await client.send_json_auto_id(message)
    while True:
        response: dict[str, Any] = await client.receive_json()
        if response["type"] == "result":
            return response
