"""What a process holds, to prove that sources and pools leave nothing behind."""

from __future__ import annotations

from pathlib import Path


def open_fds() -> set[str]:
    """Return the file descriptors this process has open."""
    return {path.name for path in Path("/proc/self/fd").iterdir()}


def child_pids() -> set[int]:
    """Return the process ids of this process's children, zombies included."""
    children: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        try:
            children.update(int(pid) for pid in (task / "children").read_text().split())
        except FileNotFoundError:  # A thread that ended while we looked.
            continue
    return children
