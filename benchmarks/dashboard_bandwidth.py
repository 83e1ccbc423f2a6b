"""Bytes on the wire for an hour of dashboard: a live subscription against polling REST every 5 s.

Run from the project root (it needs ../shared/media):

    .venv/bin/python benchmarks/dashboard_bandwidth.py [--minutes 5]

Two scenarios, each in a fresh real ``hass`` process (tests/real_hass.py)
with one camera called Door (a looping video, benchmarks/doorway.py):

- idle: the door's scene stays empty;
- one recognition a minute: Lin-Manuel Miranda passes for 3 s each minute
  (presence time 10 s, so each pass is a visit).

In each, three clients watch side by side for ``--minutes``, each through a
TCP proxy of its own on 127.0.0.1 that counts the bytes in both directions
(HTTP and websocket framing, headers, handshakes, Home Assistant's heartbeat
pings all included):

1. a dashboard subscribed with ``openeye/subscribe`` that offers
   permessage-deflate compression, as browsers do;
2. the same without compression;
3. a poller that reads, every 5 s over one keep-alive connection, the
   states of the sensors the card shows (``GET /api/states/<entity>`` for
   the five OpenEye sensors and the camera's five), the figures a
   dashboard would otherwise poll.

The figures are scaled from the measured minutes to one hour. It prints
figures only.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
import os
from pathlib import Path
import tempfile
import time

import aiohttp
from doorway import MEDIA, write_video

from tests.real_hass import RealHass, session

POLL_INTERVAL = 5.0
POLLED = (
    "sensor.openeye_known_people",
    "sensor.openeye_recognitions_today",
    "sensor.openeye_unknown_faces_today",
    "sensor.openeye_last_recognition",
    "sensor.openeye_last_recognized_person",
    "sensor.door_stream_status",
    "sensor.door_faces_in_view",
    "binary_sensor.door_motion",
    "sensor.door_analysis_rate",
    "sensor.door_last_recognized_person",
)


@dataclass
class Counter:
    """Bytes that went through one proxy, each way."""

    up: int = 0
    down: int = 0

    @property
    def total(self) -> int:
        """Return the bytes of both directions."""
        return self.up + self.down


class CountingProxy:
    """A TCP proxy on 127.0.0.1 that forwards to Home Assistant and counts every byte."""

    def __init__(self, target_port: int) -> None:
        """Prepare to forward to ``target_port``; :meth:`start` listens."""
        self.target_port = target_port
        self.counter = Counter()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Listen on a free port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Connect to Home Assistant and pipe both ways."""
        upstream_reader, upstream_writer = await asyncio.open_connection(
            "127.0.0.1", self.target_port
        )
        await asyncio.gather(
            self._pipe(reader, upstream_writer, up=True),
            self._pipe(upstream_reader, writer, up=False),
        )

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, up: bool
    ) -> None:
        """Copy bytes one way until the end, counting them."""
        try:
            while data := await reader.read(65536):
                if up:
                    self.counter.up += len(data)
                else:
                    self.counter.down += len(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()


async def dashboard(port: int, token: str, *, compress: int, stop: asyncio.Event) -> int:
    """Subscribe through the proxy on ``port`` and read until told to stop; return messages."""
    messages = 0
    async with (
        session() as http,
        http.ws_connect(
            f"http://127.0.0.1:{port}/api/websocket", compress=compress, max_msg_size=0
        ) as ws,
    ):
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": token})
        await ws.receive_json()
        await ws.send_json({"id": 1, "type": "openeye/subscribe"})
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.receive(), timeout=1.0)
            except TimeoutError:
                continue
            if raw.type is not aiohttp.WSMsgType.TEXT:
                break
            messages += 1
    return messages


async def poller(port: int, token: str, stop: asyncio.Event) -> int:
    """Read the card's sensors through the proxy every 5 s until told to stop; return requests."""
    requests = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with session() as http:
        while not stop.is_set():
            started = time.monotonic()
            for entity_id in POLLED:
                async with http.get(
                    f"http://127.0.0.1:{port}/api/states/{entity_id}", headers=headers
                ) as response:
                    await response.read()
                    requests += 1
            try:
                await asyncio.wait_for(
                    stop.wait(), timeout=max(POLL_INTERVAL - (time.monotonic() - started), 0)
                )
            except TimeoutError:
                continue
    return requests


