"""Where the shared test media live, and how a test that needs them skips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# OPENEYE_TEST_MEDIA points elsewhere, e.g. at a missing folder to check what
# the suite covers on a fresh clone without ../shared.
# Resolved, because Home Assistant compares real paths with its allowlist:
# a ../shared that is a symbolic link must not look like another folder.
MEDIA = Path(
    os.environ.get(
        "OPENEYE_TEST_MEDIA", Path(__file__).resolve().parents[1].parent / "shared" / "media"
    )
).resolve()

requires_media = pytest.mark.skipif(
    not MEDIA.is_dir(),
    reason=f"the shared test media are not at {MEDIA} (a fresh clone has no ../shared)",
)


def media(name: str) -> Path:
    """Return the path of a shared test file, skipping the test when it is absent."""
    path = MEDIA / name
    if not path.is_file():
        pytest.skip(f"the shared test file {path} is absent")
    return path
