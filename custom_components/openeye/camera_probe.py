"""Checking a camera's source before it is saved: the address, then one real frame."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from homeassistant.components.camera import async_get_image, async_get_stream_source
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .allowed_paths import path_refusal
from .hub import OpenEyeHub
from .pipeline.pool import WorkerUnavailableError

STREAM_SCHEMES = frozenset({"rtsp", "rtsps", "http", "https"})
# The form's error for a probe's reason; any other reason is "cannot_open".
PROBE_ERRORS = {"unauthorized": "invalid_auth", "not_a_video": "not_a_video"}
# Opening a stream and reading a frame: generous for a slow camera, short
# enough that the form does not seem to hang.
PROBE_TIMEOUT = 15.0


async def async_validate_url(hass: HomeAssistant, url: str) -> tuple[str, dict[str, str]] | None:
    """Return the error key (and its placeholders) for an unusable address, or None.

    Streams must use a scheme OpenEye reads from cameras; local files must lie
    inside Home Assistant's ``allowlist_external_dirs`` (checked in an
    executor thread, since the check resolves links on disk).
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme in STREAM_SCHEMES:
        return None if urlsplit(url).hostname else ("invalid_url", {})
    if scheme == "file":
        url = urlsplit(url).path
    elif scheme:
        return "unsupported_scheme", {}
    if not Path(url).is_absolute():
        return "invalid_url", {}
    return await hass.async_add_executor_job(path_refusal, hass, url)


async def async_probe_url(hub: OpenEyeHub, url: str) -> str | None:
    """Open a stream or file in a worker and read one frame; return an error key or None.

    A camera that refuses the user name or password says so (``invalid_auth``):
    the address is right, only the credentials are not. A file that is no
    video (a still photo, a playlist) says so too (``not_a_video``): it would
    otherwise be saved and then show "Streaming" while never searched.
    """
    try:
        result = await hub.pool.async_probe_source(url, timeout=PROBE_TIMEOUT)
    except (WorkerUnavailableError, TimeoutError):
        return "cannot_open"
    if result.ok:
        return None
    return PROBE_ERRORS.get(result.reason or "", "cannot_open")


async def async_probe_camera_entity(hass: HomeAssistant, entity_id: str) -> str | None:
    """Check that a camera entity exists and gives a snapshot or a stream."""
    if hass.states.get(entity_id) is None:
        return "camera_not_found"
    try:
        await async_get_image(hass, entity_id)
    except HomeAssistantError:
        try:
            stream = await async_get_stream_source(hass, entity_id)
        except HomeAssistantError:
            stream = None
        if not stream:
            return "cannot_open"
    return None
