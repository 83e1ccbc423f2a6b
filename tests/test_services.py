"""Tests for OpenEye's actions: real images through the real worker, and every refusal."""

from __future__ import annotations

from pathlib import Path

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError, Unauthorized
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
import voluptuous as vol

from custom_components.openeye.const import DOMAIN, MAX_NAME_LENGTH
from custom_components.openeye.hub import OpenEyeHub
from tests.faces import no_face_jpeg, one_face_jpeg, one_face_png, two_faces_jpeg
from tests.helpers import entry_device, flush_entity_writes


def _hub(entry: MockConfigEntry) -> OpenEyeHub:
    """Return the entry's hub."""
    hub: OpenEyeHub = entry.runtime_data
    return hub


async def _enroll(hass: HomeAssistant, **data: object) -> dict[str, object]:
    """Call openeye.enroll_face with a response."""
    response = await hass.services.async_call(
        DOMAIN, "enroll_face", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


async def test_enroll_from_path_creates_person_and_device(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A photo inside the allowlist teaches a new person, with a device of their own."""
    path = media_dir / "astronaut.png"
    path.write_bytes(one_face_png())
    result = await _enroll(hass, name="  Eileen   Collins ", image_path=str(path))
    assert result["created"] is True
    assert result["name"] == "Eileen Collins"
    person = _hub(loaded_entry).gallery.people[str(result["person_id"])]
    assert len(person.encodings) == 1
    assert len(person.encodings[0]) == 128
    assert person.thumbnail.startswith(b"\xff\xd8")
    device = entry_device(
        device_registry, loaded_entry.entry_id, (DOMAIN, f"person_{person.person_id}")
    )
    await hass.async_block_till_done()
    assert device is not None
    assert device.name == "Eileen Collins"
    assert hass.states.get("binary_sensor.eileen_collins_presence").state == "off"
    await flush_entity_writes(hass)
    assert hass.states.get("sensor.openeye_known_people").state == "1"

    # A second photo goes to the same person when they are named as existing.
    again = await _enroll(hass, person="eileen collins", image_path=str(path))
    assert again == {**result, "created": False}
    assert len(person.encodings) == 2


async def test_enroll_from_camera_and_scan(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, face_camera: str
) -> None:
    """A camera snapshot teaches a face, and scanning the camera then names it."""
    result = await _enroll(hass, name="Astronaut", camera_entity_id=face_camera)
    assert result["created"] is True

    scan = await hass.services.async_call(
        DOMAIN, "scan", {"camera_entity_id": face_camera}, blocking=True, return_response=True
    )
    assert scan is not None
    assert scan["camera_entity_id"] == face_camera
    assert (scan["width"], scan["height"]) == (280, 260)
    [face] = scan["faces"]
    assert face["person_name"] == "Astronaut"
    assert face["distance"] < 0.1
    assert face["confidence"] > 0.9
    top, right, bottom, left = face["box"]
    assert 0 <= left < right <= 280
    assert 0 <= top < bottom <= 260


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"this is not an image", "not_an_image"),
        (one_face_jpeg()[:2000], "not_an_image"),
        (no_face_jpeg(), "no_face"),
        (two_faces_jpeg(), "several_faces"),
    ],
    ids=["text", "truncated_jpeg", "no_face", "two_faces"],
)
async def test_enroll_refuses_bad_images(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
    data: bytes,
    key: str,
) -> None:
    """Every bad image is a translated validation error and the gallery is unchanged."""
    await _enroll(
        hass, name="Existing", image_path=str(_write(media_dir, "ok.jpg", one_face_jpeg()))
    )
    before = dict(_hub(loaded_entry).gallery.people)
    with pytest.raises(ServiceValidationError) as err:
        await _enroll(hass, name="New", image_path=str(_write(media_dir, "bad.jpg", data)))
    assert err.value.translation_key == key
    assert err.value.translation_domain == DOMAIN
    assert _hub(loaded_entry).gallery.people == before


def _write(folder: Path, name: str, data: bytes) -> Path:
    """Write a file into a folder and return its path."""
    path = folder / name
    path.write_bytes(data)
    return path


async def test_enroll_refuses_bad_requests(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, media_dir: Path, tmp_path: Path
) -> None:
    """Paths, names and ids that cannot be used are refused before any analysis."""
    good = _write(media_dir, "face.jpg", one_face_jpeg())
    outside = _write(tmp_path, "outside.jpg", one_face_jpeg())
    await _enroll(hass, name="Taken", image_path=str(good))
    cases = [
        ({"name": "New", "image_path": str(outside)}, "path_not_allowed"),
        ({"name": "New", "image_path": str(media_dir / "missing.jpg")}, "file_not_found"),
        ({"name": "taken", "image_path": str(good)}, "duplicate_name"),
        ({"name": "   ", "image_path": str(good)}, "name_empty"),
        ({"name": "x" * (MAX_NAME_LENGTH + 1), "image_path": str(good)}, "name_too_long"),
        ({"person": "Nobody", "image_path": str(good)}, "person_not_found"),
        ({"name": "New", "unknown_face_id": "nope"}, "unknown_face_not_found"),
        ({"name": "New", "camera_entity_id": "camera.missing"}, "camera_not_found"),
    ]
    for data, key in cases:
        with pytest.raises(ServiceValidationError) as err:
            await _enroll(hass, **data)
        assert err.value.translation_key == key, data
    # A path no file can have, and text far beyond any name, fail the action's schema.
    for data in (
        {"name": "New", "image_path": str(good) + "\x00.jpg"},
        {"name": "New", "image_path": "/" + "d" * 5000},
        {"name": "n" * 10_000, "image_path": str(good)},
        {"person": "p" * 10_000, "image_path": str(good)},
    ):
        with pytest.raises(vol.Invalid):
            await _enroll(hass, **data)
    assert [p.name for p in _hub(loaded_entry).gallery.people.values()] == ["Taken"]


async def test_rename_and_remove(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Renaming follows in the device; removing deletes the person and their device."""
    path = _write(media_dir, "face.jpg", one_face_jpeg())
    first = await _enroll(hass, name="First", image_path=str(path))
    await _enroll(hass, name="Second", image_path=str(path))
    person_id = str(first["person_id"])

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "rename_person", {"person": "First", "name": "second"}, blocking=True
        )
    assert err.value.translation_key == "duplicate_name"

    await hass.services.async_call(
        DOMAIN, "rename_person", {"person": person_id, "name": "Renamed"}, blocking=True
    )
    assert _hub(loaded_entry).gallery.people[person_id].name == "Renamed"
    identifier = (DOMAIN, f"person_{person_id}")
    device = entry_device(device_registry, loaded_entry.entry_id, identifier)
    assert device is not None
    assert device.name == "Renamed"

    await hass.services.async_call(DOMAIN, "remove_person", {"person": "Renamed"}, blocking=True)
    await hass.async_block_till_done()
    assert person_id not in _hub(loaded_entry).gallery.people
    assert entry_device(device_registry, loaded_entry.entry_id, identifier) is None
    await flush_entity_writes(hass)
    assert hass.states.get("sensor.openeye_known_people").state == "1"

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "remove_person", {"person": "Renamed"}, blocking=True
        )
    assert err.value.translation_key == "person_not_found"


