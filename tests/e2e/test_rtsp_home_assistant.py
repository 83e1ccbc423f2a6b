"""RTSP cameras in a real Home Assistant process: the users' kind of camera, end to end.

scripts/e2e runs these after test_live_home_assistant.py. The test RTSP
camera (tests/rtsp_camera.py) serves the Hamilton clip as H.264 and as H.265
with digest authentication on 127.0.0.1; each stream is added through the
same add-camera form a user fills in, and Lin-Manuel Miranda must be
recognised on both. A wrong password is refused in the form with its own
message. The cameras are removed again, so that the browser checks that
follow see the Home Assistant they expect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scripts.ha_client import Api, WebSocket
from scripts.openeye_setup import SUBENTRY_CAMERA, cameras, ensure_camera, ensure_person
from tests.e2e.conftest import requires_live_home_assistant
from tests.media import media
from tests.rtsp_camera import EncodedStreams, RtspCamera

pytestmark = [pytest.mark.e2e, requires_live_home_assistant]

LIN = "Lin-Manuel Miranda"
USER = "viewer"
PASSWORD = "e2e-Pa55"  # noqa: S105 - the test camera's password, looked for in the answers
WRONG_PASSWORD = "wrong-Pa55"  # noqa: S105
FLOWS = "/api/config/config_entries/subentries/flow"
# The worker opens the stream and Lin-Manuel Miranda comes close in the
# clip's third second; on two busy cores this takes well under a minute.
RECOGNITION_TIMEOUT = 90.0


async def _url_form(api: Api, entry_id: str) -> str:
    """Open the add-camera flow at its stream address form; return the flow id."""
    flow = await api.request("POST", FLOWS, json={"handler": [entry_id, SUBENTRY_CAMERA]})
    if flow.get("type") == "menu":
        flow = await api.request("POST", f"{FLOWS}/{flow['flow_id']}", json={"next_step_id": "url"})
    return str(flow["flow_id"])


async def test_h264_and_h265_rtsp_cameras_with_a_password_recognise_a_taught_face(
    live: dict[str, Any],
    owner: Api,
    owner_ws: WebSocket,
    rtsp_camera: Callable[..., RtspCamera],
    rtsp_streams: EncodedStreams,
) -> None:
    """Added by their RTSP address through the form, both cameras recognise Lin-Manuel Miranda."""
    clip = media("short_hamilton_clip.mp4")
    camera = rtsp_camera(
        {
            "hamilton264": rtsp_streams.clip(clip, "h264"),
            "hamilton265": rtsp_streams.clip(clip, "h265"),
        },
        auth="digest",
        user=USER,
        password=PASSWORD,
    )
    await ensure_person(owner, owner_ws, LIN, Path(live["media"]) / "lin-manuel-miranda.png")
    pushes = await owner_ws.subscribe({"type": "openeye/subscribe"})

    flow_id = await _url_form(owner, live["entry_id"])
    refused = await owner.request(
        "POST",
        f"{FLOWS}/{flow_id}",
        json={"name": "Wrong", "url": camera.url("hamilton264", password=WRONG_PASSWORD)},
    )
    assert refused["type"] == "form"
    assert refused["errors"] == {"url": "invalid_auth"}
    assert "Pa55" not in str(refused)

    names = {"RTSP H.264": "hamilton264", "RTSP H.265": "hamilton265"}
    added = [
        await ensure_camera(owner, owner_ws, live["entry_id"], name, camera.url(path))
        for name, path in names.items()
    ]
    try:
        recognised: set[str] = set()
        async with asyncio.timeout(RECOGNITION_TIMEOUT):
            while recognised != set(names):
                event = await pushes.next()
                if (
                    event["type"] == "camera_event"
                    and event["event_type"] == "face_recognized"
                    and event["camera"]["name"] in names
                ):
                    assert event["data"]["person_name"] == LIN
                    recognised.add(event["camera"]["name"])
        assert "Pa55" not in str(await cameras(owner_ws, live["entry_id"]))
        assert {session["transport"] for session in camera.sessions()} == {"tcp"}
    finally:
        for subentry_id in added:
            await owner_ws.command(
                {
                    "type": "config_entries/subentries/delete",
                    "entry_id": live["entry_id"],
                    "subentry_id": subentry_id,
                }
            )
