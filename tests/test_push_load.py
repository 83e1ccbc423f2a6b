"""Pushes under load: a burst of recognitions, and a subscriber that stops reading.

Recognitions enter where a worker's results enter Home Assistant, emitted by
the fake worker pool (fake_pool.py) as the same messages a worker sends
(``FaceRecognized``, ``FaceDetected``, ``FaceLost``); from there everything
is real: entities, bus events, subscriptions and Home Assistant's websocket
connections over TCP on 127.0.0.1. Home Assistant queues at most ``MAX_PENDING_MSG`` messages for a
connection and closes one that cannot keep up; a reader that keeps up must
never come near ``PENDING_MSG_PEAK``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
import gc
import logging
import socket
import time
from typing import Any

from homeassistant.components.websocket_api.const import MAX_PENDING_MSG, PENDING_MSG_PEAK
from homeassistant.components.websocket_api.http import WebSocketHandler
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.openeye.gallery_records import Person
from custom_components.openeye.pipeline.messages import FaceDetected, FaceLost, FaceRecognized
from tests.faces import one_face_jpeg
from tests.fake_pool import FakePool
from tests.helpers import hub_of

BURST = 1000


async def _until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Wait until ``condition()`` holds while Home Assistant runs."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the awaited state did not come in time"
        await asyncio.sleep(0.01)


def _handlers() -> list[WebSocketHandler]:
    """Return Home Assistant's live websocket connection handlers."""
    return [obj for obj in gc.get_objects() if isinstance(obj, WebSocketHandler)]


class Reader:
    """A subscriber that reads everything as it comes and counts camera events."""

    def __init__(self, client: Any) -> None:  # noqa: ANN401 - the test client
        """Start reading in a task."""
        self.client = client
        self.events: dict[str, int] = {}
        self.decided: list[float] = []
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        """Count camera events until the connection ends."""
        while True:
            message = await self.client.receive_json()
            event = message.get("event") or {}
            if event.get("type") == "camera_event":
                kind = event["event_type"]
                self.events[kind] = self.events.get(kind, 0) + 1
                if "decided_at" in event:
                    self.decided.append(datetime.fromisoformat(event["decided_at"]).timestamp())

    async def stop(self) -> None:
        """Stop reading."""
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def _subscribe(client: Any) -> None:  # noqa: ANN401 - the test client
    """Subscribe a connection to everything OpenEye pushes."""
    await client.send_json_auto_id({"type": "openeye/subscribe"})
    assert (await client.receive_json())["success"]


async def test_a_burst_of_recognitions_stays_under_the_pending_limit(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A thousand people recognised in a second reach a reading dashboard, all of them.

    The recognitions are handed to the hub in batches of ten every ten
    milliseconds, with the dashboard's reader and Home Assistant's writer
    running only between batches. On a loaded machine the batches fall behind
    and come back to back, the hardest case for the queue. Home Assistant
    starts counting down to closing a connection when its queue passes
    ``PENDING_MSG_PEAK``; a reader that keeps up must never get there.
    """
    hub = hub_of(init_integration)
    camera_id = "door"
    # A crowd: a thousand people taught, each seen once, so that each sighting
    # is a recognition of its own (a person seen again within the presence time is not).
    for index in range(BURST):
        person = Person(f"p{index:04d}", f"Person {index}", [[0.0] * 128], b"", dt_util.utcnow())
        hub.gallery.people[person.person_id] = person
    before = set(_handlers())
    client = await hass_ws_client(hass)
    await _subscribe(client)
    [handler] = set(_handlers()) - before
    reader = Reader(client)
    crop = one_face_jpeg()
    peak = 0
    started = time.monotonic()
    for batch in range(BURST // 10):
        for index in range(batch * 10, batch * 10 + 10):
            now = time.time()
            fake_pool.emit(
                FaceRecognized(
                    camera_id,
                    index / 100,
                    now,
                    track_id=index,
                    person_id=f"p{index:04d}",
                    person_name=f"Person {index}",
                    best_distance=0.3,
                    mean_distance=0.35,
                    confidence=0.7,
                    box=(10, 90, 90, 10),
                    crop_jpeg=crop,
                    decided_at=now,
                )
            )
        peak = max(peak, len(handler._message_queue))
        # The next batch is due ten milliseconds after this one's start;
        # when behind, yield once so that the writer and reader still run.
        await asyncio.sleep(max(0.0, started + (batch + 1) / 100 - time.monotonic()))
    sent_in = time.monotonic() - started
    async with asyncio.timeout(30):
        while reader.events.get("face_recognized", 0) < BURST:
            peak = max(peak, len(handler._message_queue))
            await asyncio.sleep(0.01)
    await reader.stop()
    assert reader.events["face_recognized"] == BURST
    assert len(reader.decided) == BURST, "every decision says when it was made"
    assert hub.statistics.recognitions_today == BURST
    logging.getLogger(__name__).info("burst in %.2f s, peak queue %d", sent_in, peak)
    assert peak < PENDING_MSG_PEAK, peak
    assert "unable to keep up" not in caplog.text
    assert not handler._closing


async def test_a_subscriber_that_stops_reading_is_dropped_and_others_carry_on(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_pool: FakePool,
    hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant closes a connection that stops reading; memory stays bounded meanwhile.

    The stalled client's socket gets a small receive buffer, so that the
    kernel's buffers fill soon and Home Assistant's own queue is what grows.
    """
    camera_id = "door"
    before = set(_handlers())
    reading = await hass_ws_client(hass)
    await _subscribe(reading)
    [reading_handler] = set(_handlers()) - before
    stalled = await hass_ws_client(hass)
    await _subscribe(stalled)
    [stalled_handler] = set(_handlers()) - before - {reading_handler}
    stalled._conn.transport.get_extra_info("socket").setsockopt(
        socket.SOL_SOCKET, socket.SO_RCVBUF, 4096
    )
    reader = Reader(reading)
    registry = hass.data["openeye_subscriptions"]
    assert len(registry.subscriptions) == 2

    peak = sent = 0
    async with asyncio.timeout(120):
        while not stalled_handler._closing:
            # A face comes and goes: what a worker sends for a passer-by.
            for _ in range(100):
                now = time.time()
                fake_pool.emit(FaceDetected(camera_id, sent, now, sent, (10, 90, 90, 10)))
                fake_pool.emit(FaceLost(camera_id, sent, now, sent, None, 0.1))
                sent += 1
            peak = max(peak, len(stalled_handler._message_queue))
            await asyncio.sleep(0.005)
        # The reading dashboard got every face, before and after the other was dropped.
        await _until(lambda: reader.events.get("face_detected", 0) >= sent)
    await hass.async_block_till_done()
    assert peak <= MAX_PENDING_MSG
    assert len(registry.subscriptions) == 1, "the dropped connection's subscription is gone"
    assert "unable to keep up" in caplog.text
    assert not reading_handler._closing
    more = reader.events["face_detected"]
    fake_pool.emit(FaceDetected(camera_id, sent, time.time(), sent, (10, 90, 90, 10)))
    await _until(lambda: reader.events["face_detected"] > more, timeout=10)
    await reader.stop()
    logging.getLogger(__name__).info("dropped after %d faces, peak queue %d", sent, peak)
    # The stalled client is gone for good: it drops its socket, rather than
    # reading thousands of messages to close the websocket politely.
    stalled._conn.transport.abort()
