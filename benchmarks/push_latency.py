"""Push latency: from a worker's decision to real websocket clients, one and a hundred.

Run from the project root (it needs ../shared/media):

    .venv/bin/python benchmarks/push_latency.py [--seconds 180]

It starts a real ``hass`` process in a temporary folder (tests/real_hass.py),
sets OpenEye's presence time to its minimum (10 s), teaches four people and
adds four cameras showing them passing a door one after another
(benchmarks/doorway.py: each for 2 s, then 1.5 s of empty scene, so each
camera recognises someone every 3.5 s). Every ``face_recognized`` push
carries ``decided_at``, the wall-clock time at which the worker decided; the
clients run on the same machine, so receipt time minus ``decided_at`` is the
whole path: worker, socket to Home Assistant, hub, subscription, Home
Assistant's websocket writer, TCP on loopback, the client's event loop.

1. One subscriber (the owner, one connection): latency of every recognition.
2. A hundred subscriptions: twenty users (non-admin, created through the
   admin API), each with five connections holding one subscription (the
   default per-user limit is five, so no option is raised). For every
   recognition, the time until the last of the hundred has it.

The hundred clients share one Python process and one event loop on the same
two cores as Home Assistant and its workers: their own scheduling is part of
what is measured. It prints figures only.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
from datetime import datetime
import json
import os
from pathlib import Path
import tempfile
import time

import aiohttp
from doorway import MEDIA, camera_copies, doorway, percentile, teach
from process_figures import cpu_seconds

from tests.real_hass import RealHass

USERS = 20
CONNECTIONS_PER_USER = 5
CAMERAS = 4


@dataclass
class Receipts:
    """When each recognition reached each subscriber: key -> [(subscriber, seconds late)]."""

    arrivals: dict[tuple[str, int], list[tuple[int, float]]] = field(default_factory=dict)
    messages: int = 0
    recording: bool = False

    def add(self, subscriber: int, item: dict[str, object], received: float) -> None:
        """Keep a recognition's delay for one subscriber."""
        self.messages += 1
        event = item.get("event")
        if not self.recording or not isinstance(event, dict):
            return
        if event.get("type") != "camera_event" or event.get("event_type") != "face_recognized":
            return
        decided = datetime.fromisoformat(str(event["decided_at"])).timestamp()
        key = (str(event["camera"]["camera_id"]), int(event["data"]["track_id"]))
        self.arrivals.setdefault(key, []).append((subscriber, received - decided))


async def listen(subscriber: int, ws: aiohttp.ClientWebSocketResponse, receipts: Receipts) -> None:
    """Read one connection's messages as they come, timing each at once."""
    while True:
        raw = await ws.receive()
        received = time.time()
        if raw.type is not aiohttp.WSMsgType.TEXT:
            return
        data = json.loads(raw.data)
        for item in data if isinstance(data, list) else [data]:
            receipts.add(subscriber, item, received)


async def subscribe(hass: RealHass, token: str | None) -> aiohttp.ClientWebSocketResponse:
    """Open a connection for a user and subscribe it to everything OpenEye pushes."""
    client = await hass.websocket(token)
    await client.command({"type": "openeye/subscribe"})
    return client.ws


def report(label: str, receipts: Receipts, subscribers: int, seconds: float, cpu: str) -> None:
    """Print the latency percentiles of one phase."""
    complete = [v for v in receipts.arrivals.values() if len(v) == subscribers]
    missing = len(receipts.arrivals) - len(complete)
    last = [1000 * max(delay for _s, delay in v) for v in complete]
    first = [1000 * min(delay for _s, delay in v) for v in complete]
    every = [1000 * delay for v in complete for _s, delay in v]
    print(
        f"{label}: {len(complete)} recognitions in {seconds:g} s "
        f"({missing} not received by every subscriber), {receipts.messages} messages; {cpu}"
    )
    if subscribers == 1:
        print(
            f"    decision -> client: p50 {percentile(every, 0.5):.1f} ms, "
            f"p95 {percentile(every, 0.95):.1f} ms, p99 {percentile(every, 0.99):.1f} ms, "
            f"max {max(every, default=0):.1f} ms"
        )
        return
    print(
        f"    decision -> last of {subscribers}: p50 {percentile(last, 0.5):.1f} ms, "
        f"p95 {percentile(last, 0.95):.1f} ms, p99 {percentile(last, 0.99):.1f} ms, "
        f"max {max(last, default=0):.1f} ms\n"
        f"    decision -> first of {subscribers}: p50 {percentile(first, 0.5):.1f} ms; "
        f"every delivery: p50 {percentile(every, 0.5):.1f} ms, p99 {percentile(every, 0.99):.1f} ms"
    )


async def phase(
    hass: RealHass, label: str, sockets: list[aiohttp.ClientWebSocketResponse], seconds: float
) -> None:
    """Listen on every socket for ``seconds`` after a short settling time, then report."""
    receipts = Receipts()
    tasks = [asyncio.create_task(listen(i, ws, receipts)) for i, ws in enumerate(sockets)]
    await asyncio.sleep(5)
    receipts.recording = True
    pids = [hass.pid, *hass.worker_pids()]
    before = {pid: cpu_seconds(pid) for pid in pids}
    client_before = time.process_time()
    await asyncio.sleep(seconds)
    receipts.recording = False
    # Deliveries already under way are awaited, not cut off.
    await asyncio.sleep(2)
    hass_cpu = 100 * (cpu_seconds(hass.pid) - before[hass.pid]) / seconds
    workers = 100 * sum(cpu_seconds(pid) - before[pid] for pid in pids[1:]) / seconds
    clients = 100 * (time.process_time() - client_before) / (seconds + 2)
    cpu = (
        f"CPU: Home Assistant {hass_cpu:.0f} %, workers {workers:.0f} %, "
        f"the clients' process {clients:.0f} %"
    )
    for task in tasks:
        task.cancel()
    report(label, receipts, len(sockets), seconds, cpu)


async def main(seconds: float) -> None:
    """Set up, run both phases."""
    print(
        f"{os.cpu_count()} cores; {CAMERAS} cameras, each recognising someone every 3.5 s; "
        f"{seconds:g} s per phase"
    )
    with tempfile.TemporaryDirectory(prefix="openeye-push-") as folder:
        config = Path(folder)
        media = config / "media"
        media.mkdir()
        video = doorway(media)
        hass = RealHass(config, allowlist=(MEDIA, media))
        async with hass:
            await hass.onboard()
            entry_id = await hass.setup_openeye({"presence_timeout": 10})
            await teach(hass, media)
            tokens = [await hass.create_user(f"Viewer {index}") for index in range(USERS)]
            for index, path in enumerate(camera_copies(video, CAMERAS)):
                await hass.add_camera(entry_id, f"Door {index}", str(path))

            owner = await subscribe(hass, None)
            await phase(hass, "1 subscriber", [owner], seconds)
            await owner.close()

            sockets = [
                await subscribe(hass, token)
                for token in tokens
                for _ in range(CONNECTIONS_PER_USER)
            ]
            await phase(
                hass,
                f"{len(sockets)} subscriptions ({USERS} users x {CONNECTIONS_PER_USER})",
                sockets,
                seconds,
            )
            for ws in sockets:
                await ws.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="measuring time per phase")
    asyncio.run(main(parser.parse_args().seconds))
