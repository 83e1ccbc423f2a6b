"""Durability: a real Home Assistant killed with SIGKILL keeps every acknowledged change.

This is the one test that runs Home Assistant as users run it, ``hass -c
<folder>``, in a process of its own (tests/real_hass.py): the owner is created
through onboarding, OpenEye through its config flow, and faces are taught
through the REST services API with a real token. The process is killed in the
middle of a burst of enrollments (and, in the second test, of stranger
assignments and corrections), as a power cut would, then started again.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
import json
from pathlib import Path
import time
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import numpy as np
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.openeye.gallery_records import Person, RecognitionRecord, UnknownFaceRecord
from custom_components.openeye.gallery_store import (
    SAVE_DELAY,
    STORAGE_KEY,
    STORAGE_MINOR_VERSION,
    STORAGE_VERSION,
)
from tests.faces import one_face_jpeg
from tests.helpers import entry_device
from tests.real_hass import HassError, RealHass

BURST = 30
# Kill once this many enrollments have been acknowledged: the rest are in flight.
KILL_AFTER = 6


def _alive(pid: int) -> bool:
    """Return whether a process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.long
@pytest.mark.real_hass
async def test_acknowledged_enrollments_survive_sigkill(
    tmp_path: Path, socket_enabled: None
) -> None:
    """Every enrollment answered with HTTP 200 before the kill is there after the restart."""
    photos = tmp_path / "photos"
    photos.mkdir()
    photo = photos / "face.jpg"
    photo.write_bytes(one_face_jpeg())
    names = [f"Person {index:02d}" for index in range(BURST)]
    hass = RealHass(tmp_path / "config", allowlist=(photos,))
    try:
        await hass.start()
        await hass.onboard()
        await hass.setup_openeye()
        acknowledged: list[str] = []
        enough = asyncio.Event()

        async def enroll(name: str) -> None:
            """Teach one face; remember it only if Home Assistant acknowledged it."""
            with contextlib.suppress(HassError, aiohttp.ClientError):
                await hass.call_service(
                    "openeye", "enroll_face", {"name": name, "image_path": str(photo)}
                )
                acknowledged.append(name)
                if len(acknowledged) >= KILL_AFTER:
                    enough.set()

        burst = [asyncio.create_task(enroll(name)) for name in names]
        async with asyncio.timeout(90):
            await enough.wait()
        workers = hass.worker_pids()
        hass.kill()
        await asyncio.gather(*burst)
        killed_with = list(acknowledged)
        assert KILL_AFTER <= len(killed_with) < BURST, "the kill came in the middle of the burst"

        # The workers notice that their owner is gone and exit by themselves.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if not any(_alive(pid) for pid in workers):
                break
            await asyncio.sleep(0.1)
        assert not any(_alive(pid) for pid in workers)

        await hass.start()
        await hass.onboard()
        assert await hass.wait_for_openeye() == "loaded", "the gallery loads"
        client = await hass.websocket()
        try:
            listed = await client.command({"type": "openeye/people/list"})
            statistics = await client.command({"type": "openeye/statistics"})
        finally:
            await client.close()
        stored = {person["name"] for person in listed["people"]}
        assert set(killed_with) <= stored
        # Enrollments in flight may or may not have been written; nothing else is there.
        assert stored <= set(names)
        assert statistics["known_people"] == len(stored)
    finally:
        await hass.close()


