"""Setting a running Home Assistant up for OpenEye, through its public APIs only.

The steps scripts/develop and scripts/e2e share: the owner account through the
onboarding API, OpenEye's entry through its config flow, cameras through the
config subentry flow, faces through the ``openeye.enroll_face`` action, and a
dashboard through the Lovelace WebSocket commands. Each step first looks at
what is there, so running it again changes nothing.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scripts.ha_client import Api, ApiError, CommandError, WebSocket

DOMAIN = "openeye"
SUBENTRY_CAMERA = "camera"
LOAD_TIMEOUT = 120.0
ENTITIES_TIMEOUT = 60.0
ONBOARDING_STEPS = ("user", "core_config", "analytics", "integration")

# What the onboarding's "core_config" step does besides saving the location:
# it sets up Google Translate, Met.no, Radio Browser and the shopping list,
# and Home Assistant pip-installs their packages while it runs. Neither a
# development nor a test instance wants that (nor can it, without a network),
# so the step is recorded as done before the first start; the owner and the
# other steps still go through the onboarding API.
ONBOARDING_STORE = {
    "version": 4,
    "minor_version": 1,
    "key": "onboarding",
    "data": {"done": ["core_config"]},
}


def skip_onboarding_core_config(config: Path) -> None:
    """Mark the onboarding's core_config step done in a configuration never started."""
    store = config / ".storage" / "onboarding"
    if store.exists():
        return
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(json.dumps(ONBOARDING_STORE, indent=2))
    store.chmod(0o600)


async def onboarding_steps(api: Api) -> dict[str, bool]:
    """Return which onboarding steps are done."""
    try:
        steps = await api.request("GET", "/api/onboarding")
    except ApiError as err:
        # Home Assistant drops the onboarding views once it has been onboarded.
        if err.status != HTTPStatus.NOT_FOUND:
            raise
        return dict.fromkeys(ONBOARDING_STEPS, True)
    return {step["step"]: step["done"] for step in steps}


async def create_owner(api: Api, name: str, username: str, password: str) -> None:
    """Create the owner through the onboarding API and use the token it gives."""
    body = await api.request(
        "POST",
        "/api/onboarding/users",
        json={
            "client_id": api.client_id,
            "name": name,
            "username": username,
            "password": password,
            "language": "en",
        },
    )
    await api.token_from_code(body["auth_code"])


async def finish_onboarding(api: Api) -> None:
    """Do the onboarding steps that are left after the owner, as the onboarding page does."""
    steps = await onboarding_steps(api)
    for step, path, payload in (
        ("core_config", "/api/onboarding/core_config", {}),
        ("analytics", "/api/onboarding/analytics", {}),
        (
            "integration",
            "/api/onboarding/integration",
            {"client_id": api.client_id, "redirect_uri": api.client_id},
        ),
    ):
        if not steps.get(step):
            await api.request("POST", path, json=payload)


async def ensure_openeye_entry(api: Api) -> str:
    """Set OpenEye up through its config flow unless it is; wait until it is loaded.

    Returns the entry's id.
    """
    entries = await api.request("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
    if not entries:
        flow = await api.request(
            "POST", "/api/config/config_entries/flow", json={"handler": DOMAIN}
        )
        result = await api.request(
            "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", json={"name": "OpenEye"}
        )
        if result.get("type") != "create_entry":
            raise RuntimeError(f"The OpenEye config flow did not finish: {result}")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LOAD_TIMEOUT
    while True:
        entries = await api.request("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
        if entries and entries[0]["state"] == "loaded":
            return str(entries[0]["entry_id"])
        if loop.time() > deadline:
            raise RuntimeError(f"OpenEye's entry did not load: {entries}")
        await asyncio.sleep(0.5)


async def cameras(ws: WebSocket, entry_id: str) -> list[dict[str, Any]]:
    """Return the cameras of OpenEye's entry (its subentries)."""
    subentries = await ws.command({"type": "config_entries/subentries/list", "entry_id": entry_id})
    return [s for s in subentries if s["subentry_type"] == SUBENTRY_CAMERA]


def camera_key(source: str) -> str:
    """Return the unique id OpenEye gives a camera: its address without user name and password."""
    parts = urlsplit(source)
    if not parts.scheme or parts.scheme == "file" or "@" not in parts.netloc:
        return source
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host))


async def ensure_camera(api: Api, ws: WebSocket, entry_id: str, name: str, source: str) -> str:
    """Add a camera (a config subentry) watching ``source`` unless one does; return its id.

    It goes through the subentry flow the *Add camera* button opens: the menu,
    then the form for a stream address or file, which OpenEye tests by reading
    one frame before it saves the camera.
    """
    for subentry in await cameras(ws, entry_id):
        if subentry["unique_id"] == camera_key(source):
            return str(subentry["subentry_id"])
    flows = "/api/config/config_entries/subentries/flow"
    flow = await api.request("POST", flows, json={"handler": [entry_id, SUBENTRY_CAMERA]})
    if flow.get("type") == "menu":
        flow = await api.request("POST", f"{flows}/{flow['flow_id']}", json={"next_step_id": "url"})
    result = await api.request(
        "POST", f"{flows}/{flow['flow_id']}", json={"name": name, "url": source}
    )
    if result.get("type") != "create_entry":
        raise RuntimeError(f"OpenEye refused the camera {camera_key(source)}: {result}")
    for subentry in await cameras(ws, entry_id):
        if subentry["unique_id"] == camera_key(source):
            return str(subentry["subentry_id"])
    raise RuntimeError(f"The camera {camera_key(source)} was created but is not listed")


async def known_people(ws: WebSocket) -> dict[str, str]:
    """Return the taught people, name to id."""
    people = (await ws.command({"type": "openeye/people/list"}))["people"]
    return {person["name"]: person["person_id"] for person in people}


async def ensure_person(api: Api, ws: WebSocket, name: str, photo: Path) -> None:
    """Teach a person from a photo with the ``openeye.enroll_face`` action unless taught."""
    if name in await known_people(ws):
        return
    await api.call_service(DOMAIN, "enroll_face", {"name": name, "image_path": str(photo)})


async def subentry_entities(ws: WebSocket, subentry_id: str, count: int) -> list[str]:
    """Wait until a camera has ``count`` entities (at most a minute); return their ids.

    The ones people look at come first, diagnostic ones last.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ENTITIES_TIMEOUT
    while True:
        entries = sorted(
            (
                entry
                for entry in await ws.command({"type": "config/entity_registry/list"})
                if entry.get("config_subentry_id") == subentry_id
            ),
            key=lambda entry: (entry.get("entity_category") is not None, entry["entity_id"]),
        )
        if len(entries) >= count or loop.time() > deadline:
            return [entry["entity_id"] for entry in entries]
        await asyncio.sleep(0.5)


async def dashboard(ws: WebSocket, url_path: str | None) -> dict[str, Any] | None:
    """Return a storage dashboard's configuration, or None when it has none yet."""
    try:
        config: dict[str, Any] = await ws.command({"type": "lovelace/config", "url_path": url_path})
    except CommandError as err:
        if err.code == "config_not_found":
            return None
        raise
    return config


async def save_dashboard(ws: WebSocket, url_path: str | None, config: dict[str, Any]) -> None:
    """Store a dashboard's configuration (Lovelace's storage mode)."""
    await ws.command({"type": "lovelace/config/save", "url_path": url_path, "config": config})
