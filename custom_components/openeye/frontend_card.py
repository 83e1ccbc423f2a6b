"""Serving OpenEye's dashboard card from the integration itself.

The card's files are served by Home Assistant's own web server under
``/openeye/frontend/<version>/`` and the card's module is added to every
frontend session, so it appears in the card picker with no manual resource
step and no build step at install time. The version in the path makes a
browser fetch every module of the card again after an update, the sibling
modules the entry module imports included.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from homeassistant.components.frontend import add_extra_js_url
from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant

FRONTEND_DIR: Final = Path(__file__).parent / "frontend"
URL_BASE: Final = "/openeye/frontend"
CARD_MODULE: Final = "openeye-card.js"


def _version() -> str:
    """Return OpenEye's version, used to bust browser caches after an update."""
    manifest = json.loads((Path(__file__).parent / "manifest.json").read_text())
    return str(manifest["version"])


async def async_register_card(hass: HomeAssistant) -> str:
    """Serve the card's folder and load its module in the frontend; return the module's URL."""
    version = await hass.async_add_executor_job(_version)
    base = f"{URL_BASE}/{version}"
    await hass.http.async_register_static_paths(
        [StaticPathConfig(base, str(FRONTEND_DIR), cache_headers=True)]
    )
    url = f"{base}/{CARD_MODULE}"
    add_extra_js_url(hass, url)
    return url
