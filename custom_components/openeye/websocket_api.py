"""OpenEye's commands on Home Assistant's own WebSocket API.

Everything the original OpenEye dashboard got from its private WebSocket
server is served here through Home Assistant's authenticated connection:
statistics on request, and a subscription that pushes statistics, camera
events and alerts the moment they happen, coalesced per subscriber. The
pushes come from the announcer (announcer.py) through one dispatcher signal.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
import functools
import time
from typing import Any, Final
import uuid

from homeassistant.components import websocket_api
from homeassistant.components.websocket_api import ActiveConnection
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

# Home Assistant 2026.x validates with probatio and aliases this import to it, with
# the same schema API; 2025.4 has voluptuous itself. Both run the same schemas.
import voluptuous as vol

from . import corrections, gallery_actions, strangers
from .const import CONF_CAMERA_ENTITY_ID, CONF_MAX_SUBSCRIPTIONS, DOMAIN, MAX_NAME_LENGTH
from .errors import OpenEyeValidationError
from .gallery_records import base64_text
from .hub import OpenEyeHub
from .services import loaded_hub
from .signals import SIGNAL_PUSH, Push

EVENT_TYPES: Final = (
    "statistics_update",
    "camera_event",
    "alert",
    "camera_figures",
    "past_named",
)
# What a subscription without event_types gets: diagnostic figures (a push per
# camera every few seconds) only go to clients that ask for them.
DEFAULT_EVENT_TYPES: Final = ("statistics_update", "camera_event", "alert", "past_named")
# At most one statistics_update per subscriber in this many seconds.
STATISTICS_INTERVAL: Final = 0.25
# Every request is bounded, so that no user, admin or not, can make Home
# Assistant do work or keep memory in proportion to what they send. A camera
# filter may name at most this many cameras, and never more than there are.
MAX_CAMERA_FILTER: Final = 100
# The connections list names at most this many subscriptions (the totals count all).
MAX_LISTED_SUBSCRIPTIONS: Final = 100
# Base64 of the largest accepted image (10 MB decoded) is 4/3 as long. Home
# Assistant's websocket refuses messages over 4 MiB before they get here, so
# in practice an uploaded photo is at most about 3 MB (tests/test_bad_input.py).
MAX_IMAGE_BASE64: Final = 14 * 1024 * 1024

DATA_SUBSCRIPTIONS: HassKey[SubscriptionRegistry] = HassKey(f"{DOMAIN}_subscriptions")

type Handler = Callable[
    [HomeAssistant, ActiveConnection, dict[str, Any]], Coroutine[Any, Any, None]
]


@dataclass(slots=True)
class Subscription:
    """One live OpenEye subscription of one websocket connection.

    It filters the hub's pushes by type and camera and coalesces statistics
    to at most one message per :data:`STATISTICS_INTERVAL`, always with the
    figures as they are when the message leaves.
    """

    hass: HomeAssistant = field(repr=False)
    subscription_id: str
    user_id: str
    user_name: str | None
    since: datetime
    event_types: frozenset[str]
    camera_ids: frozenset[str] | None
    send: Callable[[dict[str, Any]], None] = field(repr=False)
    last_statistics: float = 0.0
    pending: CALLBACK_TYPE | None = field(default=None, repr=False)
    unsubscribe_push: CALLBACK_TYPE | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """Return the subscription as listed by ``openeye/connections``."""
        return {
            "connection_id": self.subscription_id,
            "user_id": self.user_id,
            "user_name": self.user_name,
            "since": self.since.isoformat(),
            "event_types": sorted(self.event_types),
            "camera_ids": sorted(self.camera_ids) if self.camera_ids is not None else None,
        }

    @callback
    def start(self) -> None:
        """Greet the client and start listening to the hub's pushes."""
        self.send(
            {
                "type": "connection_status",
                "status": "connected",
                "connection_id": self.subscription_id,
            }
        )
        if "statistics_update" in self.event_types:
            self.send_statistics(None)
        self.unsubscribe_push = async_dispatcher_connect(self.hass, SIGNAL_PUSH, self.on_push)

    @callback
    def stop(self) -> None:
        """Stop listening and drop a statistics message still waiting."""
        if self.pending is not None:
            self.pending()
            self.pending = None
        if self.unsubscribe_push is not None:
            self.unsubscribe_push()
            self.unsubscribe_push = None

    @callback
    def send_statistics(self, _now: object) -> None:
        """Send the statistics as they are now."""
        self.pending = None
        self.last_statistics = time.monotonic()
        try:
            # The entry may have been reloaded since the subscription began.
            hub = loaded_hub(self.hass)
        except HomeAssistantError:
            return
        self.send(
            {
                "type": "statistics_update",
                "statistics": statistics_payload(self.hass, hub, self.camera_ids),
            }
        )

    @callback
    def on_push(self, push: Push) -> None:
        """Forward one push from the announcer if this subscription wants it."""
        kind = push.kind
        if kind not in self.event_types:
            return
        if kind == "statistics_update":
            if self.pending is not None:
                return
            wait = self.last_statistics + STATISTICS_INTERVAL - time.monotonic()
            if wait <= 0:
                self.send_statistics(None)
            else:
                self.pending = async_call_later(self.hass, wait, self.send_statistics)
            return
        if push.message is not None and (
            self.camera_ids is None or push.camera_id is None or push.camera_id in self.camera_ids
        ):
            self.send({"type": kind, **push.message})


