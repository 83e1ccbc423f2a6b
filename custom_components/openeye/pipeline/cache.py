"""Files the pipeline keeps between runs to start faster: where they live, how they are written.

Two things are cached, both derived from inputs that are checked on every
read, so a stale or damaged file is never trusted:

- dlib's frontal face detector, serialised: dlib builds it from a text form
  compiled into its library, which takes 0.3-0.45 s at every start; read back
  from its own binary form it takes 2 ms (see :mod:`.engine`);
- the encodings of the command line's gallery photos, keyed by each photo's
  content (see :mod:`.gallery_cache`).

The folder is ``$OPENEYE_CACHE_DIR``, else ``$XDG_CACHE_HOME/openeye``, else
``~/.cache/openeye``. Every failure to read or write it is silent: the cache
only saves time, and everything works without it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
import tempfile

CACHE_DIR_VARIABLE = "OPENEYE_CACHE_DIR"


def cache_directory() -> Path:
    """Return the folder where cached files are kept (it may not exist yet)."""
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "openeye"


def read_cached(name: str) -> bytes | None:
    """Return the bytes of a cached file, or None when it is absent or unreadable."""
    try:
        return (cache_directory() / name).read_bytes()
    except OSError:
        return None


def write_cached(name: str, data: bytes) -> bool:
    """Write a cached file atomically (readers see the old or the new one whole); return success.

    The file is written beside its final name and renamed over it, so that
    two processes writing at once (two workers starting) never leave a
    half-written file.
    """
    folder = cache_directory()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
    except OSError:
        return False
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        Path(temporary).replace(folder / name)
    except OSError:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        return False
    return True
