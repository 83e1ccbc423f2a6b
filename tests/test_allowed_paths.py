"""A path refused because a symbolic link leads out of the allowed folders says where it leads."""

from __future__ import annotations

from pathlib import Path

from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openeye.const import CONF_URL, DOMAIN, SUBENTRY_CAMERA
from tests.fake_pool import FakePool

# What the files hold: they are refused by their path, never read.
CONTENT = b"a photo or video nobody reads"


@pytest.fixture
def linked(hass: HomeAssistant, tmp_path: Path) -> tuple[Path, Path]:
    """Allow a folder that is a symbolic link; return (the link, the real folder)."""
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "media"
    link.symlink_to(real)
    hass.config.allowlist_external_dirs = {str(link)}
    return link, real


async def test_a_photo_reached_through_a_link_is_refused_with_where_it_leads(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    linked: tuple[Path, Path],
) -> None:
    """The action says the path leads to the real folder, outside the allowed ones."""
    link, real = linked
    (real / "face.jpg").write_bytes(CONTENT)
    with pytest.raises(ServiceValidationError) as info:
        await hass.services.async_call(
            DOMAIN,
            "enroll_face",
            {"name": "Eileen", "image_path": str(link / "face.jpg")},
            blocking=True,
        )
    assert info.value.translation_key == "path_resolves_outside"
    assert info.value.translation_placeholders == {
        "path": str(link / "face.jpg"),
        "resolved": str(real / "face.jpg"),
    }
    assert fake_pool.mock is not None
    fake_pool.mock.async_analyze_image.assert_not_awaited()
    assert init_integration.runtime_data.gallery.people == {}


async def test_a_camera_file_reached_through_a_link_is_refused_with_where_it_leads(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    linked: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    """The add-camera form names the real location; a plain outside path keeps its message.

    Neither file is probed: the path alone refuses it.
    """
    link, real = linked
    (real / "door.mp4").write_bytes(CONTENT)
    outside = tmp_path / "outside.mp4"
    outside.write_bytes(CONTENT)
    result = await hass.config_entries.subentries.async_init(
        (init_integration.entry_id, SUBENTRY_CAMERA), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "url"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Porch", CONF_URL: str(link / "door.mp4")}
    )
    assert result["errors"] == {CONF_URL: "path_resolves_outside"}
    assert result["description_placeholders"]["resolved"] == str(real / "door.mp4")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Porch", CONF_URL: str(outside)}
    )
    assert result["errors"] == {CONF_URL: "path_not_allowed"}
    assert fake_pool.mock is not None
    fake_pool.mock.async_probe_source.assert_not_awaited()
    # Only the camera the entry was set up with.
    assert list(init_integration.subentries) == ["door"]
