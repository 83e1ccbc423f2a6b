"""Whether each camera delivers frames, and what OpenEye says when one stops.

A camera's source status comes from its worker (a stream) or its snapshot
feed. When a camera that worked goes, this logs it once, forgets the faces
and motion it showed and pushes a ``camera_down`` alert; when it comes back,
it logs that once. A camera that has not delivered frames for
:data:`CAMERA_FAILED_ISSUE_AFTER` gets a repair issue, withdrawn when it
streams again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
import logging
from typing import Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .announcer import Announcer
from .camera_state import CameraState
from .const import DOMAIN
from .facts import CameraDown
from .pipeline.messages import SourceStatus

_LOGGER = logging.getLogger(__name__)

# A camera that has failed for this long gets a repair issue.
CAMERA_FAILED_ISSUE_AFTER: Final = timedelta(minutes=15)


def camera_issue_id(camera_id: str) -> str:
    """Return the id of a camera's repair issue."""
    return f"camera_failed_{camera_id}"


class CameraHealth:
    """Follows each camera's source status; owns the failure timers and repair issues."""

    def __init__(
        self, hass: HomeAssistant, cameras: Mapping[str, CameraState], announcer: Announcer
    ) -> None:
        """Keep the cameras (owned by the hub) and where to announce."""
        self._hass = hass
        self._cameras = cameras
        self._announcer = announcer
        self._failed_timers: dict[str, CALLBACK_TYPE] = {}

    @callback
    def set_status(
        self,
        camera_id: str,
        status: SourceStatus,
        detail: str | None,
        reason: str | None = None,
    ) -> None:
        """Record a camera's source status; log and alert once when it goes and comes back."""
        camera = self._cameras.get(camera_id)
        if camera is None or (
            camera.status is status
            and camera.status_detail == detail
            and camera.status_reason == reason
        ):
            return
        was_available = camera.available
        camera.status = status
        camera.status_detail = detail
        camera.status_reason = reason
        if was_available and not camera.available:
            _LOGGER.warning("Camera %s is unavailable: %s", camera.name, detail or status.value)
            camera.tracks.clear()
            camera.motion = False
            self._announcer.announce(
                CameraDown(
                    camera=camera.ref, when=dt_util.utcnow(), status=status.value, detail=detail
                )
            )
        elif camera.available and not was_available and camera.failed_since is not None:
            _LOGGER.info("Camera %s is available again", camera.name)
        if status is SourceStatus.STREAMING:
            camera.failed_since = None
            self._cancel_timer(camera_id)
            ir.async_delete_issue(self._hass, DOMAIN, camera_issue_id(camera_id))
        elif camera.failed_since is None and status in (
            SourceStatus.RECONNECTING,
            SourceStatus.FAILED,
        ):
            camera.failed_since = dt_util.utcnow()
            self._failed_timers[camera_id] = async_call_later(
                self._hass,
                CAMERA_FAILED_ISSUE_AFTER,
                callback(lambda _now: self._failed_for_long(camera_id)),
            )
        self._announcer.camera_changed(camera_id)
        self._announcer.statistics_changed()

    @callback
    def restart(self, camera_id: str) -> None:
        """Start a camera's status again, as for a camera whose source changed."""
        if (camera := self._cameras.get(camera_id)) is not None:
            camera.status = SourceStatus.CONNECTING
            camera.status_detail = camera.status_reason = None
            camera.tracks.clear()
            camera.motion = False

    @callback
    def forget(self, camera_id: str) -> None:
        """Drop a removed camera's timer and repair issue."""
        self._cancel_timer(camera_id)
        ir.async_delete_issue(self._hass, DOMAIN, camera_issue_id(camera_id))

    @callback
    def stop(self) -> None:
        """Cancel every timer; the repair issues stay for the next start to judge."""
        for cancel in self._failed_timers.values():
            cancel()
        self._failed_timers.clear()

    def _cancel_timer(self, camera_id: str) -> None:
        """Cancel a camera's repair timer, if it runs."""
        if cancel := self._failed_timers.pop(camera_id, None):
            cancel()

    def _failed_for_long(self, camera_id: str) -> None:
        """Raise a repair issue for a camera that has not delivered frames for long."""
        self._failed_timers.pop(camera_id, None)
        if (camera := self._cameras.get(camera_id)) is None or camera.available:
            return
        # A refused password will not come right by itself: the issue says
        # so, and what to do, instead of the general "check the camera".
        unauthorized = camera.status_reason == "unauthorized"
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            camera_issue_id(camera_id),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="camera_unauthorized" if unauthorized else "camera_failed",
            translation_placeholders={
                "camera": camera.name,
                "detail": camera.status_detail or camera.status.value,
                "minutes": str(int(CAMERA_FAILED_ISSUE_AFTER.total_seconds() // 60)),
            },
        )
