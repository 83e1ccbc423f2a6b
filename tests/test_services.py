"""Tests for OpenEye's actions against the fake worker pool, and every refusal.

The pool answers for the worker (tests/fake_pool.py): these tests prove what
Home Assistant's side makes of its answers. Real images through real workers
are the pipeline's tests (tests/pipeline/test_still.py, test_images.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from unittest.mock import ANY

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError, Unauthorized
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
import voluptuous as vol

from custom_components.openeye.const import DOMAIN, MAX_NAME_LENGTH
from custom_components.openeye.pipeline.gallery import KnownPerson
from custom_components.openeye.pipeline.messages import ImageAnalysis
from tests.fake_pool import BOX, CROP, FakePool, one_face, still_image
from tests.helpers import entry_device, flush_entity_writes, hub_of

# What the photo files hold: the fake pool answers whatever they are, and the
# tests check that the pool was handed exactly these bytes.
PHOTO = b"\xff\xd8 a photo the fake pool answers for"


async def _enroll(hass: HomeAssistant, **data: object) -> dict[str, object]:
    """Call openeye.enroll_face with a response."""
    response = await hass.services.async_call(
        DOMAIN, "enroll_face", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


def _known(fake_pool: FakePool) -> tuple[KnownPerson, ...]:
    """Return the people in the gallery OpenEye last sent to the workers."""
    assert fake_pool.mock is not None
    return tuple(fake_pool.mock.async_set_gallery.await_args.args[0].people)


async def test_enroll_from_path_creates_person_and_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    media_dir: Path,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A photo inside the allowlist teaches a new person, with a device of their own.

    The worker's face (its encoding and crop) is what the gallery keeps, and
    the workers are sent the new gallery at once.
    """
    assert fake_pool.mock is not None
    fake_pool.mock.async_analyze_image.return_value = still_image(one_face(0.25))
    path = _write(media_dir, "astronaut.png", PHOTO)
    result = await _enroll(hass, name="  Eileen   Collins ", image_path=str(path))
    fake_pool.mock.async_analyze_image.assert_awaited_once_with(PHOTO, timeout=ANY)
    assert result["created"] is True
    assert result["name"] == "Eileen Collins"
    person = hub_of(init_integration).gallery.people[str(result["person_id"])]
    assert person.encodings == [[0.25] * 128]
    assert person.thumbnail == CROP
    assert _known(fake_pool) == (KnownPerson(person.person_id, "Eileen Collins", ((0.25,) * 128,)),)
    device = entry_device(
        device_registry, init_integration.entry_id, (DOMAIN, f"person_{person.person_id}")
    )
    await hass.async_block_till_done()
    assert device is not None
    assert device.name == "Eileen Collins"
    assert hass.states.get("binary_sensor.eileen_collins_presence").state == "off"
    await flush_entity_writes(hass)
    assert hass.states.get("sensor.openeye_known_people").state == "1"

    # A second photo goes to the same person when they are named as existing.
    fake_pool.mock.async_analyze_image.return_value = still_image(one_face(0.5))
    again = await _enroll(hass, person="eileen collins", image_path=str(path))
    assert again == {**result, "created": False}
    assert person.encodings == [[0.25] * 128, [0.5] * 128]
    assert [len(known.encodings) for known in _known(fake_pool)] == [2]


async def test_enroll_from_camera_and_scan(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    face_camera: str,
    media_dir: Path,
) -> None:
    """A camera snapshot teaches a face; a scan of the camera reports what the worker found.

    The worker names faces with the gallery OpenEye sent it: the scan's answer
    is the worker's, rounded, with the person the worker recognised.
    """
    assert fake_pool.mock is not None
    snapshot = (media_dir / "face.jpg").read_bytes()
    result = await _enroll(hass, name="Astronaut", camera_entity_id=face_camera)
    assert result["created"] is True
    fake_pool.mock.async_analyze_image.assert_awaited_once_with(snapshot, timeout=ANY)
    assert [known.name for known in _known(fake_pool)] == ["Astronaut"]

    named = dataclasses.replace(
        one_face(),
        person_id=str(result["person_id"]),
        person_name="Astronaut",
        distance=0.04321,
        confidence=0.95678,
    )
    fake_pool.mock.async_analyze_image.return_value = ImageAnalysis(1, 280, 260, faces=(named,))
    scan = await hass.services.async_call(
        DOMAIN, "scan", {"camera_entity_id": face_camera}, blocking=True, return_response=True
    )
    assert fake_pool.mock.async_analyze_image.await_args.args == (snapshot,)
    assert scan == {
        "camera_entity_id": face_camera,
        "width": 280,
        "height": 260,
        "faces": [
            {
                "person_id": result["person_id"],
                "person_name": "Astronaut",
                "distance": 0.043,
                "confidence": 0.957,
                "box": list(BOX),
            }
        ],
    }


