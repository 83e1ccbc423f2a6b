"""Tests for the gallery's storage: retention of unknown faces and corrupt files."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, UnknownUser
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openeye.const import DOMAIN
from custom_components.openeye.errors import OpenEyeValidationError
from custom_components.openeye.gallery_records import UnknownFaceRecord
from custom_components.openeye.gallery_store import GalleryStore
from custom_components.openeye.statistics import DailyStatistics
from tests.fake_pool import FakePool


def _record(unknown_id: str, days_old: float) -> UnknownFaceRecord:
    """Return an unknown face seen some days ago."""
    return UnknownFaceRecord(
        unknown_id=unknown_id,
        camera_id="cam",
        camera_name="Cam",
        timestamp=dt_util.utcnow() - timedelta(days=days_old),
        encoding=[0.0] * 128,
        crop=b"\xff\xd8",
    )


async def test_unknown_face_retention(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    """Unknown faces are pruned by age and by count, newest kept, and purged on request."""
    gallery = GalleryStore(hass)
    await gallery.async_load()
    for index, age in enumerate((10, 5, 3, 2, 1)):
        gallery.add_unknown(_record(f"u{index}", age), max_days=7, max_count=100)
    assert sorted(gallery.unknown) == ["u1", "u2", "u3", "u4"]
    assert gallery.prune_unknown(max_days=7, max_count=2) == 2
    assert sorted(gallery.unknown) == ["u3", "u4"]
    assert gallery.prune_unknown(max_days=7, max_count=2) == 0

    assert await gallery.async_purge_unknown(dt_util.utcnow() - timedelta(days=1.5)) == 1
    assert list(gallery.unknown) == ["u4"]
    assert [r["id"] for r in hass_storage[f"{DOMAIN}.gallery"]["data"]["unknown"]] == ["u4"]
    removed = await gallery.async_remove_unknown("u4")
    assert removed.unknown_id == "u4"
    with pytest.raises(OpenEyeValidationError) as err:
        await gallery.async_remove_unknown("u4")
    assert err.value.code == "not_found"
    gallery.mark_seen("nobody", dt_util.utcnow(), "cam")
    assert gallery.people == {}


async def test_corrupt_gallery_is_never_overwritten(
    hass: HomeAssistant,
    fake_pool: FakePool,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """A gallery file OpenEye cannot read fails the setup, starts no worker and stays as it was."""
    stored = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.gallery",
        "data": {
            "people": [
                {
                    "id": "p1",
                    "name": "Kept",
                    "encodings": [[0.0] * 128],
                    "created": "not a time",
                }
            ]
        },
    }
    hass_storage[f"{DOMAIN}.gallery"] = stored
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert fake_pool.mock is not None
    fake_pool.mock.async_start.assert_not_awaited()
    assert hass_storage[f"{DOMAIN}.gallery"] == stored


async def test_camera_that_gives_no_picture(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    face_camera: str,
    media_dir: Path,
) -> None:
    """Enrolling from a camera without a picture is a translated refusal, with nothing analysed."""
    (media_dir / "face.jpg").unlink()
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "enroll_face", {"name": "X", "camera_entity_id": face_camera}, blocking=True
        )
    assert err.value.translation_key == "camera_unavailable"
    assert fake_pool.mock is not None
    fake_pool.mock.async_analyze_image.assert_not_awaited()
    assert init_integration.runtime_data.gallery.people == {}


async def test_unknown_user_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A call whose user does not exist is refused like Home Assistant refuses it."""
    with pytest.raises(UnknownUser):
        await hass.services.async_call(
            DOMAIN,
            "remove_person",
            {"person": "X"},
            blocking=True,
            context=Context(user_id="no-such-user"),
        )


def test_daily_statistics_restore() -> None:
    """Stored figures count only on their own day; the last recognition is kept if readable."""
    last = {
        "person_id": "p",
        "person_name": "Eileen",
        "camera_id": "c",
        "camera_name": "Door",
        "confidence": 0.7,
        "distance": 0.36,
        "timestamp": "2026-11-24T10:00:00+00:00",
        "image_url": None,
    }
    statistics = DailyStatistics()
    statistics.restore({"day": "1999-01-01", "recognitions_today": 5, "last_recognition": last})
    assert statistics.recognitions_today == 0
    assert statistics.last_recognition is not None
    assert statistics.last_recognition.as_dict() == last
    assert statistics.as_storage()["last_recognition"] == last

    for broken in (
        {**last, "timestamp": "yesterday"},
        {"person_id": "p"},
        {**last, "distance": "x"},
    ):
        statistics = DailyStatistics()
        statistics.restore({"last_recognition": broken})
        assert statistics.last_recognition is None
    assert not statistics.start_new_day()