async def scenario(label: str, video: Path, minutes: float, folder: Path) -> None:
    """Run one scenario in its own Home Assistant and print the bytes per hour."""
    config = folder / label.replace(" ", "_")
    hass = RealHass(config, allowlist=(MEDIA, video.parent))
    async with hass:
        token = await hass.onboard()
        entry_id = await hass.setup_openeye({"presence_timeout": 10})
        await hass.call_service(
            "openeye",
            "enroll_face",
            {"name": "Lin-Manuel Miranda", "image_path": str(MEDIA / "lin-manuel-miranda.png")},
        )
        await hass.add_camera(entry_id, "Door", str(video))
        await asyncio.sleep(5)
        proxies = {name: CountingProxy(hass.port) for name in ("deflate", "plain", "poll")}
        for proxy in proxies.values():
            await proxy.start()
        stop = asyncio.Event()
        clients = [
            asyncio.create_task(dashboard(proxies["deflate"].port, token, compress=15, stop=stop)),
            asyncio.create_task(dashboard(proxies["plain"].port, token, compress=0, stop=stop)),
            asyncio.create_task(poller(proxies["poll"].port, token, stop)),
        ]
        # Connecting, authenticating, subscribing and the first snapshot happen
        # once per dashboard: counted apart from the steady state that follows.
        await asyncio.sleep(5)
        setup = {name: proxy.counter.total for name, proxy in proxies.items()}
        before = {name: (p.counter.up, p.counter.down) for name, p in proxies.items()}
        started = time.monotonic()
        await asyncio.sleep(minutes * 60)
        elapsed = time.monotonic() - started
        after = {name: (p.counter.up, p.counter.down) for name, p in proxies.items()}
        stop.set()
        deflate_messages, plain_messages, requests = await asyncio.gather(*clients)
        for proxy in proxies.values():
            await proxy.close()
        statistics = await (await hass.websocket()).command({"type": "openeye/statistics"})
    scale = 3600 / elapsed
    print(
        f"{label}: {elapsed / 60:.1f} min measured, {statistics['recognitions_today']} "
        "recognitions in all; steady state scaled to one hour (up / down / total), "
        "and the connection's setup, once:"
    )
    hourly = {}
    for name, what in (
        ("deflate", f"subscription, deflate ({deflate_messages} frames in all)"),
        ("plain", f"subscription, no compression ({plain_messages} frames in all)"),
        ("poll", f"polling 10 states every 5 s ({requests} requests in all)"),
    ):
        up = (after[name][0] - before[name][0]) * scale
        down = (after[name][1] - before[name][1]) * scale
        hourly[name] = up + down + setup[name]
        print(
            f"    {what:<52} {up / 1024:8.1f} / {down / 1024:8.1f} / {(up + down) / 1024:8.1f} "
            f"KiB per hour; setup {setup[name] / 1024:.1f} KiB"
        )
    print(
        f"    one hour with its setup: subscription {hourly['deflate'] / 1024:.0f} KiB (deflate), "
        f"{hourly['plain'] / 1024:.0f} KiB (no compression); polling "
        f"{hourly['poll'] / 1024:.0f} KiB: {hourly['poll'] / hourly['deflate']:.0f}x and "
        f"{hourly['poll'] / hourly['plain']:.0f}x more",
        flush=True,
    )


async def main(minutes: float) -> None:
    """Write the videos and run both scenarios."""
    print(f"{os.cpu_count()} cores; {minutes:g} min per scenario, scaled to one hour")
    with tempfile.TemporaryDirectory(prefix="openeye-bandwidth-") as name:
        folder = Path(name)
        media = folder / "media"
        media.mkdir()
        idle = media / "empty.mp4"
        write_video(idle, [(None, 60.0)])
        busy = media / "one_a_minute.mp4"
        # The face comes into an empty scene (motion starts the search), once a minute.
        write_video(busy, [(None, 30.0), (MEDIA / "lin-manuel-miranda.png", 3.0), (None, 27.0)])
        await scenario("idle", idle, minutes, folder)
        await scenario("one recognition a minute", busy, minutes, folder)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="measuring time per scenario")
    asyncio.run(main(parser.parse_args().minutes))