@pytest.mark.parametrize(
    ("answer", "key"),
    [
        (still_image(error="not_an_image"), "not_an_image"),
        (still_image(error="image_too_large"), "image_too_large"),
        (still_image(), "no_face"),
        (still_image(one_face(0.1), one_face(0.9)), "several_faces"),
    ],
    ids=["not_an_image", "too_many_pixels", "no_face", "two_faces"],
)
async def test_enroll_refuses_bad_images(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    *,
    fake_pool: FakePool,
    media_dir: Path,
    answer: ImageAnalysis,
    key: str,
) -> None:
    """Every image the worker refuses, or finds no single face in, is a translated validation error.

    The gallery and what the workers were sent are unchanged.
    """
    assert fake_pool.mock is not None
    await _enroll(hass, name="Existing", image_path=str(_write(media_dir, "ok.jpg", PHOTO)))
    before = dict(hub_of(init_integration).gallery.people)
    sent = fake_pool.mock.async_set_gallery.await_count
    fake_pool.mock.async_analyze_image.return_value = answer
    with pytest.raises(ServiceValidationError) as err:
        await _enroll(hass, name="New", image_path=str(_write(media_dir, "bad.jpg", PHOTO)))
    assert err.value.translation_key == key
    assert err.value.translation_domain == DOMAIN
    assert hub_of(init_integration).gallery.people == before
    assert fake_pool.mock.async_set_gallery.await_count == sent


def _write(folder: Path, name: str, data: bytes) -> Path:
    """Write a file into a folder and return its path."""
    path = folder / name
    path.write_bytes(data)
    return path


async def test_enroll_refuses_bad_requests(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    """Paths, names and ids that cannot be used are refused before any analysis."""
    assert fake_pool.mock is not None
    good = _write(media_dir, "face.jpg", PHOTO)
    outside = _write(tmp_path, "outside.jpg", PHOTO)
    await _enroll(hass, name="Taken", image_path=str(good))
    fake_pool.mock.async_analyze_image.reset_mock()
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
    fake_pool.mock.async_analyze_image.assert_not_awaited()
    assert [p.name for p in hub_of(init_integration).gallery.people.values()] == ["Taken"]


async def test_rename_and_remove(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    media_dir: Path,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Renaming follows in the device and the workers; removing deletes the person and device."""
    path = _write(media_dir, "face.jpg", PHOTO)
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
    assert hub_of(init_integration).gallery.people[person_id].name == "Renamed"
    assert [known.name for known in _known(fake_pool)] == ["Renamed", "Second"]
    identifier = (DOMAIN, f"person_{person_id}")
    device = entry_device(device_registry, init_integration.entry_id, identifier)
    assert device is not None
    assert device.name == "Renamed"

    await hass.services.async_call(DOMAIN, "remove_person", {"person": "Renamed"}, blocking=True)
    await hass.async_block_till_done()
    assert person_id not in hub_of(init_integration).gallery.people
    assert [known.name for known in _known(fake_pool)] == ["Second"]
    assert entry_device(device_registry, init_integration.entry_id, identifier) is None
    await flush_entity_writes(hass)
    assert hass.states.get("sensor.openeye_known_people").state == "1"

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "remove_person", {"person": "Renamed"}, blocking=True
        )
    assert err.value.translation_key == "person_not_found"


async def test_mutating_actions_are_for_admins(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    *,
    fake_pool: FakePool,
    media_dir: Path,
    hass_read_only_user: MockUser,
    face_camera: str,
) -> None:
    """A non-admin user may scan but not change the gallery; a refusal costs no analysis."""
    assert fake_pool.mock is not None
    path = _write(media_dir, "face.jpg", PHOTO)
    context = Context(user_id=hass_read_only_user.id)
    for service, data in (
        ("enroll_face", {"name": "X", "image_path": str(path)}),
        ("rename_person", {"person": "X", "name": "Y"}),
        ("remove_person", {"person": "X"}),
        ("purge_unknown_faces", {}),
    ):
        with pytest.raises(Unauthorized):
            await hass.services.async_call(DOMAIN, service, data, blocking=True, context=context)
    fake_pool.mock.async_analyze_image.assert_not_awaited()
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
    assert hub_of(init_integration).gallery.people == {}


async def test_actions_need_a_loaded_entry(
    hass: HomeAssistant, fake_pool: FakePool, config_entry: MockConfigEntry, face_camera: str
) -> None:
    """With OpenEye set up but its entry not loaded, actions explain why they cannot run."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    assert fake_pool.mock is not None
    await hass.config_entries.async_unload(config_entry.entry_id)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, "scan", {"camera_entity_id": face_camera}, blocking=True, return_response=True
        )
    assert err.value.translation_key == "not_loaded"
    fake_pool.mock.async_analyze_image.assert_not_awaited()
