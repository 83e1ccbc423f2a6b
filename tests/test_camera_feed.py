"""Tests for cameras fed by snapshots of a Home Assistant camera entity.

The worker pool is the fake of fake_pool.py: what these tests watch is the
feed in Home Assistant (polling, back-off, status, stopping) and what it
hands the pool; a worker analysing pushed images is the pipeline's test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import itertools
from pathlib import Path
import statistics
import time
from typing import Any

from homeassistant.components.camera import Camera
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.openeye import camera_feed
from custom_components.openeye.const import (
    CONF_CAMERA_ENTITY_ID,
    CONF_SOURCE_TYPE,
    SOURCE_TYPE_ENTITY,
    SUBENTRY_CAMERA,
)
from custom_components.openeye.hub import OpenEyeHub
from custom_components.openeye.pipeline.messages import SourceStatus
from tests.faces import one_face_jpeg
from tests.fake_pool import FakePool
from tests.helpers import flush_entity_writes, setup_test_cameras


async def _wait_for(condition: Callable[[], Any], timeout: float = 20.0) -> None:
    """Wait until ``condition()`` is truthy while Home Assistant runs."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "the awaited state did not come in time"
        await asyncio.sleep(0.05)


async def test_snapshot_camera_fails_and_recovers(  # noqa: PLR0917 - pytest fixtures
    hass: HomeAssistant,
    fake_entry: MockConfigEntry,
    fake_pool: FakePool,
    face_camera: str,
    media_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A camera without a stream is polled; failing snapshots back off, then recover."""
    # Back-off in milliseconds rather than seconds keeps the test short.
    monkeypatch.setattr(camera_feed, "BACKOFF_INITIAL", 0.02)
    monkeypatch.setattr(camera_feed, "BACKOFF_MAX", 0.1)
    statuses: list[SourceStatus] = []
    hub: OpenEyeHub = fake_entry.runtime_data
    original = hub.health.set_status

    def _record(
        camera_id: str, status: SourceStatus, detail: str | None, reason: str | None = None
    ) -> None:
        statuses.append(status)
        original(camera_id, status, detail, reason)

    monkeypatch.setattr(hub.health, "set_status", _record)
    hass.config_entries.async_add_subentry(
        fake_entry,
        ConfigSubentry(
            data={CONF_SOURCE_TYPE: SOURCE_TYPE_ENTITY, CONF_CAMERA_ENTITY_ID: face_camera},
            subentry_type=SUBENTRY_CAMERA,
            title="Door",
            unique_id=face_camera,
        ),
    )
    await hass.async_block_till_done()
    [camera] = hub.cameras.values()
    await _wait_for(lambda: camera.available)
    # A snapshot-fed camera is added to the pool without a source of its own.
    assert fake_pool.added_cameras == [camera.camera_id]
    assert fake_pool.mock is not None
    assert fake_pool.mock.async_add_camera.await_args.args[1] is None

    image = media_dir / "face.jpg"
    image.unlink()
    await _wait_for(lambda: camera.status is SourceStatus.FAILED)
    assert SourceStatus.RECONNECTING in statuses
    await flush_entity_writes(hass)
    assert hass.states.get("binary_sensor.door_motion").state == "unavailable"
    assert hass.states.get("sensor.door_stream_status").state == "failed"

    image.write_bytes(one_face_jpeg())
    await _wait_for(lambda: camera.available)
    await flush_entity_writes(hass)
    assert hass.states.get("binary_sensor.door_motion").state == "off"

    # Changing the detection rate changes how often snapshots are taken, live:
    # the snapshots pushed to the workers come five a second, then two.
    pushed: list[float] = []

    async def _record_push(camera_id: str, data: bytes, timestamp: float) -> None:
        assert camera_id == camera.camera_id
        assert data == one_face_jpeg()
        pushed.append(time.monotonic())

    fake_pool.mock.async_push_image.side_effect = _record_push
    await _wait_for(lambda: len(pushed) >= 4)
    fast = [b - a for a, b in itertools.pairwise(pushed)]
    hass.config_entries.async_update_entry(
        fake_entry, options={**fake_entry.options, "detection_rate": 2.0}
    )
    await hass.async_block_till_done()
    # The snapshot awaited when the option changes still follows the old interval.
    changed = len(pushed) + 1
    await _wait_for(lambda: len(pushed) >= changed + 3)
    slow = [b - a for a, b in itertools.pairwise(pushed[changed:])]
    # Averaged, because one slow snapshot lengthens one gap and shortens the
    # next. Only the lower bound of the slow gaps is firm (the feed sleeps out
    # the interval); a busy machine can only lengthen gaps, so the fast ones
    # are merely held under it, not to their 0.2 s.
    assert statistics.mean(fast) < 0.45, fast
    assert statistics.mean(slow) >= 0.45, slow


class _HangingCamera(Camera):
    """A camera whose snapshot never arrives, like a camera that stopped answering."""

    _attr_name = "Hanging"

    def __init__(self) -> None:
        """Create the camera and the event it never sets."""
        super().__init__()
        self.asked = asyncio.Event()

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """Wait forever for a picture."""
        self.asked.set()
        await asyncio.Event().wait()
        return None  # pragma: no cover - never reached


async def test_unload_while_a_snapshot_hangs(
    hass: HomeAssistant, fake_entry: MockConfigEntry
) -> None:
    """Unloading stops a feed that waits for a snapshot.

    Home Assistant's camera helper turns the cancellation into an ordinary
    error; the feed must still stop instead of polling on.
    """
    camera = _HangingCamera()
    await setup_test_cameras(hass, "hanging", [camera])
    hass.config_entries.async_add_subentry(
        fake_entry,
        ConfigSubentry(
            data={CONF_SOURCE_TYPE: SOURCE_TYPE_ENTITY, CONF_CAMERA_ENTITY_ID: "camera.hanging"},
            subentry_type=SUBENTRY_CAMERA,
            title="Hanging",
            unique_id="camera.hanging",
        ),
    )
    await hass.async_block_till_done()
    await asyncio.wait_for(camera.asked.wait(), 10)
    async with asyncio.timeout(15):
        assert await hass.config_entries.async_unload(fake_entry.entry_id)