async def test_mutating_actions_are_for_admins(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    media_dir: Path,
    hass_read_only_user: MockUser,
    face_camera: str,
) -> None:
    """A non-admin user may scan but not change the gallery."""
    path = _write(media_dir, "face.jpg", one_face_jpeg())
    context = Context(user_id=hass_read_only_user.id)
    for service, data in (
        ("enroll_face", {"name": "X", "image_path": str(path)}),
        ("rename_person", {"person": "X", "name": "Y"}),
        ("remove_person", {"person": "X"}),
        ("purge_unknown_faces", {}),
    ):
        with pytest.raises(Unauthorized):
            await hass.services.async_call(DOMAIN, service, data, blocking=True, context=context)
    response = await hass.services.async_call(
        DOMAIN,
        "scan",
        {"camera_entity_id": face_camera},
        blocking=True,
        context=context,
        return_response=True,
    )
    assert response is not None
    assert len(response["faces"]) == 1
    assert _hub(loaded_entry).gallery.people == {}


async def test_actions_need_a_loaded_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry, face_camera: str
) -> None:
    """With OpenEye set up but its entry not loaded, actions explain why they cannot run."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.config_entries.async_unload(config_entry.entry_id)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, "scan", {"camera_entity_id": face_camera}, blocking=True, return_response=True
        )
    assert err.value.translation_key == "not_loaded"
