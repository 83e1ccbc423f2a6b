"""Prepare the Home Assistant that scripts/e2e starts, and describe it to the checks.

``prepare`` runs before Home Assistant starts (see ``skip_onboarding_core_config``).
``configure`` runs once it is starting: it creates the owner through the
onboarding API, sets OpenEye up through its config flow, gives the owner a
long-lived access token and makes the default dashboard show the OpenEye card.
It writes what the checks need (address, owner, token, media folder) to a JSON
file readable only by its owner. Teaching faces and adding the camera are left
to the checks themselves, which must be listening before the first recognition.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
import secrets

from scripts.ha_client import Api, session
from scripts.openeye_setup import (
    create_owner,
    ensure_openeye_entry,
    finish_onboarding,
    save_dashboard,
    skip_onboarding_core_config,
)

OWNER_NAME = "E2E Owner"
OWNER_USERNAME = "owner"
DASHBOARD = {
    "title": "OpenEye end-to-end",
    "views": [{"title": "OpenEye", "path": "openeye", "cards": [{"type": "custom:openeye-card"}]}],
}


async def _exited(pid: int) -> None:
    """Return when the process ``pid`` has exited."""
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        await asyncio.sleep(0.5)


async def wait_for_start(api: Api, hass_pid: int) -> None:
    """Wait until Home Assistant answers; fail at once if its process ends first."""
    up = asyncio.ensure_future(api.wait_until_up())
    exited = asyncio.ensure_future(_exited(hass_pid))
    await asyncio.wait((up, exited), return_when=asyncio.FIRST_COMPLETED)
    exited.cancel()
    if not up.done():
        up.cancel()
        raise RuntimeError("Home Assistant exited while starting (see its output)")
    up.result()


async def configure(url: str, state_file: Path, media: Path, hass_pid: int) -> None:
    """Onboard, set OpenEye up, write the dashboard and the state file."""
    password = secrets.token_urlsafe(16)
    async with session() as http:
        api = Api(http, url)
        await wait_for_start(api, hass_pid)
        await create_owner(api, OWNER_NAME, OWNER_USERNAME, password)
        await finish_onboarding(api)
        entry_id = await ensure_openeye_entry(api)
        async with api.websocket() as ws:
            token = await ws.command(
                {
                    "type": "auth/long_lived_access_token",
                    "client_name": "OpenEye end-to-end checks",
                    "lifespan": 1,
                }
            )
            await save_dashboard(ws, None, DASHBOARD)
    state = {
        "url": url,
        "username": OWNER_USERNAME,
        "password": password,
        "token": token,
        "entry_id": entry_id,
        "media": str(media),
        "dashboard": "/lovelace/openeye",
    }
    state_file.touch(mode=0o600)
    state_file.write_text(json.dumps(state, indent=2))


def main() -> None:
    """Run the step the command line names."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("step", choices=["prepare", "configure"])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--url")
    parser.add_argument("--state", type=Path)
    parser.add_argument("--media", type=Path)
    parser.add_argument("--hass-pid", type=int)
    args = parser.parse_args()
    if args.step == "prepare":
        skip_onboarding_core_config(args.config)
    else:
        if not (args.url and args.state and args.media and args.hass_pid):
            parser.error("configure needs --url, --state, --media and --hass-pid")
        asyncio.run(configure(args.url, args.state, args.media, args.hass_pid))


if __name__ == "__main__":
    main()
