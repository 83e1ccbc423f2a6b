"""A real Home Assistant process with OpenEye, for slow tests and benchmarks.

It runs ``.venv/bin/hass -c <folder>`` (the same program a user runs) in a
temporary configuration folder, listening on 127.0.0.1 only, with OpenEye
linked from this checkout (never copied). The owner account is created
through the onboarding API, OpenEye through its config flow and cameras
through its subentry flow, all over REST with a real token, as the frontend
does. Nothing in Home Assistant is patched.

Used by ``tests/test_durability.py`` and the scripts in ``benchmarks/``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
from http import HTTPStatus
import itertools
import json
import os
from pathlib import Path
import secrets
import signal
import socket
import subprocess
import sys
from types import TracebackType
from typing import Any, Self

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
HASS = Path(sys.executable).with_name("hass")
INTEGRATION = ROOT / "custom_components" / "openeye"
CLIENT_ID = "http://127.0.0.1/"
# A fresh configuration folder starts in 10 to 30 s on two cores; Home
# Assistant's first start writes its storage files too.
STARTUP_TIMEOUT = 180.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def session() -> aiohttp.ClientSession:
    """Return an HTTP session that resolves names without aiodns (broken in this venv)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
    )


class HassError(RuntimeError):
    """Home Assistant answered a request with an error."""

    def __init__(self, status: int, text: str) -> None:
        """Keep the HTTP status and the body."""
        super().__init__(f"HTTP {status}: {text}")
        self.status = status
        self.text = text


class WsClient:
    """A websocket client of Home Assistant's API, authenticated with a token."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Wrap an open, authenticated websocket."""
        self.ws = ws
        self._ids = itertools.count(1)

    def next_id(self) -> int:
        """Return the next message id."""
        return next(self._ids)

    async def send(self, message: Mapping[str, Any]) -> int:
        """Send a command with a new id; return the id."""
        msg_id = self.next_id()
        await self.ws.send_json({"id": msg_id, **message})
        return msg_id

    async def receive(self) -> dict[str, Any]:
        """Return the next message (coalesced messages arrive as a list, split here)."""
        message: dict[str, Any] = await self.ws.receive_json()
        return message

    async def command(self, message: Mapping[str, Any]) -> Any:  # noqa: ANN401 - JSON
        """Send a command and return its result; raise HassError on an error answer."""
        msg_id = await self.send(message)
        while True:
            raw = await self.ws.receive()
            if raw.type is not aiohttp.WSMsgType.TEXT:
                raise HassError(0, f"websocket closed: {raw}")
            data = json.loads(raw.data)
            for item in data if isinstance(data, list) else [data]:
                if item.get("id") == msg_id and item.get("type") == "result":
                    if not item["success"]:
                        raise HassError(0, json.dumps(item["error"]))
                    return item.get("result")

    async def close(self) -> None:
        """Close the websocket."""
        await self.ws.close()


class RealHass:
    """One Home Assistant process in a folder of its own, with OpenEye available.

    ``allowlist`` folders may hold video files used as cameras; ``recorder``
    adds the recorder with SQLite in the folder; ``extra_integrations`` are
    folders of further custom integrations to link (a benchmark's probe);
    ``extra_yaml`` is appended to configuration.yaml.
    """

    def __init__(
        self,
        config_dir: Path,
        *,
        allowlist: tuple[Path, ...] = (),
        recorder: bool = False,
        extra_integrations: tuple[Path, ...] = (),
        extra_yaml: str = "",
        log_level: str = "warning",
    ) -> None:
        """Lay out the configuration folder; nothing runs before :meth:`start`."""
        self.config_dir = config_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.token: str | None = None
        self.username = "owner"
        self.password = secrets.token_urlsafe(12)
        self.log_path = config_dir / "hass.log"
        self._session: aiohttp.ClientSession | None = None
        self._write_config(allowlist, recorder, extra_integrations, extra_yaml, log_level)

    def _write_config(
        self,
        allowlist: tuple[Path, ...],
        recorder: bool,
        extra_integrations: tuple[Path, ...],
        extra_yaml: str,
        log_level: str,
    ) -> None:
        """Write configuration.yaml and link the integrations into custom_components."""
        components = self.config_dir / "custom_components"
        components.mkdir(parents=True, exist_ok=True)
        for source in (INTEGRATION, *extra_integrations):
            link = components / source.name
            if not link.exists():
                link.symlink_to(source, target_is_directory=True)
        allowed = "".join(f"\n    - {path}" for path in allowlist)
        lines = [
            "homeassistant:",
            "  name: OpenEye real process",
            "  time_zone: UTC",
            f"  allowlist_external_dirs:{allowed or ' []'}",
            "frontend:",
            "config:",
            "api:",
            "http:",
            "  server_host: 127.0.0.1",
            f"  server_port: {self.port}",
            "logger:",
            f"  default: {log_level}",
        ]
        if recorder:
            lines += [
                "recorder:",
                f"  db_url: sqlite:///{self.config_dir / 'home-assistant_v2.db'}",
                "  commit_interval: 5",
            ]
        (self.config_dir / "configuration.yaml").write_text(
            "\n".join(lines) + "\n" + extra_yaml + "\n"
        )

    # Life cycle ----------------------------------------------------------

    async def start(self) -> None:
        """Start the process and wait until its web server answers."""
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(  # noqa: ASYNC220 - a quick fork; hass outlives the loop
                [str(HASS), "-c", str(self.config_dir)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.config_dir,
            )
        finally:
            log.close()
        if self._session is None:
            self._session = session()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STARTUP_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"hass exited with {self.process.returncode}: {self.log_tail()}")
            # Any answer means the web server is up (401 here: no token is sent).
            with contextlib.suppress(aiohttp.ClientError):
                try:
                    await self.request("GET", "/api/", auth=False)
                except HassError:
                    return
                return
            if loop.time() > deadline:
                raise TimeoutError(f"hass did not answer in time: {self.log_tail()}")
            await asyncio.sleep(0.5)

    def log_tail(self, lines: int = 30) -> str:
        """Return the end of Home Assistant's output."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    @property
    def pid(self) -> int:
        """Return the process id of the running Home Assistant."""
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """Return the process ids of Home Assistant's children (OpenEye's workers)."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except FileNotFoundError:
            return []

    async def stop(self, timeout: float = 60.0) -> int:
        """Stop Home Assistant as a user does (SIGTERM) and wait for it; return its exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.process.wait, timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                await asyncio.to_thread(self.process.wait)
        code = self.process.returncode
        self.process = None
        return int(code)

    def kill(self) -> None:
        """Kill Home Assistant with SIGKILL (a power cut for its process) and reap it."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    async def close(self) -> None:
        """Stop the process if it runs and close the HTTP session."""
        await self.stop()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        """Start Home Assistant for an ``async with`` block."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop Home Assistant at the end of the block."""
        await self.close()

    # REST ----------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        auth: bool = True,
        token: str | None = None,
        **kwargs: Any,  # noqa: ANN401 - passed to aiohttp
    ) -> Any:  # noqa: ANN401 - JSON
        """Send one request; return its JSON body, raise HassError on an error status."""
        assert self._session is not None
        headers = {}
        if auth:
            headers["Authorization"] = f"Bearer {token or self.token}"
        async with self._session.request(
            method, self.url + path, headers=headers, **kwargs
        ) as response:
            text = await response.text()
            if response.status >= 400:
                raise HassError(response.status, text)
            return json.loads(text) if text else None

    async def onboard(self) -> str:
        """Create the owner (first start) or log in again; return an access token."""
        try:
            progress = await self.request("GET", "/api/onboarding", auth=False)
        except HassError as err:
            # Home Assistant removes the onboarding API once onboarding is done.
            if err.status != HTTPStatus.NOT_FOUND:
                raise
            progress = [{"step": "user", "done": True}]
        steps = {step["step"]: step["done"] for step in progress}
        if not steps.get("user"):
            body = await self.request(
                "POST",
                "/api/onboarding/users",
                auth=False,
                json={
                    "client_id": CLIENT_ID,
                    "name": "Owner",
                    "username": self.username,
                    "password": self.password,
                    "language": "en",
                },
            )
            self.token = await self._token_from_code(body["auth_code"])
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
                    await self.request("POST", path, json=payload)
        else:
            self.token = await self.log_in(self.username, self.password)
        return self.token

    async def _token_from_code(self, code: str) -> str:
        """Exchange an authorization code for an access token."""
        body = await self.request(
            "POST",
            "/auth/token",
            auth=False,
            data={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
        )
        return str(body["access_token"])

    async def log_in(self, username: str, password: str) -> str:
        """Log a user in through the login flow, as the frontend does; return a token."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            auth=False,
            json={
                "client_id": CLIENT_ID,
                "handler": ["homeassistant", None],
                "redirect_uri": CLIENT_ID,
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            auth=False,
            json={"client_id": CLIENT_ID, "username": username, "password": password},
        )
        return await self._token_from_code(result["result"])

    async def create_user(self, name: str, *, admin: bool = False) -> str:
        """Create a user with a password through the admin API; return their token."""
        ws = await self.websocket()
        try:
            group = "system-admin" if admin else "system-users"
            created = await ws.command(
                {"type": "config/auth/create", "name": name, "group_ids": [group]}
            )
            username = name.lower().replace(" ", "")
            password = secrets.token_urlsafe(12)
            await ws.command(
                {
                    "type": "config/auth_provider/homeassistant/create",
                    "user_id": created["user"]["id"],
                    "username": username,
                    "password": password,
                }
            )
        finally:
            await ws.close()
        return await self.log_in(username, password)

    async def websocket(self, token: str | None = None) -> WsClient:
        """Open and authenticate a websocket connection."""
        assert self._session is not None
        ws = await self._session.ws_connect(f"{self.url}/api/websocket", max_msg_size=0)
        hello = await ws.receive_json()
        assert hello["type"] == "auth_required", hello
        await ws.send_json({"type": "auth", "access_token": token or self.token})
        answer = await ws.receive_json()
        if answer["type"] != "auth_ok":
            await ws.close()
            raise HassError(401, json.dumps(answer))
        return WsClient(ws)

    # OpenEye -------------------------------------------------------------

    async def setup_openeye(self, options: Mapping[str, float] | None = None) -> str:
        """Add OpenEye through its config flow (and set options); return the entry id."""
        flow = await self.request(
            "POST", "/api/config/config_entries/flow", json={"handler": "openeye"}
        )
        result = await self.request(
            "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", json={"name": "OpenEye"}
        )
        if result.get("type") != "create_entry":
            raise RuntimeError(f"The OpenEye config flow did not finish: {result}")
        entry_id = str(result["result"]["entry_id"])
        if options:
            await self.set_options(entry_id, options)
        return entry_id

    async def wait_for_openeye(self, timeout: float = 60.0) -> str:
        """Wait until the OpenEye entry is loaded (the web server answers before); return its state.

        Returns at once, with the state, when the entry failed to set up.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            entries = await self.request("GET", "/api/config/config_entries/entry?domain=openeye")
            state = str(entries[0]["state"]) if entries else "absent"
            if state in ("loaded", "setup_error", "migration_error", "failed_unload"):
                return state
            if loop.time() > deadline:
                raise TimeoutError(f"OpenEye is {state}: {self.log_tail()}")
            await asyncio.sleep(0.2)

    async def openeye_entry_id(self) -> str:
        """Return the id of the OpenEye entry."""
        entries = await self.request("GET", "/api/config/config_entries/entry?domain=openeye")
        return str(entries[0]["entry_id"])

    async def set_options(self, entry_id: str, options: Mapping[str, float]) -> None:
        """Change OpenEye's options through its options flow."""
        flow = await self.request(
            "POST", "/api/config/config_entries/options/flow", json={"handler": entry_id}
        )
        # The form shows the current values as suggested values (not defaults),
        # so that a field left empty is refused rather than silently reset.
        current = {
            field["name"]: (field.get("description") or {}).get(
                "suggested_value", field.get("default")
            )
            for field in flow["data_schema"]
        }
        result = await self.request(
            "POST",
            f"/api/config/config_entries/options/flow/{flow['flow_id']}",
            json={**current, **options},
        )
        if result.get("type") != "create_entry":
            raise RuntimeError(f"The options flow did not finish: {result}")

    async def add_camera(self, entry_id: str, name: str, url: str) -> None:
        """Add a camera (stream URL or allowed video file) through the subentry flow."""
        flow = await self.request(
            "POST",
            "/api/config/config_entries/subentries/flow",
            json={"handler": [entry_id, "camera"]},
        )
        step = await self.request(
            "POST",
            f"/api/config/config_entries/subentries/flow/{flow['flow_id']}",
            json={"next_step_id": "url"},
        )
        result = await self.request(
            "POST",
            f"/api/config/config_entries/subentries/flow/{step['flow_id']}",
            json={"name": name, "url": url},
        )
        if result.get("type") != "create_entry":
            raise RuntimeError(f"The camera was not added: {result}")

    async def call_service(
        self, domain: str, service: str, data: Mapping[str, Any], *, response: bool = False
    ) -> Any:  # noqa: ANN401 - JSON
        """Call a service over REST, as an automation tool or script would."""
        path = f"/api/services/{domain}/{service}"
        if response:
            path += "?return_response"
        return await self.request("POST", path, json=dict(data))
