"""Cameras' names: cleaned as people's names are, and never two cameras of the same name.

The worker pool is the fake of fake_pool.py, whose probes find a frame in
every source: the names alone decide what the forms say.
"""

from __future__ import annotations

from pathlib import Path

from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openeye.const import CONF_CAMERA_ENTITY_ID, CONF_URL, SUBENTRY_CAMERA


async def _add(hass: HomeAssistant, entry: MockConfigEntry, name: str, url: str) -> dict:
    """Run the add-camera flow for a file camera; return the last result."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CAMERA), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "url"}
    )
    return dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"], {CONF_NAME: name, CONF_URL: url}
        )
    )


async def test_a_second_camera_of_the_same_name_is_refused(
    hass: HomeAssistant, fake_entry: MockConfigEntry, media_dir: Path
) -> None:
    """Names that look the same are the same; the first camera keeps its cleaned name."""
    result = await _add(hass, fake_entry, "  Front   door ", str(media_dir / "door0.mp4"))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Front door"
    for taken in ("front door", "Front\u200b door", "\uff26\uff32\uff2f\uff2e\uff34 DOOR"):
        result = await _add(hass, fake_entry, taken, str(media_dir / "door1.mp4"))
        assert result["errors"] == {CONF_NAME: "name_taken"}, taken
    for name, error in (
        ("\u200b", "name_empty"),
        ("x" * 65, "name_too_long"),
        ("a\u202eb", "name_invalid"),
    ):
        result = await _add(hass, fake_entry, name, str(media_dir / "door1.mp4"))
        assert result["errors"] == {CONF_NAME: error}, name
    result = await _add(hass, fake_entry, "Back door", str(media_dir / "door2.mp4"))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert sorted(s.title for s in fake_entry.subentries.values()) == ["Back door", "Front door"]


async def test_a_camera_entity_gets_the_same_name_checks(
    hass: HomeAssistant, fake_entry: MockConfigEntry, face_camera: str
) -> None:
    """The camera-entity form refuses an unusable name before it looks at the camera."""
    result = await hass.config_entries.subentries.async_init(
        (fake_entry.entry_id, SUBENTRY_CAMERA), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "camera_entity"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "\u200b", CONF_CAMERA_ENTITY_ID: face_camera}
    )
    assert result["errors"] == {CONF_NAME: "name_empty"}
    assert fake_entry.subentries == {}
