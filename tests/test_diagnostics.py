"""Tests for OpenEye's diagnostics: useful figures, no face, name or password.

The worker pool is the fake of fake_pool.py: the face and the workers'
figures are what a pool would report, so that the test knows every one.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
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
from custom_components.openeye.pipeline.messages import StillFace
from tests.fake_pool import BOX, FakePool, recognized, still_image, unknown


async def test_diagnostics_redact_biometrics_names_and_addresses(
    hass: HomeAssistant,
    fake_entry: MockConfigEntry,
    fake_pool: FakePool,
    media_dir: Path,
    hass_client: ClientSessionGenerator,
) -> None:
    """Diagnostics list people, cameras and workers by id: no name, face or address anywhere."""
    assert await async_setup_component(hass, "diagnostics", {})
    assert fake_pool.mock is not None
    # A face whose crop is long enough that a piece of it in the diagnostics
    # could not be there by chance.
    crop = b"\xff\xd8" + bytes(range(256)) * 4
    fake_pool.mock.async_analyze_image.return_value = still_image(
        StillFace(box=BOX, encoding=(0.25,) * 128, crop_jpeg=crop)
    )
    photo = media_dir / "face.jpg"
    # Only a worker decodes the photo, and the fake answers with the face above.
    photo.write_bytes(b"\xff\xd8 a photo")
    await hass.services.async_call(
        DOMAIN, "enroll_face", {"name": "Eileen Collins", "image_path": str(photo)}, blocking=True
    )
    url = "rtsp://admin:secret@192.0.2.10:554/stream"
    hass.config_entries.async_add_subentry(
        fake_entry,
        ConfigSubentry(
            data={CONF_SOURCE_TYPE: "url", CONF_URL: url},
            subentry_type=SUBENTRY_CAMERA,
            title="Front door",
            unique_id=url,
        ),
    )
    await hass.async_block_till_done()

    file_camera = media_dir / "Hall camera.mp4"
    hass.config_entries.async_add_subentry(
        fake_entry,
        ConfigSubentry(
            data={CONF_SOURCE_TYPE: "url", CONF_URL: str(file_camera)},
            subentry_type=SUBENTRY_CAMERA,
            title="Hall",
            unique_id=str(file_camera),
        ),
    )
    await hass.async_block_till_done()

    camera_ids = sorted(fake_entry.runtime_data.cameras)
    hub = fake_entry.runtime_data
    (person,) = hub.gallery.people.values()
    # Two unknown faces far apart (two strangers) and a recognition, kept.
    fake_pool.emit(
        unknown(camera_ids[0], 1, 0.1),
        unknown(camera_ids[0], 2, 0.9),
        recognized(camera_ids[1], 3, person.person_id, value=0.25),
    )
    fake_pool.mock.worker_pids = [4242, 4343]
    fake_pool.mock.restarts = 1
    fake_pool.mock.cameras_by_worker = {4242: camera_ids[:1], 4343: camera_ids[1:]}

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, fake_entry)
    # Every string anywhere in the diagnostics, keys included, is checked.
    strings = list(_strings(diagnostics))
    forbidden = [
        person.name,
        "Eileen",
        "Collins",
        "Front door",
        "Hall",
        url,
        "admin",
        "secret",
        "192.0.2.10",
        str(file_camera),
        str(media_dir),
        base64.b64encode(person.thumbnail).decode()[:40],
    ]
    for text in strings:
        for secret in forbidden:
            assert secret not in text, (secret, text)
    [entry_person] = diagnostics["people"]
    assert entry_person["encoding_count"] == 1
    assert entry_person["counter_example_count"] == 0
    assert diagnostics["unknown_faces"] == 2
    assert diagnostics["strangers"] == [1, 1]
    assert diagnostics["recognitions_kept"] == 1
    assert diagnostics["statistics"]["strangers_today"] == 2
    assert entry_person["person_id"] == person.person_id
    schemes = sorted(camera["scheme"] for camera in diagnostics["cameras"])
    assert schemes == ["file", "rtsp"]
    assert {camera["source_type"] for camera in diagnostics["cameras"]} == {"url"}
    assert diagnostics["settings"]["tolerance"] == 0.6
    assert diagnostics["options"]["tolerance"] == 0.6
    assert diagnostics["invalid_options"] == []
    assert person.thumbnail == crop
    assert diagnostics["workers"]["pids"] == [4242, 4343]
    assert diagnostics["workers"]["restarts"] == 1
    assert diagnostics["workers"]["cameras"] == {
        "4242": camera_ids[:1],
        "4343": camera_ids[1:],
    }
    assert sorted(camera["camera_id"] for camera in diagnostics["cameras"]) == camera_ids
    assert diagnostics["statistics"]["known_people"] == 1
    assert diagnostics["engine_error"] is None


def _strings(value: object) -> Iterator[str]:
    """Yield every string in a JSON-like value: keys, values and items at any depth."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif value is not None:
        yield json.dumps(value)
