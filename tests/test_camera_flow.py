"""Tests for adding, changing and removing cameras (config subentries)."""

from __future__ import annotations

from pathlib import Path

from homeassistant.components.camera import Camera
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.openeye.const import (
    CONF_CAMERA_ENTITY_ID,
    CONF_SOURCE_TYPE,
    CONF_URL,
    DOMAIN,
    SOURCE_TYPE_ENTITY,
    SOURCE_TYPE_URL,
    SUBENTRY_CAMERA,
)
from custom_components.openeye.hub import OpenEyeHub
from tests.broken_engine import hide_face_models
from tests.faces import one_face_png, write_face_video
from tests.helpers import (
    camera_entry,
    entry_device,
    setup_test_cameras,
    start_camera_reconfigure,
)


async def _start(hass: HomeAssistant, entry: MockConfigEntry, menu: str) -> str:
    """Open the add-camera flow, choose a menu entry and return the flow id."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CAMERA), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["camera_entity", "url"]
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": menu}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == menu
    return str(result["flow_id"])


async def test_add_camera_entity(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, face_camera: str
) -> None:
    """A camera entity is checked, saved as a subentry and started at once."""
    flow_id = await _start(hass, loaded_entry, "camera_entity")
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Door", CONF_CAMERA_ENTITY_ID: "camera.nothing"}
    )
    assert result["errors"] == {CONF_CAMERA_ENTITY_ID: "camera_not_found"}
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Door", CONF_CAMERA_ENTITY_ID: face_camera}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Door"
    assert result["data"] == {
        CONF_SOURCE_TYPE: SOURCE_TYPE_ENTITY,
        CONF_CAMERA_ENTITY_ID: face_camera,
    }
    await hass.async_block_till_done()
    hub: OpenEyeHub = loaded_entry.runtime_data
    [camera] = hub.cameras.values()
    assert camera.name == "Door"
    assert camera.camera_entity_id == face_camera
    assert hass.states.get("sensor.door_stream_status") is not None

    # The same camera twice is refused.
    flow_id = await _start(hass, loaded_entry, "camera_entity")
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Again", CONF_CAMERA_ENTITY_ID: face_camera}
    )
    assert result["errors"] == {"base": "already_configured"}


async def test_add_url_checks_address_and_frame(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, media_dir: Path, tmp_path: Path
) -> None:
    """Addresses are validated, then one frame is read in a worker before saving."""
    video = media_dir / "door.mp4"
    write_face_video(str(video))
    not_video = media_dir / "notes.mp4"
    not_video.write_text("not a video")
    still = media_dir / "still.png"
    still.write_bytes(one_face_png())
    missing = media_dir / "missing.mp4"
    outside = tmp_path / "outside.mp4"
    write_face_video(str(outside), frames=5)
    flow_id = await _start(hass, loaded_entry, "url")
    for url, error in (
        ("ftp://camera/stream", "unsupported_scheme"),
        ("rtsp://", "invalid_url"),
        ("relative/path.mp4", "invalid_url"),
        (str(outside), "path_not_allowed"),
        (f"file://{outside}", "path_not_allowed"),
        (str(not_video), "not_a_video"),
        # A still photo is not a camera: refused, not saved to show "Streaming" for ever.
        (str(still), "not_a_video"),
        (str(missing), "cannot_open"),
    ):
        result = await hass.config_entries.subentries.async_configure(
            flow_id, {CONF_NAME: "Door", CONF_URL: url}
        )
        assert result["type"] is FlowResultType.FORM, url
        assert result["errors"] == {CONF_URL: error}, url
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Door", CONF_URL: f" {video} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_SOURCE_TYPE: SOURCE_TYPE_URL, CONF_URL: str(video)}


async def test_reconfigure_and_remove(
    hass: HomeAssistant, media_dir: Path, device_registry: dr.DeviceRegistry
) -> None:
    """A camera's name and source change in place; removing it removes its device."""
    video = media_dir / "garden.mp4"
    write_face_video(str(video))
    other = media_dir / "yard.mp4"
    write_face_video(str(other), frames=20)
    entry = camera_entry(str(video), title="Garden")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    [subentry_id] = entry.subentries
    hub: OpenEyeHub = entry.runtime_data
    device = entry_device(device_registry, entry.entry_id, (DOMAIN, subentry_id))
    assert device is not None
    assert device.name == "Garden"

    result = await start_camera_reconfigure(hass, entry, subentry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "url"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Back garden", CONF_URL: str(other)}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.subentries[subentry_id].data[CONF_URL] == str(other)
    assert hub.cameras[subentry_id].name == "Back garden"
    device = entry_device(device_registry, entry.entry_id, (DOMAIN, subentry_id))
    assert device is not None
    assert device.name == "Back garden"
    assert hub.pool.worker_of(subentry_id) is not None

    assert hass.config_entries.async_remove_subentry(entry, subentry_id)
    await hass.async_block_till_done()
    assert hub.cameras == {}
    assert hub.pool.worker_of(subentry_id) is None
    assert entry_device(device_registry, entry.entry_id, (DOMAIN, subentry_id)) is None
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_flow_needs_a_loaded_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """Adding a camera to an entry that is not running explains why it cannot."""
    result = await hass.config_entries.subentries.async_init(
        (config_entry.entry_id, SUBENTRY_CAMERA), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"


async def test_same_address_twice_and_unreachable_streams(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, media_dir: Path
) -> None:
    """A source already watched is refused; a stream nobody serves cannot be opened."""
    video = media_dir / "door.mp4"
    write_face_video(str(video), frames=5)
    flow_id = await _start(hass, loaded_entry, "url")
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Door", CONF_URL: str(video)}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    flow_id = await _start(hass, loaded_entry, "url")
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Again", CONF_URL: str(video)}
    )
    assert result["errors"] == {"base": "already_configured"}
    # Port 9 (discard) has no listener on this loopback address: refused at once.
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Again", CONF_URL: "rtsp://127.0.0.1:9/stream"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: "cannot_open"}


async def test_address_cannot_be_checked_without_the_face_engine(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When workers cannot start, the form says the source cannot be opened, and saves nothing."""
    hide_face_models(tmp_path, monkeypatch)
    video = media_dir / "door.mp4"
    write_face_video(str(video), frames=5)
    for _ in range(2):
        # The first attempt finds out that the engine cannot load; the second
        # is refused by the pool at once.
        flow_id = await _start(hass, loaded_entry, "url")
        result = await hass.config_entries.subentries.async_configure(
            flow_id, {CONF_NAME: "Door", CONF_URL: str(video)}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {CONF_URL: "cannot_open"}
    assert loaded_entry.subentries == {}


class _StreamOnlyCamera(Camera):
    """A camera that gives no snapshot, only a stream address (or neither)."""

    def __init__(self, name: str, stream: str | None) -> None:
        """Name the camera and remember its stream address."""
        super().__init__()
        self._attr_name = name
        self._attr_unique_id = name
        self._stream = stream

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """Give no picture, as a stream-only camera does."""
        return None

    async def stream_source(self) -> str | None:
        """Return the stream address, if any."""
        return self._stream


async def test_camera_entity_without_snapshots_needs_a_stream(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """A camera with no picture is accepted if it has a stream, refused otherwise."""
    await setup_test_cameras(
        hass,
        "streamonly",
        [
            _StreamOnlyCamera("Blind", None),
            _StreamOnlyCamera("Streaming", "rtsp://127.0.0.1:9/stream"),
        ],
    )
    flow_id = await _start(hass, loaded_entry, "camera_entity")
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Blind", CONF_CAMERA_ENTITY_ID: "camera.blind"}
    )
    assert result["errors"] == {CONF_CAMERA_ENTITY_ID: "cannot_open"}
    # A state without its camera: what is left when the camera's integration did not load.
    hass.states.async_set("camera.orphan", "unavailable")
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Orphan", CONF_CAMERA_ENTITY_ID: "camera.orphan"}
    )
    assert result["errors"] == {CONF_CAMERA_ENTITY_ID: "cannot_open"}
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Streaming", CONF_CAMERA_ENTITY_ID: "camera.streaming"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_CAMERA_ENTITY_ID] == "camera.streaming"


async def test_reconfigure_a_camera_entity(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, face_camera: str
) -> None:
    """A camera entity's subentry is changed with its own form; not while OpenEye is stopped."""
    flow_id = await _start(hass, loaded_entry, "camera_entity")
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Door", CONF_CAMERA_ENTITY_ID: face_camera}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    [subentry_id] = loaded_entry.subentries

    result = await start_camera_reconfigure(hass, loaded_entry, subentry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "camera_entity"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Front", CONF_CAMERA_ENTITY_ID: face_camera}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert loaded_entry.subentries[subentry_id].title == "Front"
    hub: OpenEyeHub = loaded_entry.runtime_data
    assert hub.cameras[subentry_id].name == "Front"

    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    result = await start_camera_reconfigure(hass, loaded_entry, subentry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"
