"""A camera's password stays in its stored address: never in its id, never shown in a form.

The forms run against the fake pool of fake_pool.py; a real camera refusing a
password is tested in tests/test_rtsp_cameras.py.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openeye.camera_address import address_key, masked, unmasked
from custom_components.openeye.const import (
    CONF_SOURCE_TYPE,
    CONF_URL,
    DOMAIN,
    OPTION_DEFAULTS,
    SOURCE_TYPE_URL,
    SUBENTRY_CAMERA,
)
from tests.fake_pool import FakePool
from tests.helpers import start_camera_reconfigure

# A camera's stream address, without credentials: what its unique id must be.
CAMERA = "http://127.0.0.1:8081/video.mjpg"


@pytest.mark.parametrize(
    ("url", "key", "shown"),
    [
        (
            "rtsp://admin:s3cret@192.168.1.20:554/stream2",
            "rtsp://192.168.1.20:554/stream2",
            "rtsp://admin:***@192.168.1.20:554/stream2",
        ),
        ("rtsp://viewer@cam.local/live", "rtsp://cam.local/live", "rtsp://viewer@cam.local/live"),
        ("http://[fd00::5]:8080/video?x=1", "http://[fd00::5]:8080/video?x=1", None),
        ("https://u:p@cam/mjpg", "https://cam/mjpg", "https://u:***@cam/mjpg"),
        ("/media/door.mp4", "/media/door.mp4", None),
        ("file:///media/door.mp4", "file:///media/door.mp4", None),
    ],
)
def test_keys_and_forms_leave_the_password_out(url: str, key: str, shown: str | None) -> None:
    """The unique id drops the credentials; the form shows the password as ***."""
    assert address_key(url) == key
    assert masked(url) == (shown or url)


def test_a_masked_address_keeps_its_password_for_the_same_server_only() -> None:
    """*** gets the stored password back for the same user at the same host, and nowhere else."""
    stored = "rtsp://admin:s3cret@192.168.1.20:554/stream2"
    assert unmasked("rtsp://admin:***@192.168.1.20:554/stream1", stored) == (
        "rtsp://admin:s3cret@192.168.1.20:554/stream1"
    )
    for elsewhere in (
        "rtsp://admin:***@192.168.1.99:554/stream2",
        "rtsp://admin:***@192.168.1.20:8554/stream2",
        "rtsp://root:***@192.168.1.20:554/stream2",
        "rtsps://admin:***@192.168.1.20:554/stream2",
    ):
        assert unmasked(elsewhere, stored) is None, elsewhere
    assert unmasked("rtsp://admin:***@192.168.1.20:554/stream2", None) is None
    assert (
        unmasked("rtsp://admin:***@192.168.1.20:554/s", "rtsp://admin@192.168.1.20:554/s") is None
    )
    # A new password, or none, is taken as typed.
    assert unmasked("rtsp://admin:n3w@192.168.1.20:554/s", stored) == (
        "rtsp://admin:n3w@192.168.1.20:554/s"
    )
    assert unmasked("/media/door.mp4", stored) == "/media/door.mp4"


def _with_credentials(user: str, password: str) -> str:
    """Return the camera's address with a user name and password in it."""
    return CAMERA.replace("http://", f"http://{user}:{password}@")


async def test_the_camera_form_never_shows_the_password_and_keeps_it(
    hass: HomeAssistant, fake_entry: MockConfigEntry, fake_pool: FakePool
) -> None:
    """Added with a password, a camera's id and reconfigure form show none; *** keeps it."""
    url = _with_credentials("admin", "s3cret")
    result = await hass.config_entries.subentries.async_init(
        (fake_entry.entry_id, SUBENTRY_CAMERA), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "url"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Door", CONF_URL: url}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = fake_entry.subentries.values()
    assert subentry.unique_id == CAMERA
    assert subentry.data[CONF_URL] == url
    # The worker was given the password: it needs it to open the stream.
    assert fake_pool.mock is not None
    assert fake_pool.mock.async_probe_source.await_args.args == (url,)

    # The same stream with another password is the same camera.
    result = await hass.config_entries.subentries.async_init(
        (fake_entry.entry_id, SUBENTRY_CAMERA), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "url"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_NAME: "Door 2", CONF_URL: _with_credentials("admin", "other")},
    )
    assert result["errors"] == {"base": "already_configured"}

    result = await start_camera_reconfigure(hass, fake_entry, subentry.subentry_id)
    assert result["step_id"] == "url"
    shown = {str(key): key.description["suggested_value"] for key in result["data_schema"].schema}
    assert shown[CONF_URL] == _with_credentials("admin", "***")
    assert "s3cret" not in str(result)

    # The same address at another host with the mask: the password must be typed again.
    elsewhere = shown[CONF_URL].replace("127.0.0.1", "localhost")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Door", CONF_URL: elsewhere}
    )
    assert result["errors"] == {CONF_URL: "password_required"}
    assert "s3cret" not in str(result)

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Front door", CONF_URL: shown[CONF_URL]}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    subentry = fake_entry.subentries[subentry.subentry_id]
    assert (subentry.title, subentry.data[CONF_URL]) == ("Front door", url)
    assert subentry.unique_id == CAMERA


async def test_stored_ids_with_passwords_are_migrated(
    hass: HomeAssistant, fake_pool: FakePool
) -> None:
    """Entries stored before 1.2 had the address, password and all, as each camera's id."""
    url = "rtsp://admin:s3cret@192.0.2.10:554/stream"
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="OpenEye",
        version=1,
        minor_version=1,
        options=dict(OPTION_DEFAULTS),
        subentries_data=[
            ConfigSubentryData(
                data={CONF_SOURCE_TYPE: SOURCE_TYPE_URL, CONF_URL: url},
                subentry_type=SUBENTRY_CAMERA,
                title="Door",
                unique_id=url,
            )
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    (subentry,) = entry.subentries.values()
    assert subentry.unique_id == "rtsp://192.0.2.10:554/stream"
    assert subentry.data[CONF_URL] == url
    assert entry.minor_version == 2
    # The camera is started with its credentials, under the migrated entry.
    assert fake_pool.mock is not None
    assert fake_pool.mock.async_add_camera.await_args.args[:2] == (subentry.subentry_id, url)
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_an_entry_from_a_newer_version_is_not_touched(hass: HomeAssistant) -> None:
    """An entry a later OpenEye stored (version 2) fails to migrate instead of being misread."""
    entry = MockConfigEntry(domain=DOMAIN, version=2, options=dict(OPTION_DEFAULTS))
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
