"""Tests for adding, changing and removing cameras (config subentries).

The worker pool is the fake of fake_pool.py: a form's check of one frame is
the pool's probe, answered as a worker would. Reading real streams and files
in a worker, and the reasons it gives, is tested in tests/pipeline
(test_sources.py, test_pool.py) and against a real RTSP camera in
tests/test_rtsp_cameras.py.
"""

from __future__ import annotations

from pathlib import Path

from homeassistant.components.camera import Camera
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
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
from custom_components.openeye.pipeline.pool import WorkerUnavailableError
from tests.fake_pool import FakePool, probe
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
    hass: HomeAssistant, fake_entry: MockConfigEntry, fake_pool: FakePool, face_camera: str
) -> None:
    """A camera entity is checked, saved as a subentry and started at once."""
    flow_id = await _start(hass, fake_entry, "camera_entity")
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
    hub: OpenEyeHub = fake_entry.runtime_data
    [camera] = hub.cameras.values()
    assert camera.name == "Door"
    assert camera.camera_entity_id == face_camera
    # A snapshot-only camera is hosted without a source: its feed pushes the snapshots.
    assert fake_pool.added_cameras == [camera.camera_id]
    assert fake_pool.mock is not None
    assert fake_pool.mock.async_add_camera.await_args.args[1] is None
    assert hass.states.get("sensor.door_stream_status") is not None

    # The same camera twice is refused.
    flow_id = await _start(hass, fake_entry, "camera_entity")
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Again", CONF_CAMERA_ENTITY_ID: face_camera}
    )
    assert result["errors"] == {"base": "already_configured"}


async def test_add_url_checks_address_and_frame(
    hass: HomeAssistant,
    fake_entry: MockConfigEntry,
    fake_pool: FakePool,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    """Addresses are validated here, then one frame is read in a worker; its reason is the error."""
    assert fake_pool.mock is not None
    probe_source = fake_pool.mock.async_probe_source
    video = str(media_dir / "door.mp4")
    outside = tmp_path / "outside.mp4"
    flow_id = await _start(hass, fake_entry, "url")
    for url, error in (
        ("ftp://camera/stream", "unsupported_scheme"),
        ("rtsp://", "invalid_url"),
        ("relative/path.mp4", "invalid_url"),
        (str(outside), "path_not_allowed"),
        (f"file://{outside}", "path_not_allowed"),
    ):
        result = await hass.config_entries.subentries.async_configure(
            flow_id, {CONF_NAME: "Door", CONF_URL: url}
        )
        assert result["type"] is FlowResultType.FORM, url
        assert result["errors"] == {CONF_URL: error}, url
    # An address refused here never reaches a worker.
    probe_source.assert_not_awaited()

    for answer, error in (
        # A still photo is not a camera: refused, not saved to show "Streaming" for ever.
        (probe(ok=False, reason="not_a_video"), "not_a_video"),
        (probe(ok=False, reason="unauthorized"), "invalid_auth"),
        (probe(ok=False, reason="not_found"), "cannot_open"),
        (probe(ok=False, reason="refused"), "cannot_open"),
        # A reason this version does not know yet still gives the form an error.
        (probe(ok=False, detail="something new"), "cannot_open"),
    ):
        probe_source.return_value = answer
        result = await hass.config_entries.subentries.async_configure(
            flow_id, {CONF_NAME: "Door", CONF_URL: video}
        )
        assert result["type"] is FlowResultType.FORM, answer
        assert result["errors"] == {CONF_URL: error}, answer
    assert fake_entry.subentries == {}

    probe_source.return_value = probe(ok=True)
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Door", CONF_URL: f" {video} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_SOURCE_TYPE: SOURCE_TYPE_URL, CONF_URL: video}
    # The worker was asked about the address as it is saved, its spaces trimmed.
    assert probe_source.await_args.args == (video,)


