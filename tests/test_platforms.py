"""Every entity of each platform, as Home Assistant registers and shows it, in snapshots.

OpenEye is set up with one platform at a time (the ``platforms`` fixture of
conftest.py), the fake worker pool, one camera and one person taught through
the action, on a frozen clock; ``snapshot_platform`` then records each
entity's registry entry and state.

Home Assistant's registry entries gain fields between versions, so each major
version that the test lanes run keeps its own snapshot folder
(``snapshots/ha-2025``, ``snapshots/ha-2026``).
"""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch
import uuid

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import MAJOR_VERSION, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props
from syrupy.location import PyTestLocation

from custom_components.openeye.const import DOMAIN
from tests.fake_pool import FakePool, recognized
from tests.helpers import flush_entity_writes

# The person's id, fixed so that unique ids stay the same from run to run.
PERSON_ID = uuid.UUID(int=7)
# The recognition's id (in the event entity's attributes), fixed for the same reason.
RECOGNITION_ID = uuid.UUID(int=8)


class VersionedSnapshots(HomeAssistantSnapshotExtension):
    """Keeps snapshots in a folder of the running Home Assistant's major version."""

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        """Return snapshots/ha-<major version> beside the test file."""
        return str(Path(test_location.filepath).parent / "snapshots" / f"ha-{MAJOR_VERSION}")


@pytest.fixture(autouse=True)
def frozen_clock(freezer: FrozenDateTimeFactory) -> None:
    """Freeze the clock, so that times in states are the same in every run."""
    freezer.move_to("2026-12-01T12:00:00+00:00")


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "platforms",
    [[Platform.SENSOR], [Platform.BINARY_SENSOR], [Platform.EVENT], [Platform.IMAGE]],
    ids=["sensor", "binary_sensor", "event", "image"],
)
async def test_platform(  # noqa: PLR0917 - pytest passes fixtures by position
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    media_dir: Path,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """The OpenEye device's, the camera's and the person's entities, after one recognition."""
    photo = media_dir / "eileen.jpg"
    photo.write_bytes(b"\xff\xd8 the fake pool finds one face in any image")
    with patch("custom_components.openeye.gallery_store.uuid.uuid4", return_value=PERSON_ID):
        await hass.services.async_call(
            DOMAIN, "enroll_face", {"name": "Eileen", "image_path": str(photo)}, blocking=True
        )
    with patch("custom_components.openeye.sightings.uuid.uuid4", return_value=RECOGNITION_ID):
        fake_pool.emit(recognized("door", 1, PERSON_ID.hex))
    await flush_entity_writes(hass)
    await snapshot_platform(
        hass,
        entity_registry,
        snapshot.use_extension(VersionedSnapshots).with_defaults(
            # The image entity's access token is random in every run.
            exclude=props("access_token", "entity_picture")
        ),
        init_integration.entry_id,
    )


async def test_devices(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    media_dir: Path,
    device_registry: dr.DeviceRegistry,
) -> None:
    """OpenEye's device, with the camera's and the person's below it."""
    photo = media_dir / "eileen.jpg"
    photo.write_bytes(b"\xff\xd8 the fake pool finds one face in any image")
    await hass.services.async_call(
        DOMAIN, "enroll_face", {"name": "Eileen", "image_path": str(photo)}, blocking=True
    )
    devices = dr.async_entries_for_config_entry(device_registry, init_integration.entry_id)
    by_id = {device.id: device for device in devices}
    described = {
        (
            device.name,
            device.model,
            by_id[device.via_device_id].name if device.via_device_id else None,
        )
        for device in devices
    }
    assert described == {
        ("OpenEye", "Face recognition", None),
        ("Door", "Camera", "OpenEye"),
        ("Eileen", "Person", "OpenEye"),
    }
    [camera] = [device for device in devices if device.model == "Camera"]
    # The camera's device belongs to its subentry, so that removing the camera
    # removes it. Home Assistant 2026.x gives a device one config entry and
    # subentry (and deprecates the mapping of 2025.4, which has only that).
    if hasattr(camera, "config_subentry_id"):
        assert camera.config_subentry_id == "door"
    else:
        assert camera.config_entries_subentries[init_integration.entry_id] == {"door"}
