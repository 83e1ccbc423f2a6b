"""Prepare a freshly started development Home Assistant for OpenEye.

Run by scripts/develop once Home Assistant is starting: it waits for the web
server, creates the owner account through the onboarding API (first run only;
the credentials are kept in config/.openeye-dev-credentials and printed), sets
up the OpenEye entry through the config flow API, and prepares the demo.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import secrets
import sys
from typing import Any

import aiohttp

CLIENT_ID = "http://localhost:8123/"
USERNAME = "dev"
STARTUP_TIMEOUT = 300


class Api:
    """A small client for Home Assistant's REST and auth endpoints."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        """Remember the session and the base URL."""
        self.session = session
        self.url = url.rstrip("/")
        self.token: str | None = None

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one request and return its JSON body, raising on an error status."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.session.request(
            method, self.url + path, headers=headers, **kwargs
        ) as response:
            if response.status >= 400:  # noqa: PLR2004 - HTTP error range
                text = await response.text()
                raise RuntimeError(f"{method} {path} answered {response.status}: {text}")
            return await response.json()

    async def wait_until_up(self) -> None:
        """Wait until Home Assistant answers on its onboarding endpoint."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STARTUP_TIMEOUT
        while True:
            try:
                await self.request("GET", "/api/onboarding")
            except (aiohttp.ClientError, RuntimeError):
                if loop.time() > deadline:
                    raise
                await asyncio.sleep(1)
            else:
                return

    async def token_from_code(self, code: str) -> None:
        """Exchange an authorization code for an access token."""
        body = await self.request(
            "POST",
            "/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
        )
        self.token = body["access_token"]

    async def log_in(self, username: str, password: str) -> None:
        """Log in through the login flow, as the frontend does."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            json={
                "client_id": CLIENT_ID,
                "handler": ["homeassistant", None],
                "redirect_uri": CLIENT_ID,
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json={"client_id": CLIENT_ID, "username": username, "password": password},
        )
        await self.token_from_code(result["result"])


async def onboard(api: Api, credentials_file: Path) -> tuple[str, str]:
    """Create the owner on the first run, or log in with the stored credentials."""
    steps = {step["step"]: step["done"] for step in await api.request("GET", "/api/onboarding")}
    if not steps.get("user"):
        password = secrets.token_urlsafe(12)
        body = await api.request(
            "POST",
            "/api/onboarding/users",
            json={
                "client_id": CLIENT_ID,
                "name": "OpenEye Developer",
                "username": USERNAME,
                "password": password,
                "language": "en",
            },
        )
        credentials_file.write_text(json.dumps({"username": USERNAME, "password": password}))
        credentials_file.chmod(0o600)
        await api.token_from_code(body["auth_code"])
    else:
        stored = json.loads(credentials_file.read_text())
        await api.log_in(stored["username"], stored["password"])
    for step, path, payload in (
        ("core_config", "/api/onboarding/core_config", {}),
        ("analytics", "/api/onboarding/analytics", {}),
        (
            "integration",
            "/api/onboarding/integration",
            {"client_id": CLIENT_ID, "redirect_uri": CLIENT_ID},
        ),
    ):
        if not steps.get(step):
            await api.request("POST", path, json=payload)
    stored = json.loads(credentials_file.read_text())
    return stored["username"], stored["password"]


async def ensure_openeye_entry(api: Api) -> None:
    """Set OpenEye up through its config flow unless an entry exists."""
    entries = await api.request("GET", "/api/config/config_entries/entry?domain=openeye")
    if entries:
        return
    flow = await api.request("POST", "/api/config/config_entries/flow", json={"handler": "openeye"})
    result = await api.request(
        "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", json={"name": "OpenEye"}
    )
    if result.get("type") != "create_entry":
        raise RuntimeError(f"The OpenEye config flow did not finish: {result}")


async def main() -> None:
    """Wait for Home Assistant, onboard it and set OpenEye up."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--url", default="http://localhost:8123")
    args = parser.parse_args()
    # The threaded resolver avoids aiodns, whose binding does not match the
    # pycares that Home Assistant 2025.4.4 installs.
    connector = aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
    async with aiohttp.ClientSession(connector=connector) as session:
        api = Api(session, args.url)
        await api.wait_until_up()
        username, password = await onboard(api, args.config / ".openeye-dev-credentials")
        await ensure_openeye_entry(api)
    print(
        f"\nHome Assistant is ready on {args.url}\n"
        f"  user name: {username}\n  password:  {password}\n",
        file=sys.stderr,
    )


if __name__ == "__main__":
    asyncio.run(main())
