"""Recorder load of two busy cameras: state writes per minute and database growth per hour.

Run from the project root (it needs ../shared/media):

    .venv/bin/python benchmarks/recorder_load.py [--minutes 10]

It starts a real ``hass`` process in a temporary folder (tests/real_hass.py)
with the recorder writing SQLite in that folder (its defaults otherwise:
every entity recorded, a commit every 5 s), sets OpenEye's presence time to
its minimum (10 s), teaches four people and adds two cameras where they pass
a door one after another (benchmarks/doorway.py: someone new every 3.5 s,
motion starting and stopping, faces coming and going, a recognition each
time: far busier than a real door).

After a warm-up it counts, for ``--minutes``, every ``state_changed`` event
of OpenEye's entities (through ``subscribe_events``, per entity), and the
growth of the database: its file with the write-ahead log, and the rows the
recorder wrote for OpenEye's entities (states and their attributes). The
figures are scaled to one hour. It prints figures only.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
import os
from pathlib import Path
import sqlite3
import tempfile
import time

from doorway import MEDIA, camera_copies, doorway, teach

from tests.real_hass import RealHass, WsClient

CAMERAS = 2
WARMUP = 60.0


def database_bytes(config: Path) -> int:
    """Return the size of the recorder's database with its write-ahead log."""
    return sum(
        path.stat().st_size
        for path in config.glob("home-assistant_v2.db*")
        if not path.name.endswith("-shm")
    )


def database_pages_in_use(config: Path) -> int:
    """Return the bytes of the database's pages in use, as a reader sees it (the log included).

    Unlike the files' sizes, this does not jump when SQLite grows its file or
    its write-ahead log in steps, or checkpoints the log.
    """
    connection = sqlite3.connect(f"file:{config / 'home-assistant_v2.db'}?mode=ro", uri=True)
    try:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        free = connection.execute("PRAGMA freelist_count").fetchone()[0]
        size = connection.execute("PRAGMA page_size").fetchone()[0]
    finally:
        connection.close()
    return int((pages - free) * size)


STATE_ROWS = (
    "SELECT COUNT(*), COUNT(DISTINCT attributes_id) FROM states "
    "JOIN states_meta USING (metadata_id) WHERE states_meta.entity_id = ?"
)


def openeye_rows(config: Path, entity_ids: set[str]) -> tuple[int, int]:
    """Return (state rows, distinct attribute sets) the recorder holds for OpenEye's entities."""
    connection = sqlite3.connect(f"file:{config / 'home-assistant_v2.db'}?mode=ro", uri=True)
    states = attributes = 0
    try:
        for entity_id in sorted(entity_ids):
            count, distinct = connection.execute(STATE_ROWS, (entity_id,)).fetchone()
            states += int(count)
            attributes += int(distinct)
    finally:
        connection.close()
    return states, attributes


async def count_changes(ws: WsClient, entity_ids: set[str], changes: Counter[str]) -> None:
    """Count state_changed events of OpenEye's entities until cancelled."""
    await ws.send({"type": "subscribe_events", "event_type": "state_changed"})
    while True:
        message = await ws.receive()
        for item in message if isinstance(message, list) else [message]:
            if item.get("type") != "event":
                continue
            entity_id = item["event"]["data"]["entity_id"]
            if entity_id in entity_ids:
                changes[entity_id] += 1
            else:
                changes["(other entities)"] += 1


async def main(minutes: float) -> None:
    """Run the cameras, count, measure the database."""
    print(
        f"{os.cpu_count()} cores; {CAMERAS} doorway cameras (someone new every 3.5 s each); "
        f"{WARMUP:g} s warm-up, then {minutes:g} min measured and scaled to one hour"
    )
    with tempfile.TemporaryDirectory(prefix="openeye-recorder-") as folder:
        config = Path(folder)
        media = config / "media"
        media.mkdir()
        video = doorway(media)
        hass = RealHass(config, allowlist=(MEDIA, media), recorder=True)
        async with hass:
            await hass.onboard()
            entry_id = await hass.setup_openeye({"presence_timeout": 10})
            await teach(hass, media)
            for index, path in enumerate(camera_copies(video, CAMERAS)):
                await hass.add_camera(entry_id, f"Door {index}", str(path))
            admin = await hass.websocket()
            registry = await admin.command({"type": "config/entity_registry/list"})
            entity_ids = {e["entity_id"] for e in registry if e["platform"] == "openeye"}
            # A connection that nobody reads misses Home Assistant's heartbeat: close it.
            await admin.close()
            await asyncio.sleep(WARMUP)

            changes: Counter[str] = Counter()
            listener = await hass.websocket()
            counting = asyncio.create_task(count_changes(listener, entity_ids, changes))
            # Let the recorder commit what came before, then take the starting point.
            await asyncio.sleep(6)
            changes.clear()
            size_before = database_bytes(config)
            used_before = database_pages_in_use(config)
            rows_before = openeye_rows(config, entity_ids)
            started = time.monotonic()
            await asyncio.sleep(minutes * 60)
            elapsed = time.monotonic() - started
            counted = Counter(changes)
            # The last commit (every 5 s) lands before the end point is taken.
            await asyncio.sleep(6)
            size_after = database_bytes(config)
            used_after = database_pages_in_use(config)
            rows_after = openeye_rows(config, entity_ids)
            counting.cancel()
            admin = await hass.websocket()
            statistics = await admin.command({"type": "openeye/statistics"})
            await listener.close()
            await admin.close()
    report(
        counted,
        entity_ids,
        elapsed,
        recognitions=statistics["recognitions_today"],
        sizes=(size_before, size_after),
        used=(used_before, used_after),
        rows=(rows_before, rows_after),
    )


def report(
    counted: Counter[str],
    entity_ids: set[str],
    elapsed: float,
    *,
    recognitions: int,
    sizes: tuple[int, int],
    used: tuple[int, int],
    rows: tuple[tuple[int, int], tuple[int, int]],
) -> None:
    """Print the writes per minute and the growth per hour."""
    size_before, size_after = sizes
    used_before, used_after = used
    rows_before, rows_after = rows
    per_minute = 60 / elapsed
    per_hour = 3600 / elapsed
    openeye = sum(n for entity, n in counted.items() if entity in entity_ids)
    print(f"{recognitions} recognitions so far; {len(entity_ids)} OpenEye entities")
    print(
        f"state writes of OpenEye's entities: {openeye * per_minute:.0f} per minute "
        f"({openeye} in {elapsed / 60:.1f} min); every other entity: "
        f"{counted['(other entities)'] * per_minute:.0f} per minute"
    )
    for entity_id, count in counted.most_common():
        if entity_id in entity_ids and count:
            print(f"    {entity_id:<44} {count * per_minute:6.1f} per minute")
    states = rows_after[0] - rows_before[0]
    attributes = rows_after[1] - rows_before[1]
    mib_per_hour = 1024 * 1024 / per_hour
    print(
        f"database pages in use: {used_before / 1024:.0f} KiB -> {used_after / 1024:.0f} KiB, "
        f"{(used_after - used_before) / mib_per_hour:.1f} MiB per hour; files (with the "
        f"write-ahead log): {size_before / 1024:.0f} KiB -> {size_after / 1024:.0f} KiB, "
        f"{(size_after - size_before) / mib_per_hour:.1f} MiB per hour"
    )
    print(
        f"OpenEye's rows: {states * per_hour:.0f} states and {attributes * per_hour:.0f} "
        "distinct attribute sets per hour"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="measuring time")
    asyncio.run(main(parser.parse_args().minutes))
