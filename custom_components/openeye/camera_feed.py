"""Feeding a Home Assistant camera entity that has no stream to OpenEye's workers.

A camera entity with a stream source is read by a worker from that stream
directly. One without (a snapshot-only camera) is polled here for still
images at the detection rate, and each image is handed to the worker that
hosts the camera. Only network I/O happens in Home Assistant; decoding and
analysis happen in the worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import logging
import time

from homeassistant.components.camera import async_get_image
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .pipeline.messages import SourceStatus
from .pipeline.pool import WorkerPool, WorkerUnavailableError

_LOGGER = logging.getLogger(__name__)

# How many snapshot failures in a row before the camera counts as failed,
# and the back-off between attempts once it is failing.
FAILURES_BEFORE_FAILED = 5
BACKOFF_INITIAL = 1.0
BACKOFF_MAX = 30.0
SNAPSHOT_TIMEOUT = 10

type StatusCallback = Callable[[SourceStatus, str | None, float | None], None]


class SnapshotFeed:
    """Polls one camera entity's snapshots and pushes them to a worker."""

    def __init__(
        self,
        hass: HomeAssistant,
        pool: WorkerPool,
        *,
        camera_id: str,
        entity_id: str,
        interval: float,
        on_status: StatusCallback,
    ) -> None:
        """Remember what to poll and where to send it; :meth:`start` begins."""
        self._hass = hass
        self._pool = pool
        self._camera_id = camera_id
        self._entity_id = entity_id
        self.interval = interval
        self._on_status = on_status
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def start(self) -> None:
        """Start polling in a background task owned by Home Assistant."""
        self._task = self._hass.async_create_background_task(
            self._run(), f"openeye snapshot feed {self._entity_id}"
        )

    async def stop(self) -> None:
        """Stop polling and wait until the task has ended."""
        if self._task is None:
            return
        self._stop.set()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        """Fetch, push and wait, with back-off while the camera fails."""
        failures = 0
        streaming = False
        self._on_status(SourceStatus.CONNECTING, None, None)
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                image = await async_get_image(self._hass, self._entity_id, SNAPSHOT_TIMEOUT)
            except HomeAssistantError as err:
                if self._stop.is_set():
                    # Home Assistant's camera helper turns a cancellation into
                    # "Unable to get image"; without this check a stopping
                    # feed would sleep and poll on, and its stop never return.
                    return
                failures += 1
                streaming = False
                delay = min(BACKOFF_INITIAL * 2 ** (failures - 1), BACKOFF_MAX)
                status = (
                    SourceStatus.FAILED
                    if failures >= FAILURES_BEFORE_FAILED
                    else SourceStatus.RECONNECTING
                )
                self._on_status(status, str(err) or type(err).__name__, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if not streaming:
                streaming = True
                self._on_status(SourceStatus.STREAMING, None, None)
            try:
                await self._pool.async_push_image(self._camera_id, image.content, time.time())
            except WorkerUnavailableError:
                # The engine cannot load (a repair issue says so) or OpenEye
                # is stopping: there is nobody to analyse the snapshots.
                return
            # Poll at the detection rate, counting the time the fetch took.
            await asyncio.sleep(max(self.interval - (time.monotonic() - started), 0.05))