class SubscriptionRegistry:
    """Every OpenEye subscription in this Home Assistant, for limits and the connections list."""

    def __init__(self) -> None:
        """Start with no subscription."""
        self.subscriptions: dict[str, Subscription] = {}

    def count_for(self, user_id: str) -> int:
        """Return how many subscriptions a user holds now."""
        return sum(1 for sub in self.subscriptions.values() if sub.user_id == user_id)

    def watching(self) -> dict[str, int]:
        """Return how many subscriptions and distinct users there are now."""
        return {
            "subscriptions": len(self.subscriptions),
            "users": len({sub.user_id for sub in self.subscriptions.values()}),
        }


# Websocket payloads are JSON from programs: a number where text belongs is a
# malformed request, not something to coerce.
NAME = vol.All(str, vol.Length(max=MAX_NAME_LENGTH * 4))
ID = vol.All(str, vol.Length(min=1, max=64))


def _registry(hass: HomeAssistant) -> SubscriptionRegistry:
    """Return the registry, created with the commands."""
    return hass.data[DATA_SUBSCRIPTIONS]


def statistics_payload(
    hass: HomeAssistant, hub: OpenEyeHub, camera_ids: frozenset[str] | None
) -> dict[str, Any]:
    """Return the statistics message body, with who is watching now."""
    return {
        **hub.statistics_snapshot(set(camera_ids) if camera_ids is not None else None),
        "watching": _registry(hass).watching(),
    }


def _with_hub(handler: Callable[..., Coroutine[Any, Any, None]]) -> Handler:
    """Run a command with the loaded hub, turning OpenEye's errors into websocket errors.

    Validation errors keep their translation and get a stable code; any other
    Home Assistant error becomes ``home_assistant_error``. Nothing escapes as
    an unhandled exception.
    """

    @functools.wraps(handler)
    async def _run(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
        try:
            try:
                hub = loaded_hub(hass)
            except HomeAssistantError as err:
                raise OpenEyeValidationError("not_loaded") from err
            await handler(hass, connection, msg, hub)
        except OpenEyeValidationError as err:
            connection.send_error(
                msg["id"],
                err.code,
                str(err) or err.key,
                translation_key=err.translation_key,
                translation_domain=err.translation_domain,
                translation_placeholders=err.translation_placeholders,
            )

    return _run


# Statistics and subscriptions ----------------------------------------------


@websocket_api.websocket_command({vol.Required("type"): "openeye/statistics"})
@websocket_api.async_response
@_with_hub
async def ws_statistics(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any], hub: OpenEyeHub
) -> None:
    """Return the current statistics."""
    connection.send_result(msg["id"], statistics_payload(hass, hub, None))


@websocket_api.websocket_command(
    {
        vol.Required("type"): "openeye/subscribe",
        # Lengths are checked before the items, so a huge list costs one comparison.
        vol.Optional("event_types"): vol.All(
            cv.ensure_list, vol.Length(min=1, max=len(EVENT_TYPES)), [vol.In(EVENT_TYPES)]
        ),
        vol.Optional("camera_ids"): vol.All(
            cv.ensure_list, vol.Length(max=MAX_CAMERA_FILTER), [ID]
        ),
    }
)
@websocket_api.async_response
@_with_hub
async def ws_subscribe(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any], hub: OpenEyeHub
) -> None:
    """Push statistics, camera events and alerts to this connection until it unsubscribes."""
    registry = _registry(hass)
    user = connection.user
    camera_ids = frozenset(msg["camera_ids"]) if "camera_ids" in msg else None
    if camera_ids is not None and len(camera_ids) > max(len(hub.cameras), 1):
        raise OpenEyeValidationError(
            "camera_filter_too_long",
            {"named": str(len(camera_ids)), "cameras": str(len(hub.cameras))},
        )
    limit = int(hub.option(CONF_MAX_SUBSCRIPTIONS))
    if registry.count_for(user.id) >= limit:
        raise OpenEyeValidationError("too_many_subscriptions", {"limit": str(limit)})
    msg_id = msg["id"]
    subscription = Subscription(
        hass=hass,
        subscription_id=uuid.uuid4().hex,
        user_id=user.id,
        user_name=user.name,
        since=dt_util.utcnow(),
        event_types=frozenset(msg.get("event_types", DEFAULT_EVENT_TYPES)),
        camera_ids=camera_ids,
        send=lambda event: connection.send_message(websocket_api.event_message(msg_id, event)),
    )

    @callback
    def _unsubscribe() -> None:
        subscription.stop()
        registry.subscriptions.pop(subscription.subscription_id, None)
        _notify_watchers(hass)

    registry.subscriptions[subscription.subscription_id] = subscription
    connection.subscriptions[msg_id] = _unsubscribe
    connection.send_result(msg_id)
    subscription.start()
    _notify_watchers(hass)