async def test_reconfigure_and_remove(
    hass: HomeAssistant,
    fake_pool: FakePool,
    media_dir: Path,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A camera's name and source change in place; removing it removes its device."""
    video = str(media_dir / "garden.mp4")
    other = str(media_dir / "yard.mp4")
    entry = camera_entry(video, title="Garden")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert fake_pool.mock is not None
    add_camera = fake_pool.mock.async_add_camera
    remove_camera = fake_pool.mock.async_remove_camera
    [subentry_id] = entry.subentries
    hub: OpenEyeHub = entry.runtime_data
    assert [call.args[:2] for call in add_camera.await_args_list] == [(subentry_id, video)]
    device = entry_device(device_registry, entry.entry_id, (DOMAIN, subentry_id))
    assert device is not None
    assert device.name == "Garden"

    result = await start_camera_reconfigure(hass, entry, subentry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "url"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Back garden", CONF_URL: other}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.subentries[subentry_id].data[CONF_URL] == other
    assert hub.cameras[subentry_id].name == "Back garden"
    device = entry_device(device_registry, entry.entry_id, (DOMAIN, subentry_id))
    assert device is not None
    assert device.name == "Back garden"
    # The new source replaced the old one in the pool, under the same camera id.
    remove_camera.assert_awaited_once_with(subentry_id)
    assert [call.args[:2] for call in add_camera.await_args_list] == [
        (subentry_id, video),
        (subentry_id, other),
    ]

    assert hass.config_entries.async_remove_subentry(entry, subentry_id)
    await hass.async_block_till_done()
    assert hub.cameras == {}
    assert remove_camera.await_count == 2
    assert remove_camera.await_args.args == (subentry_id,)
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
    hass: HomeAssistant, fake_entry: MockConfigEntry, fake_pool: FakePool, media_dir: Path
) -> None:
    """A source already watched is refused before a worker is asked; a refused one is not saved."""
    assert fake_pool.mock is not None
    probe_source = fake_pool.mock.async_probe_source
    video = str(media_dir / "door.mp4")
    flow_id = await _start(hass, fake_entry, "url")
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Door", CONF_URL: video}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert probe_source.await_count == 1

    flow_id = await _start(hass, fake_entry, "url")
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Again", CONF_URL: video}
    )
    assert result["errors"] == {"base": "already_configured"}
    assert probe_source.await_count == 1
    # What a worker says of a port without a listener (tests/pipeline/test_sources.py).
    probe_source.return_value = probe(
        ok=False, reason="refused", detail="the connection was refused"
    )
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Again", CONF_URL: "rtsp://127.0.0.1:9/stream"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: "cannot_open"}
    assert len(fake_entry.subentries) == 1


async def test_address_cannot_be_checked_without_a_worker(
    hass: HomeAssistant, fake_entry: MockConfigEntry, fake_pool: FakePool, media_dir: Path
) -> None:
    """When no worker can answer (no face engine, or no answer in time), the form says so."""
    assert fake_pool.mock is not None
    video = str(media_dir / "door.mp4")
    for failure in (
        # What the pool raises once its workers found that the engine cannot
        # load (tests/pipeline/test_pool.py), and when a probe outlives its limit.
        WorkerUnavailableError("The face engine cannot load: shape predictor missing"),
        TimeoutError(),
    ):
        fake_pool.mock.async_probe_source.side_effect = failure
        flow_id = await _start(hass, fake_entry, "url")
        result = await hass.config_entries.subentries.async_configure(
            flow_id, {CONF_NAME: "Door", CONF_URL: video}
        )
        assert result["type"] is FlowResultType.FORM, failure
        assert result["errors"] == {CONF_URL: "cannot_open"}, failure
    assert fake_entry.subentries == {}


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
    hass: HomeAssistant, fake_entry: MockConfigEntry
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
    flow_id = await _start(hass, fake_entry, "camera_entity")
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
    hass: HomeAssistant, fake_entry: MockConfigEntry, face_camera: str
) -> None:
    """A camera entity's subentry is changed with its own form; not while OpenEye is stopped."""
    flow_id = await _start(hass, fake_entry, "camera_entity")
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: "Door", CONF_CAMERA_ENTITY_ID: face_camera}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    [subentry_id] = fake_entry.subentries

    result = await start_camera_reconfigure(hass, fake_entry, subentry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "camera_entity"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Front", CONF_CAMERA_ENTITY_ID: face_camera}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert fake_entry.subentries[subentry_id].title == "Front"
    hub: OpenEyeHub = fake_entry.runtime_data
    assert hub.cameras[subentry_id].name == "Front"

    assert await hass.config_entries.async_unload(fake_entry.entry_id)
    result = await start_camera_reconfigure(hass, fake_entry, subentry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"
