"""OpenEye's dispatcher signals, typed: how news reaches entities and websocket subscribers.

The announcer (announcer.py) sends the news; the hub announces added cameras
and people, the remote worker registry (remote_workers.py) remote workers'
statuses, and the websocket API a change of who is watching (which is in
the statistics). Entities, the event platform and the websocket
subscriptions listen. Listeners import this module, never the parts that
send, so that nothing that listens depends on the hub.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from homeassistant.util.signal_type import SignalType

from .const import DOMAIN

# A camera (its config subentry id) was added: the platforms add its entities.
SIGNAL_CAMERA_ADDED: Final = SignalType[str](f"{DOMAIN}_camera_added")
# A person (their id) was taught: the platforms add their entities.
SIGNAL_PERSON_ADDED: Final = SignalType[str](f"{DOMAIN}_person_added")
# The OpenEye device's figures changed (people taught, the day's counts).
SIGNAL_HUB_UPDATED: Final = SignalType[()](f"{DOMAIN}_hub_updated")
# A remote worker (its name) was seen for the first time: the platforms add its entities.
SIGNAL_REMOTE_WORKER_ADDED: Final = SignalType[str](f"{DOMAIN}_remote_worker_added")


# Signals of one camera or one person are functions rather than Home
# Assistant's SignalTypeFormat, whose format() returns a plain str: the
# listeners' arguments would no longer be checked.


def signal_camera_updated(camera_id: str) -> SignalType[()]:
    """Return the signal sent when one camera's state changed."""
    return SignalType(f"{DOMAIN}_camera_updated_{camera_id}")


def signal_person_updated(person_id: str) -> SignalType[()]:
    """Return the signal sent when one person's sightings changed."""
    return SignalType(f"{DOMAIN}_person_updated_{person_id}")


def signal_remote_worker_updated(name: str) -> SignalType[()]:
    """Return the signal sent when one remote worker's status changed."""
    return SignalType(f"{DOMAIN}_remote_worker_updated_{name}")


def signal_camera_event(camera_id: str) -> SignalType[str, dict[str, Any]]:
    """Return the signal that hands one camera's event entity an event type and its attributes."""
    return SignalType(f"{DOMAIN}_camera_event_{camera_id}")


type PushKind = Literal[
    "statistics_update", "camera_event", "alert", "camera_figures", "past_named"
]


@dataclass(frozen=True, slots=True)
class Push:
    """One message for websocket subscribers, before each subscription's filters.

    ``message`` is the event as subscribers receive it; ``statistics_update``
    has none, because each subscription builds its own when its coalescing
    wait ends (with only the cameras it asked for). A push without
    ``camera_id`` (gallery news) goes to every subscription that wants its kind.
    """

    kind: PushKind
    camera_id: str | None = None
    message: Mapping[str, Any] | None = None


# Every push, to every subscription. A signal rather than a list of
# subscriptions on the hub, so that subscriptions outlive a reload of the entry.
SIGNAL_PUSH: Final = SignalType[Push](f"{DOMAIN}_push")
