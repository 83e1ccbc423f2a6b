"""Files Home Assistant may let OpenEye read, and a refusal that says what happened.

Home Assistant allows a path when the file's real location (its symbolic
links resolved) lies inside a folder of ``allowlist_external_dirs``, as the
folder is written there. A path through a link therefore looks allowed and is
refused, and "add its folder to the allowlist" would only confuse: the
refusal says where the path really leads instead.
"""

from __future__ import annotations

import os
from pathlib import Path

from homeassistant.core import HomeAssistant


def path_refusal(hass: HomeAssistant, path: str) -> tuple[str, dict[str, str]] | None:
    """Return None for an allowed path, or the refusal's translation key and placeholders.

    Keys: ``path_resolves_outside`` (links lead out of the allowed folders; the
    placeholders name where) and ``path_not_allowed``. Blocking: it resolves
    links on disk, so it runs in an executor thread.
    """
    if hass.config.is_allowed_path(path):
        return None
    try:
        resolved = str(Path(path).resolve())
    except (OSError, RuntimeError, ValueError):
        resolved = path
    if resolved != os.path.abspath(path):  # noqa: PTH100 - normalised, links kept on purpose
        return "path_resolves_outside", {"path": path, "resolved": resolved}
    return "path_not_allowed", {"path": path}
