"""Fixtures shared by OpenEye's Home Assistant tests."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator, Iterator
import logging
from pathlib import Path
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.components import http
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openeye import PLATFORMS
from custom_components.openeye.const import DOMAIN, OPTION_DEFAULTS
from tests.faces import one_face_jpeg
from tests.fake_pool import FakePool
from tests.helpers import FileCamera, camera_entry, setup_test_cameras
from tests.rtsp_camera import EncodedStreams, RtspCamera, unavailable_reason


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the tests marked ``long`` first, keeping the order of the rest.

    pytest-xdist hands tests out in this order: a half-minute test that
    starts last keeps one process busy while the other has finished, which
    lengthened whole runs by up to that much.
    """
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load OpenEye from custom_components in every test."""


@pytest.fixture(autouse=True)
def no_http_listener(request: pytest.FixtureRequest) -> Generator[None]:
    """Keep Home Assistant's web server from listening on port 8123 during tests.

    OpenEye depends on the frontend, which loads the http component; its
    application is still served to the tests' clients (hass_client and
    hass_ws_client run it on a test server), only the real listener is left out.
    Home Assistant 2025.4 starts the listener through the function patched here.
    Newer versions no longer have it: they bind the sockets while the component
    is set up, and pytest-homeassistant-custom-component's own autouse fixture
    ``disable_http_server`` patches that binding and the start instead.
    """
    if hasattr(http, "start_http_server_and_save_config"):
        with patch.object(http, "start_http_server_and_save_config"):
            yield
        return
    # Asked for by name so that a plugin without it fails here, loudly, instead
    # of letting the tests bind the real port.
    request.getfixturevalue("disable_http_server")
    yield


class _Reports(logging.Handler):
    """Keeps the warnings that Home Assistant's frame helper logs during one test."""

    def __init__(self) -> None:
        """Keep warnings and worse."""
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_deprecated_calls() -> Generator[None]:
    """Fail a test in which Home Assistant reports OpenEye calling something deprecated.

    Home Assistant only logs such reports for a custom integration (and turns
    them into errors versions later), so without this a call that works today
    but breaks on the next Home Assistant would pass unnoticed. A handler of its
    own, not caplog: the plugin's caplog turns on debug logging for the whole
    test, which changes what worker processes send.
    """
    reports = _Reports()
    frame_logger = logging.getLogger("homeassistant.helpers.frame")
    frame_logger.addHandler(reports)
    try:
        yield
    finally:
        frame_logger.removeHandler(reports)
    ours = [
        record.getMessage()
        for record in reports.records
        if "custom integration 'openeye'" in record.getMessage()
    ]
    assert not ours, ours


@pytest.fixture
def media_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Return a folder Home Assistant may read files from (allowlist_external_dirs)."""
    folder = tmp_path / "media"
    folder.mkdir()
    hass.config.allowlist_external_dirs = {str(folder)}
    return folder


@pytest.fixture
def config_entry(hass: HomeAssistant) -> MockConfigEntry:
    """Return OpenEye's entry with default options, added to Home Assistant."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="OpenEye", unique_id=DOMAIN, options=dict(OPTION_DEFAULTS)
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """Set OpenEye up, and unload it afterwards so that no worker outlives the test."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    yield config_entry
    if config_entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(config_entry.entry_id)
        await hass.async_block_till_done()


@pytest.fixture
async def face_camera(hass: HomeAssistant, media_dir: Path) -> str:
    """Return a snapshot-only camera entity showing one real face.

    It serves the file media_dir/face.jpg: removing or rewriting the file
    changes what the camera gives.
    """
    image = media_dir / "face.jpg"
    image.write_bytes(one_face_jpeg())
    await setup_test_cameras(hass, "file", [FileCamera("Front door", image)])
    return "camera.front_door"


@pytest.fixture(scope="session")
def rtsp_streams(tmp_path_factory: pytest.TempPathFactory) -> EncodedStreams:
    """Return the RTSP camera's streams, encoded once per session; skip where it cannot run."""
    if reason := unavailable_reason():
        pytest.skip(reason)
    return EncodedStreams(tmp_path_factory.mktemp("rtsp-streams"))


@pytest.fixture
def rtsp_camera(rtsp_streams: EncodedStreams) -> Iterator[Callable[..., RtspCamera]]:
    """Return a function that starts RTSP cameras; every one is stopped after the test.

    It takes the streams to serve (name to file) and the camera's options
    (``auth``, ``user``, ``password``, ``transports``).
    """
    started: list[RtspCamera] = []

    def start(streams: dict[str, Path], **options: Any) -> RtspCamera:  # noqa: ANN401
        """Start one camera serving ``streams``."""
        camera = RtspCamera(streams, **options)
        started.append(camera)
        camera.start()
        return camera

    yield start
    for camera in started:
        camera.stop()


@pytest.fixture
def fake_pool() -> Iterator[FakePool]:
    """Replace OpenEye's worker pool with an autospecced fake that a test drives (fake_pool.py)."""
    fake = FakePool()
    with patch("custom_components.openeye.hub.WorkerPool", side_effect=fake.build):
        yield fake


@pytest.fixture
async def fake_entry(fake_pool: FakePool, loaded_entry: MockConfigEntry) -> MockConfigEntry:
    """Return OpenEye set up with the fake pool and no camera, for tests that add their own.

    ``fake_pool`` comes first, so that its pool is in place when ``loaded_entry`` sets up.
    """
    return loaded_entry


@pytest.fixture
def platforms() -> list[Platform]:
    """Return the platforms OpenEye sets up in a test: all, unless a test narrows them."""
    return list(PLATFORMS)


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, fake_pool: FakePool, platforms: list[Platform]
) -> AsyncGenerator[MockConfigEntry]:
    """Set OpenEye up with the fake pool, ``platforms`` only and one streaming camera, "door".

    The entry and camera have fixed ids, so that snapshots stay the same.
    """
    entry = camera_entry("rtsp://192.0.2.1/door", subentry_id="door", entry_id="openeye_entry")
    entry.add_to_hass(hass)
    with patch("custom_components.openeye.PLATFORMS", platforms):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    fake_pool.streaming("door")
    await hass.async_block_till_done()
    yield entry
    if entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Register every entity enabled, those disabled by default included, for snapshots."""
    with patch.object(
        Entity, "entity_registry_enabled_default", new_callable=PropertyMock, return_value=True
    ):
        yield
