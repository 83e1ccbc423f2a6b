"""Non-admin users holding every OpenEye subscription they may, against an idle Home Assistant.

Run from the project root (no shared media needed):

    .venv/bin/python benchmarks/subscription_load.py [--users 4] [--seconds 30]

It starts a real ``hass`` process in a temporary folder (tests/real_hass.py)
with the event-loop probe (benchmarks/probe/openeye_loop_probe), sets OpenEye
up with one looping camera (scikit-image's astronaut walking past, so pushes
flow), creates ``--users`` users who are not administrators, and measures,
each phase for ``--seconds``:

1. idle: the camera running, nobody subscribed;
2. every user holds the most subscriptions a user may (5 by default), each
   with the largest request the schemas allow (every event type, a camera
   filter as long as there are cameras), all of them reading their pushes;
3. the same, while every user also sends, once a second, the request that
   used to load Home Assistant: a subscription with a 3.7 MB camera filter
   (now refused by its length);
4. for comparison, the same-sized request sent to Home Assistant's own
   ``ping`` command instead: what any user can cost Home Assistant with one
   large message, before any integration sees it (its JSON is parsed, and
   the refusal logged with the start of the value).

For each it prints the event loop's lateness (p50, p99, max), Home
Assistant's CPU and its resident memory, and at the end the p99 against idle
(target: within 10 ms). It prints figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from pathlib import Path
import sys
import tempfile
import time
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from process_figures import cpu_seconds, memory_kib  # noqa: E402 - benchmarks/ is this folder

from tests.faces import write_face_video  # noqa: E402 - after the path
from tests.real_hass import RealHass, WsClient  # noqa: E402

PROBE = Path(__file__).resolve().parent / "probe" / "openeye_loop_probe"
# The request that used to load Home Assistant: 3.7 MB of camera ids, just
# under the 4 MiB that Home Assistant's websocket takes in one message.
HUGE_FILTER = [f"camera-{index:06d}" for index in range(220_000)]


async def measure(hass: RealHass, probe: WsClient, label: str, seconds: float) -> dict[str, Any]:
    """Reset the probe, wait, and print one phase's lateness, CPU and memory."""
    cpu = cpu_seconds(hass.pid)
    await probe.command({"type": "openeye_loop_probe/lag", "reset": True})
    started = time.monotonic()
    await asyncio.sleep(seconds)
    lag = await probe.command({"type": "openeye_loop_probe/lag", "reset": True})
    elapsed = time.monotonic() - started
    rss, _pss = memory_kib(hass.pid)
    figures = {**lag, "cpu": 100 * (cpu_seconds(hass.pid) - cpu) / elapsed, "rss_mib": rss / 1024}
    print(
        f"{label:<58} p50 {lag['p50_ms']:6.2f} ms  p99 {lag['p99_ms']:6.2f} ms  "
        f"max {lag['max_ms']:7.2f} ms  CPU {figures['cpu']:5.1f} %  "
        f"RSS {figures['rss_mib']:6.1f} MiB",
        flush=True,
    )
    return figures


async def read_pushes(client: WsClient, counts: dict[str, int]) -> None:
    """Read a connection's messages until it closes, counting them."""
    with contextlib.suppress(Exception):
        while True:
            await client.receive()
            counts["messages"] = counts.get("messages", 0) + 1


async def flood(client: WsClient, counts: dict[str, int], command: str) -> None:
    """Send a huge request to ``command`` once a second, and read its refusal."""
    while True:
        await client.send({"type": command, "camera_ids": HUGE_FILTER, "event_types": ["alert"]})
        reply = await client.receive()
        refused = reply.get("type") == "result" and not reply.get("success")
        counts["refused" if refused else "answered"] = (
            counts.get("refused" if refused else "answered", 0) + 1
        )
        await asyncio.sleep(1.0)


async def main(users: int, seconds: float) -> None:
    """Run the phases and print the comparison."""
    print(f"{os.cpu_count()} cores; {users} non-admin users; {seconds:g} s per phase")
    with tempfile.TemporaryDirectory(prefix="openeye-load-") as folder:
        config = Path(folder)
        media = config / "media"
        media.mkdir()
        video = media / "door.mp4"
        write_face_video(str(video), frames=60, fps=10.0, absent_frames=30)
        hass = RealHass(
            config,
            allowlist=(media,),
            extra_integrations=(PROBE,),
            extra_yaml="openeye_loop_probe:\n",
        )
        async with hass:
            await hass.onboard()
            probe = await hass.websocket()
            entry_id = await hass.setup_openeye()
            await hass.add_camera(entry_id, "Door", str(video))
            statistics = await probe.command({"type": "openeye/statistics"})
            camera_ids = [camera["camera_id"] for camera in statistics["cameras"]]
            limit = 5
            tokens = [await hass.create_user(f"Viewer {index}") for index in range(users)]
            await asyncio.sleep(10)
            idle = await measure(hass, probe, "idle: one camera, nobody subscribed", seconds)

            clients: list[WsClient] = []
            counts: dict[str, int] = {}
            readers = []
            for token in tokens:
                for _ in range(limit):
                    client = await hass.websocket(token)
                    await client.command(
                        {
                            "type": "openeye/subscribe",
                            "event_types": ["statistics_update", "camera_event", "alert"],
                            "camera_ids": camera_ids,
                        }
                    )
                    clients.append(client)
                    readers.append(asyncio.create_task(read_pushes(client, counts)))
            held = await measure(
                hass, probe, f"{users * limit} subscriptions held, largest allowed", seconds
            )
            flooders = [await hass.websocket(token) for token in tokens]
            flooding: dict[str, int] = {}
            floods = [
                asyncio.create_task(flood(client, flooding, "openeye/subscribe"))
                for client in flooders
            ]
            flooded = await measure(
                hass, probe, "the same, each user sending a 3.7 MB filter a second", seconds
            )
            for task in floods:
                task.cancel()
            pinging: dict[str, int] = {}
            pings = [asyncio.create_task(flood(client, pinging, "ping")) for client in flooders]
            pinged = await measure(
                hass, probe, "the same size sent to Home Assistant's own ping", seconds
            )
            for task in (*readers, *pings):
                task.cancel()
            for client in (*clients, *flooders, probe):
                await client.close()
    print(
        f"\np99 minus idle: {held['p99_ms'] - idle['p99_ms']:+.2f} ms holding "
        f"{users * limit} subscriptions, {flooded['p99_ms'] - idle['p99_ms']:+.2f} ms while "
        f"refusing {flooding.get('refused', 0)} oversized requests "
        f"({flooding.get('answered', 0)} not refused; target: within 10 ms); "
        f"memory {held['rss_mib'] - idle['rss_mib']:+.1f} and "
        f"{flooded['rss_mib'] - idle['rss_mib']:+.1f} MiB; "
        f"{counts.get('messages', 0)} pushes read; "
        f"the same messages to ping: p99 {pinged['p99_ms'] - idle['p99_ms']:+.2f} ms, "
        f"CPU {pinged['cpu']:.1f} % ({pinging.get('refused', 0)} refused)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=4, help="non-admin users (default 4)")
    parser.add_argument("--seconds", type=float, default=30.0, help="measuring time per phase")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.users, arguments.seconds))