def _notify_watchers(hass: HomeAssistant) -> None:
    """Tell subscribers that the number of watchers changed (it is in their statistics)."""
    async_dispatcher_send(hass, SIGNAL_PUSH, Push("statistics_update"))


@websocket_api.websocket_command({vol.Required("type"): "openeye/connections"})
@websocket_api.require_admin
@websocket_api.async_response
@_with_hub
async def ws_connections(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any], hub: OpenEyeHub
) -> None:
    """List the live OpenEye subscriptions: who watches, since when, what."""
    registry = _registry(hass)
    per_user: dict[str, int] = {}
    for sub in registry.subscriptions.values():
        per_user[sub.user_id] = per_user.get(sub.user_id, 0) + 1
    listed = list(registry.subscriptions.values())[:MAX_LISTED_SUBSCRIPTIONS]
    connection.send_result(
        msg["id"],
        {
            "subscriptions": [sub.as_dict() for sub in listed],
            "total": len(registry.subscriptions),
            "users": len(per_user),
            "per_user": per_user,
        },
    )


# Gallery ----------------------------------------------------------------


@websocket_api.websocket_command({vol.Required("type"): "openeye/people/list"})
@websocket_api.async_response
@_with_hub
async def ws_people_list(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any], hub: OpenEyeHub
) -> None:
    """List the taught people, without their encodings."""
    connection.send_result(
        msg["id"],
        {
            "people": [
                {
                    "person_id": person.person_id,
                    "name": person.name,
                    "person_entity_id": person.person_entity_id,
                    "encodings": len(person.encodings),
                    "created": person.created.isoformat(),
                    "last_seen": person.last_seen.isoformat() if person.last_seen else None,
                    "thumbnail": base64_text(person.thumbnail),
                }
                for person in hub.gallery.people.values()
            ]
        },
    )


def _decode_image(text: str) -> bytes:
    """Decode a base64 image (a data URL prefix is accepted), or refuse it."""
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as err:
        raise OpenEyeValidationError("not_an_image", {"detail": "invalid base64"}) from err


@websocket_api.websocket_command(
    {
        vol.Required("type"): "openeye/people/enroll",
        vol.Exclusive("name", "person"): NAME,
        vol.Exclusive("person_id", "person"): ID,
        vol.Exclusive("image", "source"): vol.All(str, vol.Length(max=MAX_IMAGE_BASE64)),
        vol.Exclusive(CONF_CAMERA_ENTITY_ID, "source"): cv.entity_domain("camera"),
    }
)
@websocket_api.require_admin
@websocket_api.async_response
@_with_hub
async def ws_people_enroll(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any], hub: OpenEyeHub
) -> None:
    """Teach a face from an uploaded image or a camera snapshot."""
    if "name" in msg:
        # A new person's name is checked before any image work: a refusal costs nothing.
        hub.gallery.new_name(msg["name"])
    if "image" in msg:
        data = _decode_image(msg["image"])
    elif CONF_CAMERA_ENTITY_ID in msg:
        data = await gallery_actions.async_image_from_camera(hass, msg[CONF_CAMERA_ENTITY_ID])
    else:
        raise OpenEyeValidationError("image_or_camera_required")
    if "name" not in msg and "person_id" not in msg:
        raise OpenEyeValidationError("name_or_person_required")
    result = await gallery_actions.async_enroll(
        hub, data=data, name=msg.get("name"), person_id=msg.get("person_id")
    )
    connection.send_result(msg["id"], result.as_dict())


@websocket_api.websocket_command(
    {
        vol.Required("type"): "openeye/people/rename",
        vol.Required("person_id"): ID,
        vol.Required("name"): NAME,
    }
)
@websocket_api.require_admin
@websocket_api.async_response
@_with_hub
async def ws_people_rename(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any], hub: OpenEyeHub
) -> None:
    """Rename a person."""
    person = await gallery_actions.async_rename(hub, msg["person_id"], msg["name"])
    connection.send_result(msg["id"], {"person_id": person.person_id, "name": person.name})


