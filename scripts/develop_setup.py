"""Prepare the development Home Assistant of scripts/develop, with OpenEye's demo.

``prepare`` runs before Home Assistant starts: it writes the demo camera's
video and the still to teach into config/openeye_media (made from a real face
that scikit-image ships, so no network and no ../shared are needed) and keeps
the first onboarding from setting up internet integrations.

``configure`` runs while Home Assistant starts: it waits for the web server,
creates the owner account through the onboarding API (first run only; the
credentials are kept in config/.openeye-dev-credentials and printed), sets up
the OpenEye entry through its config flow, teaches the astronaut with the
``openeye.enroll_face`` action, adds the demo camera through the config
subentry flow and makes the default dashboard show the OpenEye card and the
camera's entities. Every step looks first, so a second run duplicates nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import secrets
import sys
from typing import Any

from scripts.demo_media import PERSON_NAME, ensure_demo_media
from scripts.ha_client import Api, session
from scripts.openeye_setup import (
    create_owner,
    dashboard,
    ensure_camera,
    ensure_openeye_entry,
    ensure_person,
    finish_onboarding,
    onboarding_steps,
    save_dashboard,
    skip_onboarding_core_config,
    subentry_entities,
)

USERNAME = "dev"
CAMERA_NAME = "Demo camera"
MEDIA_FOLDER = "openeye_media"
DASHBOARD_TITLE = "OpenEye demo"
# A camera has eight entities (README, "Entities"): five to look at, three diagnostic.
CAMERA_ENTITIES = 8


async def onboard(api: Api, credentials_file: Path) -> tuple[str, str]:
    """Create the owner on the first run, or log in with the stored credentials."""
    if not (await onboarding_steps(api)).get("user"):
        password = secrets.token_urlsafe(12)
        # Written first: a run stopped right after the owner exists can still log in.
        credentials_file.write_text(json.dumps({"username": USERNAME, "password": password}))
        credentials_file.chmod(0o600)
        await create_owner(api, "OpenEye Developer", USERNAME, password)
    stored = json.loads(credentials_file.read_text())
    if api.token is None:
        await api.log_in(stored["username"], stored["password"])
    await finish_onboarding(api)
    return stored["username"], stored["password"]


def demo_dashboard(camera_entities: list[str]) -> dict[str, Any]:
    """Return the demo dashboard: the OpenEye card, the latest face and the camera's entities."""
    latest_face = next((e for e in camera_entities if e.startswith("image.")), None)
    cards: list[dict[str, Any]] = [{"type": "custom:openeye-card", "title": "OpenEye"}]
    if latest_face is not None:
        cards.append({"type": "picture-entity", "entity": latest_face, "name": "Latest face"})
    cards.append(
        {
            "type": "entities",
            "title": CAMERA_NAME,
            "entities": [e for e in camera_entities if e != latest_face],
        }
    )
    return {
        "title": DASHBOARD_TITLE,
        "views": [{"title": "OpenEye", "path": "openeye", "cards": cards}],
    }


async def wait_for(api: Api, hass_pid: int | None) -> None:
    """Wait until Home Assistant answers; stop at once if its process has ended."""
    waiting = asyncio.create_task(api.wait_until_up())
    while not waiting.done():
        await asyncio.wait({waiting}, timeout=1.0)
        if hass_pid is not None and not Path(f"/proc/{hass_pid}").exists():
            waiting.cancel()
            raise SetupError("Home Assistant has stopped; its log above says why")
    try:
        waiting.result()
    except TimeoutError as err:
        raise SetupError(f"Home Assistant did not answer on {api.url}") from err


class SetupError(RuntimeError):
    """The demo cannot be set up; the message says why in one line."""


async def configure(config: Path, url: str, hass_pid: int | None = None) -> None:
    """Wait for Home Assistant, onboard it and set the OpenEye demo up."""
    still, video = ensure_demo_media(config / MEDIA_FOLDER)
    async with session() as http:
        api = Api(http, url)
        await wait_for(api, hass_pid)
        username, password = await onboard(api, config / ".openeye-dev-credentials")
        entry_id = await ensure_openeye_entry(api)
        async with api.websocket() as ws:
            # Taught before the camera starts, so that its first pass is a recognition.
            await ensure_person(api, ws, PERSON_NAME, still)
            subentry_id = await ensure_camera(api, ws, entry_id, CAMERA_NAME, str(video))
            # The default dashboard is written when it is new or still the demo's,
            # never over a dashboard someone made.
            current = await dashboard(ws, None)
            if current is None or current.get("title") == DASHBOARD_TITLE:
                entities = await subentry_entities(ws, subentry_id, CAMERA_ENTITIES)
                await save_dashboard(ws, None, demo_dashboard(entities))
    print(
        f"\nHome Assistant is ready on {url}\n"
        f"  user name: {username}\n  password:  {password}\n"
        f"The dashboard shows {PERSON_NAME} recognised at the {CAMERA_NAME} within a minute.\n",
        file=sys.stderr,
    )


def main() -> None:
    """Run the step the command line names."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("step", choices=["prepare", "configure"])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--url", default="http://localhost:8123")
    parser.add_argument("--hass-pid", type=int, help="stop waiting if this process ends")
    args = parser.parse_args()
    if args.step == "prepare":
        ensure_demo_media(args.config / MEDIA_FOLDER)
        skip_onboarding_core_config(args.config)
        return
    try:
        asyncio.run(configure(args.config, args.url, args.hass_pid))
    except SetupError as err:
        sys.exit(f"scripts/develop: {err}")


if __name__ == "__main__":
    main()
