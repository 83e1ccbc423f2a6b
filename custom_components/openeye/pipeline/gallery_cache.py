"""The command line's gallery, remembered between scans: a second scan encodes no photo again.

Encoding a gallery photo (found with one upsample, then encoded) takes about
half a second of CPU, and ``scan`` loads the whole gallery folder every time.
This keeps what each photo gave (its encoding, or why it was skipped) in one
JSON file per gallery folder in the cache folder (see :mod:`.cache`), keyed by
the SHA-256 of the photo's bytes and the settings that change what a photo
gives: a photo that changes, even to the same size and time, has a new key and
is encoded again. Reading every photo to hash it costs milliseconds.

Only the photos of the latest load are kept, so the file does not grow with
photos that left the folder.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import json
from pathlib import Path
from typing import Any

from .cache import read_cached, write_cached
from .engine import ENCODER_FILE, MODEL_SHA256

# A new format, or another encoder model, starts a new cache.
CACHE_VERSION = f"1-{MODEL_SHA256[ENCODER_FILE][:16]}"


@dataclass(frozen=True, slots=True)
class PhotoOutcome:
    """What one gallery photo gave: an encoding, or the reason it was skipped."""

    encoding: tuple[float, ...] | None = None
    reason: str | None = None
    detail: str = ""


class GalleryCache:
    """The remembered outcomes of one gallery folder's photos, at one upsampling."""

    def __init__(self, folder: Path, upsample: int) -> None:
        """Read the folder's cache file, if there is a usable one."""
        self._name = (
            f"gallery-{hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:24]}.json"
        )
        self._upsample = upsample
        self._known: dict[str, PhotoOutcome] = {}
        self._used: dict[str, PhotoOutcome] = {}
        self._changed = False
        self.hits = 0
        data = read_cached(self._name)
        if data is None:
            return
        try:
            stored: Any = json.loads(data)
            if stored.get("version") == CACHE_VERSION:
                self._known = {
                    key: PhotoOutcome(
                        tuple(float(value) for value in item["encoding"])
                        if item.get("encoding") is not None
                        else None,
                        item.get("reason"),
                        str(item.get("detail", "")),
                    )
                    for key, item in stored["photos"].items()
                }
        except (ValueError, KeyError, TypeError, AttributeError):
            # A damaged file is only a cache: everything is encoded again.
            self._known = {}

    def _key(self, data: bytes) -> str:
        """Return the key of a photo's bytes at this cache's upsampling."""
        return f"{hashlib.sha256(data).hexdigest()}:{self._upsample}"

    def get(self, data: bytes) -> PhotoOutcome | None:
        """Return what a photo with these bytes gave before, or None."""
        key = self._key(data)
        outcome = self._known.get(key)
        if outcome is not None:
            self._used[key] = outcome
            self.hits += 1
        return outcome

    def put(self, data: bytes, outcome: PhotoOutcome) -> None:
        """Remember what a photo with these bytes gave."""
        key = self._key(data)
        self._used[key] = outcome
        self._changed = True

    def save(self) -> None:
        """Write the outcomes of this load's photos, when they differ from the file's."""
        if not self._changed and self._used.keys() == self._known.keys():
            return
        photos = {
            key: {"encoding": outcome.encoding, "reason": outcome.reason, "detail": outcome.detail}
            for key, outcome in self._used.items()
        }
        write_cached(self._name, json.dumps({"version": CACHE_VERSION, "photos": photos}).encode())
