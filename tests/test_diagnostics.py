"""Tests for OpenEye's diagnostics: useful figures, no face, name or password."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.openeye.const import CONF_SOURCE_TYPE, CONF_URL, DOMAIN, SUBENTRY_CAMERA
from tests.faces import one_face_jpeg


async def test_diagnostics_redact_biometrics_names_and_addresses(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
    hass_client: ClientSessionGenerator,
) -> None:
    """Diagnostics list people, cameras and workers, with faces, names and URLs redacted."""
    assert await async_setup_component(hass, "diagnostics", {})
    photo = media_dir / "face.jpg"
    photo.write_bytes(one_face_jpeg())
    await hass.services.async_call(
        DOMAIN, "enroll_face", {"name": "Eileen Collins", "image_path": str(photo)}, blocking=True
    )
    url = "rtsp://admin:secret@192.0.2.10:554/stream"
    hass.config_entries.async_add_subentry(
        loaded_entry,
        ConfigSubentry(
            data={CONF_SOURCE_TYPE: "url", CONF_URL: url},
            subentry_type=SUBENTRY_CAMERA,
            title="Front door",
            unique_id=url,
        ),
    )
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    text = json.dumps(diagnostics)
    for secret in ("Eileen", "secret", "192.0.2.10", "Front door"):
        assert secret not in text
    [person] = diagnostics["people"]
    assert person["name"] == "**REDACTED**"
    assert person["encoding_count"] == 1
    [camera] = diagnostics["cameras"]
    assert camera["url"] == "**REDACTED**"
    assert camera["source_type"] == "url"
    assert camera["status"] in ("connecting", "reconnecting", "failed")
    assert diagnostics["settings"]["tolerance"] == 0.6
    assert diagnostics["workers"]["pids"]
    assert diagnostics["statistics"]["known_people"] == 1
    assert diagnostics["engine_error"] is None