async def test_devices_hang_below_openeye_after_a_restart(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    media_dir: Path,
    device_registry: dr.DeviceRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After a restart, person devices are added below an OpenEye device that exists.

    Home Assistant warns about (and from 2025.12 refuses) a ``via_device``
    that does not exist yet; the platforms add person and camera entities
    before the sensors that describe the OpenEye device itself. Seen after a
    real Home Assistant was killed soon after its first setup.
    """
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    photo = media_dir / "face.jpg"
    photo.write_bytes(one_face_jpeg())
    await hass.services.async_call(
        "openeye", "enroll_face", {"name": "Eileen", "image_path": str(photo)}, blocking=True
    )
    # As after a crash within seconds of the first setup: the device registry,
    # saved with a delay, never got the OpenEye device onto the disk.
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    hub_device = entry_device(
        device_registry, config_entry.entry_id, ("openeye", config_entry.entry_id)
    )
    assert hub_device is not None
    device_registry.async_remove_device(hub_device.id)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert "via_device" not in caplog.text
    hub_device = entry_device(
        device_registry, config_entry.entry_id, ("openeye", config_entry.entry_id)
    )
    assert hub_device is not None
    people = [
        device
        for device in dr.async_entries_for_config_entry(device_registry, config_entry.entry_id)
        if device.model == "Person"
    ]
    assert [device.via_device_id for device in people] == [hub_device.id]
    assert await hass.config_entries.async_unload(config_entry.entry_id)


async def test_delayed_gallery_save_tolerates_faces_added_meanwhile(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    loaded_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A delayed save is built in an executor thread while the event loop keeps adding faces.

    Home Assistant's ``Store`` calls the data function of ``async_delay_save``
    in its executor; a stranger stored by the event loop at that moment must
    not break the save (iterating a dict that changes size raises). The
    interleaving is forced here: the first record's conversion stores a new face.
    The save is scheduled as OpenEye schedules it and read back from the
    storage Home Assistant writes (mocked by ``hass_storage``).
    """
    gallery = loaded_entry.runtime_data.gallery
    for index in range(3):
        gallery.unknown[f"u{index}"] = _stranger(f"u{index}")
    late = _stranger("late")
    convert = UnknownFaceRecord.as_storage

    def convert_while_the_loop_adds(record: UnknownFaceRecord) -> dict[str, Any]:
        gallery.unknown.setdefault(late.unknown_id, late)
        return convert(record)

    monkeypatch.setattr(UnknownFaceRecord, "as_storage", convert_while_the_loop_adds)
    gallery.schedule_save()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=SAVE_DELAY + 1))
    await hass.async_block_till_done()
    data = hass_storage[STORAGE_KEY]["data"]
    assert [record["id"] for record in data["unknown"]] == ["u0", "u1", "u2"]
    assert "late" in gallery.unknown, "the newcomer is in the next save"


def _stranger(unknown_id: str) -> UnknownFaceRecord:
    """Return an unknown face record."""
    return UnknownFaceRecord(
        unknown_id, "camera", "Door", dt_util.utcnow(), [0.0] * 128, b"\xff\xd8", None
    )


# The seeded gallery of the second kill test: strangers to assign and
# recognitions to correct, as many of each.
SEEDED = 15


def _seeded_gallery() -> dict[str, Any]:
    """Return a gallery file as OpenEye writes it: one person, strangers' faces, recognitions.

    The encodings are random and far apart (about 1.6 from each other, the
    tolerance being 0.6), so that each face is its own stranger when the
    gallery loads and groups the faces kept without one.
    """
    random = np.random.default_rng(12)
    now = dt_util.utcnow()

    def encoding() -> list[float]:
        """Return a random encoding of the size dlib's network gives."""
        return [float(value) for value in random.normal(0.0, 0.1, 128)]

    person = Person("eileen", "Eileen", [encoding()], b"\xff\xd8", now)
    unknown = [
        UnknownFaceRecord(
            f"face{index:02d}", "door", "Door", now, encoding(), b"\xff\xd8", None
        ).as_storage()
        for index in range(SEEDED)
    ]
    recognitions = [
        RecognitionRecord(
            f"recognition{index:02d}", "eileen", "door", "Door", now, encoding(), b"\xff\xd8"
        ).as_storage()
        for index in range(SEEDED)
    ]
    return {
        "version": STORAGE_VERSION,
        "minor_version": STORAGE_MINOR_VERSION,
        "key": STORAGE_KEY,
        "data": {
            "people": [person.as_storage()],
            "unknown": unknown,
            "recognitions": recognitions,
        },
    }


