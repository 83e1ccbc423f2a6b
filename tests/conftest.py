"""Fixtures shared by OpenEye's Home Assistant tests."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator, Iterator
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openeye.const import DOMAIN, OPTION_DEFAULTS
from tests.faces import one_face_jpeg
from tests.rtsp_camera import EncodedStreams, RtspCamera, unavailable_reason


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load OpenEye from custom_components in every test."""


@pytest.fixture(autouse=True)
def no_http_listener() -> Generator[None]:
    """Keep Home Assistant's web server from listening on port 8123 during tests.

    OpenEye depends on the frontend, which loads the http component; its
    application is still served to the tests' clients (hass_client and
    hass_ws_client run it on a test server), only the real listener is left out.
    """
    with patch("homeassistant.components.http.start_http_server_and_save_config"):
        yield


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

    It is Home Assistant's own local_file camera, serving a file; its picture
    changes with the local_file.update_file_path action.
    """
    image = media_dir / "face.jpg"
    image.write_bytes(one_face_jpeg())
    assert await async_setup_component(
        hass,
        "camera",
        {"camera": {"platform": "local_file", "name": "Front door", "file_path": str(image)}},
    )
    await hass.async_block_till_done()
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
