"""Soak: two looping cameras in a real Home Assistant for a long time; memory over time.

Run from the project root (it needs ../shared/media):

    .venv/bin/python benchmarks/soak.py --minutes 30

It starts a real ``hass`` process in a temporary folder (tests/real_hass.py),
teaches the two reference photos, adds two cameras playing the Hamilton clip
in a loop at its own frame rate (the same file under two names: a camera is
one source) and keeps one dashboard subscribed to ``openeye/subscribe``. Every
``--interval`` seconds it samples the resident memory (RSS) and proportional
memory (PSS) of Home Assistant and of each worker, their threads and open
descriptors, and the events received. At the end it prints the samples and,
per process, the growth from the first sample after the warm-up to the last,
and the least-squares slope in MiB per hour. It prints figures only.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
import json
from pathlib import Path
import statistics
import sys
import tempfile
import time
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from process_figures import cpu_seconds, descriptor_count, memory_kib, thread_count  # noqa: E402 - benchmarks/ is this script's folder

from tests.real_hass import RealHass  # noqa: E402 - after the path

MEDIA = ROOT.parent / "shared" / "media"
CLIP = MEDIA / "short_hamilton_clip.mp4"
PHOTOS = {
    "Lin-Manuel Miranda": MEDIA / "lin-manuel-miranda.png",
    "Alex Lacamoire": MEDIA / "alex-lacamoire.png",
}


def process_figures(pid: int) -> dict[str, float]:
    """Return RSS and PSS (MiB), threads, descriptors and CPU seconds of a process."""
    rss, pss = memory_kib(pid)
    return {
        "rss": rss / 1024,
        "pss": pss / 1024,
        "threads": thread_count(pid),
        "fds": descriptor_count(pid),
        "cpu": cpu_seconds(pid),
    }


@dataclass
class Dashboard:
    """One subscribed client that counts what it receives."""

    events: dict[str, int] = field(default_factory=dict)
    messages: int = 0
    closed: str | None = None

    async def run(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Read until the connection closes."""
        async for raw in ws:
            if raw.type is not aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(raw.data)
            for item in data if isinstance(data, list) else [data]:
                self.messages += 1
                if item.get("type") == "event":
                    event = item["event"]
                    kind = event.get("event_type") or event["type"]
                    self.events[kind] = self.events.get(kind, 0) + 1
        self.closed = f"closed ({ws.close_code})"


def slope_per_hour(times: list[float], values: list[float]) -> float:
    """Return the least-squares slope of values over times, per hour."""
    if len(times) < 2:
        return 0.0
    return statistics.linear_regression(times, values).slope * 3600


async def soak(minutes: float, interval: float, warmup: float) -> None:
    """Run the soak and print the figures."""
    with tempfile.TemporaryDirectory(prefix="openeye-soak-") as folder:
        config = Path(folder)
        second = config / "media" / "second_camera.mp4"
        second.parent.mkdir()
        # A link, not a copy: the media stay in ../shared/media.
        second.symlink_to(CLIP)
        hass = RealHass(config, allowlist=(MEDIA, second.parent))
        async with hass:
            await hass.onboard()
            entry_id = await hass.setup_openeye()
            for name, photo in PHOTOS.items():
                await hass.call_service(
                    "openeye", "enroll_face", {"name": name, "image_path": str(photo)}
                )
            await hass.add_camera(entry_id, "Stage", str(CLIP))
            await hass.add_camera(entry_id, "Wings", str(second))
            client = await hass.websocket()
            await client.send({"type": "openeye/subscribe"})
            dashboard = Dashboard()
            reader = asyncio.create_task(dashboard.run(client.ws))
            started = time.monotonic()
            print(
                f"soak: {minutes:g} min, two looping 640x360 cameras, sample every "
                f"{interval:g} s; hass pid {hass.pid}",
                flush=True,
            )
            samples: list[dict[str, Any]] = []
            try:
                while (elapsed := time.monotonic() - started) <= minutes * 60 + 1:
                    sample: dict[str, Any] = {
                        "t": elapsed,
                        "hass": process_figures(hass.pid),
                        "workers": {pid: process_figures(pid) for pid in hass.worker_pids()},
                        "events": dict(dashboard.events),
                    }
                    samples.append(sample)
                    workers = "  ".join(
                        f"worker {pid}: RSS {w['rss']:.0f} MiB, {w['threads']} threads"
                        for pid, w in sample["workers"].items()
                    )
                    print(
                        f"{elapsed / 60:6.1f} min  hass RSS {sample['hass']['rss']:.0f} MiB, "
                        f"{sample['hass']['threads']} threads, {sample['hass']['fds']} fds  "
                        f"{workers}  events {sample['events']}",
                        flush=True,
                    )
                    await asyncio.sleep(interval)
            finally:
                reader.cancel()
                await client.close()
        report(samples, warmup, dashboard)


def report(samples: list[dict[str, Any]], warmup: float, dashboard: Dashboard) -> None:
    """Print growth and slope per process after the warm-up."""
    steady = [s for s in samples if s["t"] >= warmup] or samples
    first, last = steady[0], steady[-1]
    hours = (last["t"] - first["t"]) / 3600
    print(
        f"\nafter a {warmup / 60:g} min warm-up, over {hours * 60:.1f} min ({len(steady)} samples):"
    )
    series: dict[str, list[tuple[float, dict[str, float]]]] = {"hass": []}
    for sample in steady:
        series["hass"].append((sample["t"], sample["hass"]))
        for pid, figures in sample["workers"].items():
            series.setdefault(f"worker {pid}", []).append((sample["t"], figures))
    for name, points in series.items():
        times = [t for t, _ in points]
        rss = [f["rss"] for _, f in points]
        pss = [f["pss"] for _, f in points]
        cpu = (points[-1][1]["cpu"] - points[0][1]["cpu"]) / max(times[-1] - times[0], 1e-9)
        print(
            f"  {name:14s} RSS {rss[0]:.0f} -> {rss[-1]:.0f} MiB (max {max(rss):.0f}, "
            f"{rss[-1] - rss[0]:+.1f} MiB, slope {slope_per_hour(times, rss):+.1f} MiB/h); "
            f"PSS {pss[0]:.0f} -> {pss[-1]:.0f} MiB; threads {points[0][1]['threads']:.0f} -> "
            f"{points[-1][1]['threads']:.0f}; fds {points[0][1]['fds']:.0f} -> "
            f"{points[-1][1]['fds']:.0f}; CPU {100 * cpu:.1f} % of a core; "
            f"{len(points)} samples"
        )
    worker_pids = {pid for s in samples for pid in s["workers"]}
    print(f"  worker processes seen: {len(worker_pids)} (2 means none was restarted)")
    state = dashboard.closed or "open"
    print(f"  dashboard: {dashboard.messages} messages, {dashboard.events}; {state}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to run")
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between samples")
    parser.add_argument(
        "--warmup", type=float, default=120.0, help="seconds left out of the growth figures"
    )
    arguments = parser.parse_args()
    asyncio.run(soak(arguments.minutes, arguments.interval, arguments.warmup))
