"""Fixtures of the end-to-end checks: the Home Assistant that scripts/e2e started.

scripts/e2e starts a real ``hass`` process, onboards it and describes it in a
JSON file named by ``OPENEYE_E2E_STATE``. Without that variable (a plain
``pytest`` run) every check here is skipped. Home Assistant's pytest plugin,
which builds in-process test instances, is left out by scripts/e2e; the
autouse fixtures of ``tests/conftest.py`` that need it are replaced here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
import os
from pathlib import Path
import secrets
from typing import Any

import pytest

# The same client as scripts/develop and scripts/e2e.
from scripts.ha_client import Api, WebSocket, session

STATE = os.environ.get("OPENEYE_E2E_STATE")

requires_live_home_assistant = pytest.mark.skipif(
    not STATE,
    reason="end-to-end checks need the Home Assistant that scripts/e2e starts (run scripts/e2e)",
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Replace the in-process fixture: OpenEye is loaded by the real Home Assistant."""


@pytest.fixture(autouse=True)
def no_http_listener() -> None:
    """Replace the in-process fixture: the real Home Assistant listens on its own port."""


@pytest.fixture
def live() -> dict[str, Any]:
    """Return what scripts/e2e wrote about its Home Assistant."""
    assert STATE is not None
    state: dict[str, Any] = json.loads(Path(STATE).read_text())
    return state


@pytest.fixture
async def owner(live: dict[str, Any]) -> AsyncIterator[Api]:
    """Return the REST API with the owner's token."""
    async with session() as http:
        api = Api(http, live["url"])
        api.token = live["token"]
        yield api


@pytest.fixture
async def owner_ws(owner: Api) -> AsyncIterator[WebSocket]:
    """Return a WebSocket connection of the owner."""
    async with owner.websocket() as ws:
        yield ws


class Users:
    """Makes users through Home Assistant's auth API, as its user settings page does."""

    def __init__(self, owner: Api, owner_ws: WebSocket) -> None:
        """Keep the owner's API and connection, which create the users."""
        self.owner = owner
        self.owner_ws = owner_ws

    async def create(self, name: str) -> tuple[str, str]:
        """Create a user who is not an administrator; return the user name and password."""
        username = f"e2e-{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(16)
        created = await self.owner_ws.command(
            {"type": "config/auth/create", "name": name, "group_ids": ["system-users"]}
        )
        await self.owner_ws.command(
            {
                "type": "config/auth_provider/homeassistant/create",
                "user_id": created["user"]["id"],
                "username": username,
                "password": password,
            }
        )
        return username, password

    async def log_in(self, name: str) -> Api:
        """Create a user and log them in through the login flow; return their API."""
        username, password = await self.create(name)
        api = Api(self.owner.http, self.owner.url)
        await api.log_in(username, password)
        return api


@pytest.fixture
def users(owner: Api, owner_ws: WebSocket) -> Users:
    """Return the user maker."""
    return Users(owner, owner_ws)