@pytest.mark.real_hass
async def test_acknowledged_assignments_and_corrections_survive_sigkill(
    tmp_path: Path, socket_enabled: None
) -> None:
    """Stranger assignments and corrections answered before the kill are on disk and load again.

    Home Assistant starts on a gallery that already holds strangers and
    recognitions (written as OpenEye writes its file), then gets a burst of
    both actions through the REST services API, and is killed in the middle.
    """
    storage = tmp_path / "config" / ".storage"
    storage.mkdir(parents=True)
    (storage / STORAGE_KEY).write_text(json.dumps(_seeded_gallery()))
    hass = RealHass(tmp_path / "config")
    try:
        await hass.start()
        await hass.onboard()
        await hass.setup_openeye()
        # Home Assistant writes its config entries a little later; a kill
        # before that would lose OpenEye's entry itself, which is not what is
        # tested here. The file is another process's: polling is the way to
        # see it written.
        entries = storage / "core.config_entries"
        async with asyncio.timeout(60):
            while not entries.exists() or '"openeye"' not in entries.read_text():  # noqa: ASYNC110
                await asyncio.sleep(0.2)
        client = await hass.websocket()
        try:
            listed = await client.command({"type": "openeye/strangers/list"})
        finally:
            await client.close()
        strangers = {
            stranger["face_ids"][0]: stranger["stranger_id"] for stranger in listed["strangers"]
        }
        assert len(strangers) == SEEDED, "each seeded face is a stranger of its own"
        assigned: list[str] = []
        corrected: list[str] = []
        enough = asyncio.Event()

        async def act(service: str, data: dict[str, str], done: list[str], key: str) -> None:
            """Call one service; remember it only if Home Assistant acknowledged it."""
            with contextlib.suppress(HassError, aiohttp.ClientError):
                await hass.call_service("openeye", service, data)
                done.append(key)
                if len(assigned) + len(corrected) >= KILL_AFTER:
                    enough.set()

        burst = []
        for index in range(SEEDED):
            stranger_id = strangers[f"face{index:02d}"]
            burst.append(
                act(
                    "assign_stranger",
                    {"stranger_id": stranger_id, "name": f"Stranger {index:02d}"},
                    assigned,
                    stranger_id,
                )
            )
            recognition_id = f"recognition{index:02d}"
            burst.append(
                act(
                    "not_this_person", {"recognition_id": recognition_id}, corrected, recognition_id
                )
            )
        tasks = [asyncio.create_task(call) for call in burst]
        async with asyncio.timeout(90):
            await enough.wait()
        hass.kill()
        await asyncio.gather(*tasks)
        killed_with = (list(assigned), list(corrected))
        acknowledged = len(killed_with[0]) + len(killed_with[1])
        assert KILL_AFTER <= acknowledged < 2 * SEEDED, "the kill came in the middle of the burst"

        # What was acknowledged is on disk, as the killed process left it.
        written = json.loads((storage / STORAGE_KEY).read_text())["data"]
        left_strangers = {stranger["id"] for stranger in written["strangers"]}
        assert not left_strangers & set(killed_with[0])
        left_recognitions = {record["id"] for record in written["recognitions"]}
        assert not left_recognitions & set(killed_with[1])
        [eileen] = [person for person in written["people"] if person["id"] == "eileen"]
        assert len(eileen["counter_examples"]) >= len(killed_with[1])

        # And it loads: the assigned strangers are people now, and gone as strangers.
        await hass.start()
        await hass.onboard()
        assert await hass.wait_for_openeye() == "loaded", "the gallery loads"
        client = await hass.websocket()
        try:
            people = await client.command({"type": "openeye/people/list"})
            listed = await client.command({"type": "openeye/strangers/list"})
        finally:
            await client.close()
        names = {person["name"] for person in people["people"]}
        assert {
            f"Stranger {index:02d}"
            for index in range(SEEDED)
            if strangers[f"face{index:02d}"] in killed_with[0]
        } <= names
        assert not {stranger["stranger_id"] for stranger in listed["strangers"]} & set(
            killed_with[0]
        )
    finally:
        await hass.close()
