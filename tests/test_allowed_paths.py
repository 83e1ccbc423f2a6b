"""A path refused because a symbolic link leads out of the allowed folders says where it leads."""

from __future__ import annotations

from pathlib import Path

from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openeye.const import CONF_URL, DOMAIN, SUBENTRY_CAMERA
from tests.faces import one_face_jpeg, write_face_video


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
    hass: HomeAssistant, loaded_entry: MockConfigEntry, linked: tuple[Path, Path]
) -> None:
    """The action says the path leads to the real folder, outside the allowed ones."""
    link, real = linked
    (real / "face.jpg").write_bytes(one_face_jpeg())
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
    assert loaded_entry.runtime_data.gallery.people == {}


async def test_a_camera_file_reached_through_a_link_is_refused_with_where_it_leads(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, linked: tuple[Path, Path], tmp_path: Path
) -> None:
    """The add-camera form names the real location; a plain outside path keeps its message."""
    link, real = linked
    write_face_video(str(real / "door.mp4"), frames=5)
    outside = tmp_path / "outside.mp4"
    write_face_video(str(outside), frames=5)
    result = await hass.config_entries.subentries.async_init(
        (loaded_entry.entry_id, SUBENTRY_CAMERA), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "url"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Door", CONF_URL: str(link / "door.mp4")}
    )
    assert result["errors"] == {CONF_URL: "path_resolves_outside"}
    assert result["description_placeholders"]["resolved"] == str(real / "door.mp4")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Door", CONF_URL: str(outside)}
    )
    assert result["errors"] == {CONF_URL: "path_not_allowed"}
    assert loaded_entry.subentries == {}