@websocket_api.websocket_command(
    {vol.Required("type"): "openeye/people/delete", vol.Required("person_id"): ID}
)
@websocket_api.require_admin
@websocket_api.async_response
@_with_hub
async def ws_people_delete(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any], hub: OpenEyeHub
) -> None:
    """Remove a person, their encodings and their device."""
    person = await gallery_actions.async_remove(hub, msg["person_id"])
    connection.send_result(msg["id"], {"person_id": person.person_id})


@websocket_api.websocket_command({vol.Required("type"): "openeye/unknown/list"})
@websocket_api.require_admin
@websocket_api.async_response
@_with_hub
async def ws_unknown_list(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any], hub: OpenEyeHub
) -> None:
    """List the stored unknown faces, newest first, without their encodings."""
    records = sorted(hub.gallery.unknown.values(), key=lambda r: r.timestamp, reverse=True)
    connection.send_result(
        msg["id"],
        {
            "unknown_faces": [
                {
                    "unknown_id": record.unknown_id,
                    "camera_id": record.camera_id,
                    "camera_name": record.camera_name,
                    "timestamp": record.timestamp.isoformat(),
                    "thumbnail": base64_text(record.crop),
                    "stranger_id": record.stranger_id,
                    "stranger_label": hub.gallery.strangers[record.stranger_id].label,
                }
                for record in records
            ]
        },
    )


@websocket_api.websocket_command(
    {
        vol.Required("type"): "openeye/unknown/assign",
        vol.Required("unknown_id"): ID,
        vol.Exclusive("name", "person"): NAME,
        vol.Exclusive("person_id", "person"): ID,
    }
)
@websocket_api.require_admin
@websocket_api.async_response
@_with_hub
async def ws_unknown_assign(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any], hub: OpenEyeHub
) -> None:
    """Give an unknown face a name: a new person, or a photo more for someone known."""
    if "name" not in msg and "person_id" not in msg:
        raise OpenEyeValidationError("name_or_person_required")
    result = await gallery_actions.async_enroll(
        hub, unknown_id=msg["unknown_id"], name=msg.get("name"), person_id=msg.get("person_id")
    )
    connection.send_result(msg["id"], result.as_dict())


# Recurring strangers ------------------------------------------------------


@websocket_api.websocket_command({vol.Required("type"): "openeye/strangers/list"})
@websocket_api.async_response
@_with_hub
async def ws_strangers_list(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any], hub: OpenEyeHub
) -> None:
    """List the recurring strangers, newest first; anyone may look, only admins may act."""
    connection.send_result(msg["id"], {"strangers": strangers.listed(hub)})


@websocket_api.websocket_command(
    {
        vol.Required("type"): "openeye/strangers/assign",
        vol.Required("stranger_id"): ID,
        vol.Exclusive("name", "person"): NAME,
        vol.Exclusive("person_id", "person"): ID,
    }
)
@websocket_api.require_admin
@websocket_api.async_response
@_with_hub
async def ws_strangers_assign(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any], hub: OpenEyeHub
) -> None:
    """Teach a stranger's best faces to a new or known person and name the past."""
    result = await strangers.async_assign(
        hub, msg["stranger_id"], name=msg.get("name"), person_id=msg.get("person_id")
    )
    connection.send_result(msg["id"], result)


@websocket_api.websocket_command(
    {vol.Required("type"): "openeye/strangers/delete", vol.Required("stranger_id"): ID}
)
@websocket_api.require_admin
@websocket_api.async_response
@_with_hub
async def ws_strangers_delete(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any], hub: OpenEyeHub
) -> None:
    """Forget a stranger and its faces."""
    stranger = await strangers.async_delete(hub, msg["stranger_id"])
    connection.send_result(msg["id"], {"stranger_id": stranger.stranger_id})


# Not this person ----------------------------------------------------------


@websocket_api.websocket_command(
    {vol.Required("type"): "openeye/recognitions/correct", vol.Required("recognition_id"): ID}
)
@websocket_api.require_admin
@websocket_api.async_response
@_with_hub
async def ws_recognitions_correct(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any], hub: OpenEyeHub
) -> None:
    """Say a recognition was not that person: a counter-example, the visit withdrawn."""
    result = await corrections.async_not_this_person(hub, msg["recognition_id"])
    connection.send_result(msg["id"], result)


COMMANDS = (
    ws_statistics,
    ws_subscribe,
    ws_connections,
    ws_people_list,
    ws_people_enroll,
    ws_people_rename,
    ws_people_delete,
    ws_unknown_list,
    ws_unknown_assign,
    ws_strangers_list,
    ws_strangers_assign,
    ws_strangers_delete,
    ws_recognitions_correct,
)


@callback
def async_register_commands(hass: HomeAssistant) -> None:
    """Register OpenEye's websocket commands and the subscription registry."""
    hass.data[DATA_SUBSCRIPTIONS] = SubscriptionRegistry()
    for command in COMMANDS:
        websocket_api.async_register_command(hass, command)
