"""OpenEye in a real Home Assistant process, through its WebSocket and REST APIs.

scripts/e2e runs these checks, in this order, against the fresh Home Assistant
it started (see conftest.py); the browser checks follow. The first check teaches
the two reference photos and adds the camera itself, because a recognition is
reported once per visit: it must be listening before the clip is first seen.
"""

from __future__ import annotations

import asyncio
import base64
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest

from scripts.ha_client import Api, ApiError, CommandError, Subscription, WebSocket
from scripts.openeye_setup import ensure_camera, known_people
from tests.e2e.conftest import Users, requires_live_home_assistant

pytestmark = [pytest.mark.e2e, requires_live_home_assistant]

LIN = "Lin-Manuel Miranda"
ALEX = "Alex Lacamoire"
PHOTOS = {LIN: "lin-manuel-miranda.png", ALEX: "alex-lacamoire.png"}
CLIP = "short_hamilton_clip.mp4"
CAMERA = "Stage"
# Workers start, the clip is opened and Lin-Manuel Miranda comes close from
# its third second on; on two busy cores this takes well under a minute.
RECOGNITION_TIMEOUT = 90.0
EVENT_TIMEOUT = 15.0
SUBSCRIPTION_LIMIT = 5


async def _next(subscription: Subscription, timeout: float = EVENT_TIMEOUT) -> dict[str, Any]:
    """Return a subscription's next event, or fail after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        return await subscription.next()


async def _greeted(subscription: Subscription) -> dict[str, Any]:
    """Check OpenEye's greeting on a new subscription; return the statistics it sends."""
    greeting = await _next(subscription)
    assert greeting["type"] == "connection_status"
    assert greeting["status"] == "connected"
    first = await _next(subscription)
    assert first["type"] == "statistics_update"
    statistics: dict[str, Any] = first["statistics"]
    return statistics


async def test_a_recognition_is_pushed_to_subscribers_and_fired_on_the_bus(
    live: dict[str, Any], owner: Api, owner_ws: WebSocket
) -> None:
    """Lin-Manuel Miranda is recognised in the clip: pushed, counted and on the event bus."""
    before = await owner_ws.command({"type": "openeye/statistics"})
    assert before["cameras"] == [], "scripts/e2e starts Home Assistant without a camera"
    assert before["recognitions_today"] == 0
    pushes = await owner_ws.subscribe({"type": "openeye/subscribe"})
    bus = await owner_ws.subscribe(
        {"type": "subscribe_events", "event_type": "openeye_face_recognized"}
    )
    assert (await _greeted(pushes))["recognitions_today"] == 0

    media = Path(live["media"])
    for name, photo in PHOTOS.items():
        answer = await owner.call_service(
            "openeye", "enroll_face", {"name": name, "image_path": str(media / photo)}
        )
        assert answer["service_response"]["name"] == name
        assert answer["service_response"]["created"] is True
    await ensure_camera(owner, owner_ws, live["entry_id"], CAMERA, str(media / CLIP))

    recognized: dict[str, Any] | None = None
    counted: dict[str, Any] | None = None
    names: set[str] = set()
    async with asyncio.timeout(RECOGNITION_TIMEOUT):
        while recognized is None or counted is None:
            event = await pushes.next()
            if event["type"] == "camera_event" and event["event_type"] == "face_recognized":
                names.add(event["data"]["person_name"])
                recognized = recognized or event
            elif (
                event["type"] == "statistics_update"
                and event["statistics"]["recognitions_today"] >= 1
            ):
                counted = event["statistics"]

    assert names == {LIN}, "Alex Lacamoire is not in the clip"
    assert recognized["camera"]["name"] == CAMERA
    assert 0.5 <= recognized["data"]["confidence"] <= 1
    assert recognized["data"]["image_url"].startswith("/api/image_proxy/image.")
    assert counted["known_people"] == len(PHOTOS)
    assert counted["last_recognition"]["person_name"] == LIN
    assert counted["cameras"][0]["name"] == CAMERA

    fired = await _next(bus)
    assert fired["event_type"] == "openeye_face_recognized"
    assert fired["data"]["person_name"] == LIN
    assert fired["data"]["camera_name"] == CAMERA
    assert fired["data"]["person_id"] == recognized["data"]["person_id"]


async def test_a_user_who_is_not_an_administrator_may_watch_but_not_teach(
    live: dict[str, Any], owner_ws: WebSocket, users: Users
) -> None:
    """A plain user subscribes and reads the statistics; teaching is refused and changes nothing."""
    people = await known_people(owner_ws)
    viewer = await users.log_in("E2E viewer")
    photo = Path(live["media"]) / PHOTOS[ALEX]
    async with viewer.websocket() as ws:
        assert not (await ws.command({"type": "auth/current_user"}))["is_admin"]
        pushes = await ws.subscribe({"type": "openeye/subscribe"})
        assert (await _greeted(pushes))["known_people"] == len(people)
        statistics = await ws.command({"type": "openeye/statistics"})
        assert statistics["known_people"] == len(people)
        assert [camera["name"] for camera in statistics["cameras"]] == [CAMERA]

        image = base64.b64encode(photo.read_bytes()).decode("ascii")
        with pytest.raises(CommandError) as refused:
            await ws.command({"type": "openeye/people/enroll", "name": "Intruder", "image": image})
        assert refused.value.code == "unauthorized"
        with pytest.raises(CommandError) as refused:
            await ws.command({"type": "openeye/connections"})
        assert refused.value.code == "unauthorized"
    with pytest.raises(ApiError) as refused_action:
        await viewer.call_service(
            "openeye", "enroll_face", {"name": "Intruder", "image_path": str(photo)}
        )
    assert refused_action.value.status == HTTPStatus.UNAUTHORIZED
    assert await known_people(owner_ws) == people


async def test_a_sixth_subscription_of_one_user_is_refused(
    owner_ws: WebSocket, users: Users
) -> None:
    """Five subscriptions over two connections are the limit; a freed slot can be taken again."""
    watcher = await users.log_in("E2E watcher")

    async def held() -> int:
        """Return how many OpenEye subscriptions the watcher holds, as the server counts."""
        connections = await owner_ws.command({"type": "openeye/connections"})
        return int(connections["per_user"].get(user_id, 0))

    async with watcher.websocket() as first, watcher.websocket() as second:
        user_id = (await first.command({"type": "auth/current_user"}))["id"]
        subscriptions = [await first.subscribe({"type": "openeye/subscribe"}) for _ in range(3)]
        subscriptions += [await second.subscribe({"type": "openeye/subscribe"}) for _ in range(2)]
        assert await held() == SUBSCRIPTION_LIMIT
        async with watcher.websocket() as third:
            with pytest.raises(CommandError) as refused:
                await third.subscribe({"type": "openeye/subscribe"})
            assert refused.value.code == "too_many_subscriptions"
            with pytest.raises(CommandError):
                await first.subscribe({"type": "openeye/subscribe"})
            await subscriptions[0].unsubscribe()
            assert await held() == SUBSCRIPTION_LIMIT - 1
            await _greeted(await third.subscribe({"type": "openeye/subscribe"}))
            assert await held() == SUBSCRIPTION_LIMIT
    # Closed connections leave nothing behind (the server notices the close at once).
    for _ in range(50):
        if not await held():
            break
        await asyncio.sleep(0.2)
    assert await held() == 0
