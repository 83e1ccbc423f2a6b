"""A small client for a running Home Assistant: REST, log-in and WebSocket API.

Used by scripts/develop, scripts/e2e and the live end-to-end tests, which all
talk to a real Home Assistant process the way its frontend does: an access
token from the login flow, REST calls, and one authenticated WebSocket
connection with numbered commands and subscriptions.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from http import HTTPStatus
from typing import Any, Self

import aiohttp

STARTUP_TIMEOUT = 300.0
COMMAND_TIMEOUT = 60.0


def session() -> aiohttp.ClientSession:
    """Return an HTTP session that resolves names without aiodns.

    The threaded resolver avoids aiodns, whose binding does not match the
    pycares that Home Assistant 2025.4.4 installs.
    """
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
    )


class ApiError(RuntimeError):
    """Home Assistant answered a REST request with an error status."""

    def __init__(self, method: str, path: str, status: int, text: str) -> None:
        """Keep the status, so that callers can tell a refusal from a failure."""
        super().__init__(f"{method} {path} answered {status}: {text}")
        self.status = status


class CommandError(RuntimeError):
    """Home Assistant answered a WebSocket command with an error."""

    def __init__(self, command: dict[str, Any], error: dict[str, Any]) -> None:
        """Keep the error's code, which tests compare."""
        super().__init__(f"{command.get('type')} failed: {error}")
        self.code: str = error.get("code", "unknown")
        self.error = error


class Api:
    """Home Assistant's REST and auth endpoints at one base URL."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        """Remember the session and the base URL (the frontend's address is the client id)."""
        self.http = http
        self.url = url.rstrip("/")
        self.client_id = f"{self.url}/"
        self.token: str | None = None

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one request and return its JSON body, raising on an error status."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.http.request(
            method, self.url + path, headers=headers, **kwargs
        ) as response:
            if response.status >= 400:  # noqa: PLR2004 - HTTP error range
                raise ApiError(method, path, response.status, await response.text())
            if response.content_type != "application/json":
                return await response.text()
            return await response.json()

    async def wait_until_up(self) -> None:
        """Wait until Home Assistant's web server answers (at most :data:`STARTUP_TIMEOUT`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STARTUP_TIMEOUT
        while True:
            try:
                # Open to anyone and there in every state (/api/onboarding is gone
                # once onboarding is finished): 200 when an owner exists, 400
                # before. Home Assistant serves nothing before its onboarding and
                # auth components are set up, so any answer means they are.
                async with self.http.get(self.url + "/auth/providers") as response:
                    if response.status in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST):
                        return
            except aiohttp.ClientError:
                pass
            if loop.time() > deadline:
                raise TimeoutError(f"Home Assistant did not answer on {self.url}")
            await asyncio.sleep(0.5)

    async def token_from_code(self, code: str) -> str:
        """Exchange an authorization code for an access token, and use it from now on."""
        body = await self.request(
            "POST",
            "/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        )
        self.token = body["access_token"]
        return self.token

    async def log_in(self, username: str, password: str) -> str:
        """Log in through the login flow, as the frontend's login page does."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json={"client_id": self.client_id, "username": username, "password": password},
        )
        if result.get("type") != "create_entry":
            raise RuntimeError(f"Logging in as {username} failed: {result}")
        return await self.token_from_code(result["result"])

    async def call_service(self, domain: str, service: str, data: dict[str, Any]) -> Any:
        """Call an action through the REST API, with its response when it gives one."""
        return await self.request(
            "POST", f"/api/services/{domain}/{service}?return_response", json=data
        )

    @contextlib.asynccontextmanager
    async def websocket(self) -> AsyncIterator[WebSocket]:
        """Open an authenticated WebSocket connection with this API's token."""
        if self.token is None:
            raise RuntimeError("Log in before opening the WebSocket API")
        ws_url = self.url.replace("http", "ws", 1) + "/api/websocket"
        async with self.http.ws_connect(ws_url, max_msg_size=0) as socket:
            client = await WebSocket(socket).authenticate(self.token)
            try:
                yield client
            finally:
                await client.close()


class Subscription:
    """The events of one subscription, as they arrive."""

    def __init__(self, client: WebSocket, msg_id: int) -> None:
        """Start with no event."""
        self.client = client
        self.id = msg_id
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def next(self) -> dict[str, Any]:
        """Return the next event, waiting for it (callers bound the wait with asyncio.timeout)."""
        return await self.queue.get()

    async def unsubscribe(self) -> None:
        """End the subscription on the server."""
        await self.client.command({"type": "unsubscribe_events", "subscription": self.id})
        self.client.subscriptions.pop(self.id, None)


class WebSocket:
    """One authenticated WebSocket connection: numbered commands, results and events."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        """Wrap an open socket; :meth:`authenticate` must run first."""
        self.socket = socket
        self.next_id = 1
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.subscriptions: dict[int, Subscription] = {}
        self.reader: asyncio.Task[None] | None = None

    async def authenticate(self, token: str) -> Self:
        """Answer the server's auth request, then start reading messages."""
        hello = await self.socket.receive_json()
        if hello.get("type") != "auth_required":
            raise RuntimeError(f"Unexpected greeting: {hello}")
        await self.socket.send_json({"type": "auth", "access_token": token})
        answer = await self.socket.receive_json()
        if answer.get("type") != "auth_ok":
            raise RuntimeError(f"Authentication refused: {answer}")
        self.reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        """Route each message to the command or subscription it belongs to."""
        async for message in self.socket:
            if message.type is not aiohttp.WSMsgType.TEXT:
                break
            payload = message.json()
            # Home Assistant may coalesce several messages into one JSON array.
            for item in payload if isinstance(payload, list) else [payload]:
                msg_id = item.get("id")
                if item.get("type") == "event" and msg_id in self.subscriptions:
                    self.subscriptions[msg_id].queue.put_nowait(item["event"])
                elif (future := self.pending.pop(msg_id, None)) and not future.done():
                    future.set_result(item)
        for future in self.pending.values():
            if not future.done():
                future.set_exception(ConnectionError("the WebSocket connection closed"))

    async def _send(self, payload: dict[str, Any]) -> tuple[int, asyncio.Future[dict[str, Any]]]:
        """Send a command with the next id; return the id and its answer to come."""
        msg_id = self.next_id
        self.next_id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = future
        await self.socket.send_json({**payload, "id": msg_id})
        return msg_id, future

    async def command(self, payload: dict[str, Any]) -> Any:
        """Send a command and return its result, raising :class:`CommandError` on an error."""
        _, future = await self._send(payload)
        answer = await asyncio.wait_for(future, COMMAND_TIMEOUT)
        if not answer.get("success"):
            raise CommandError(payload, answer.get("error") or {})
        return answer.get("result")

    async def subscribe(self, payload: dict[str, Any]) -> Subscription:
        """Start a subscription; its events are queued from the first one on."""
        # Registered before the command leaves: its events may follow the answer at once.
        subscription = Subscription(self, self.next_id)
        self.subscriptions[subscription.id] = subscription
        msg_id, future = await self._send(payload)
        answer = await asyncio.wait_for(future, COMMAND_TIMEOUT)
        if not answer.get("success"):
            self.subscriptions.pop(msg_id, None)
            raise CommandError(payload, answer.get("error") or {})
        return subscription

    async def close(self) -> None:
        """Close the connection and stop reading."""
        await self.socket.close()
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader
