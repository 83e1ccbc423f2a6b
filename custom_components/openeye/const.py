"""Constants shared by OpenEye's Home Assistant modules."""

from __future__ import annotations

from typing import Final

from .pipeline.settings import AnalysisSettings

DOMAIN: Final = "openeye"
DEFAULT_NAME: Final = "OpenEye"

# Options of the OpenEye entry.
CONF_TOLERANCE: Final = "tolerance"
CONF_DETECTION_RATE: Final = "detection_rate"
CONF_DETECTION_SCALE: Final = "detection_scale"
CONF_MIN_FACE_SIZE: Final = "min_face_size"
CONF_MOTION_SENSITIVITY: Final = "motion_sensitivity"
CONF_PRESENCE_TIMEOUT: Final = "presence_timeout"
CONF_UNKNOWN_RETENTION_DAYS: Final = "unknown_retention_days"
CONF_UNKNOWN_RETENTION_COUNT: Final = "unknown_retention_count"
CONF_MAX_SUBSCRIPTIONS: Final = "max_subscriptions_per_user"

# Every option's default, defined here once. The analysis options' defaults
# are the pipeline's own (it is what honours them, and it cannot import this
# package, which would bring Home Assistant into the workers).
_ANALYSIS_DEFAULTS: Final = AnalysisSettings()
OPTION_DEFAULTS: Final[dict[str, float | int]] = {
    CONF_TOLERANCE: _ANALYSIS_DEFAULTS.tolerance,
    CONF_DETECTION_RATE: _ANALYSIS_DEFAULTS.detection_rate,
    CONF_DETECTION_SCALE: _ANALYSIS_DEFAULTS.detection_scale,
    CONF_MIN_FACE_SIZE: _ANALYSIS_DEFAULTS.min_face_size,
    CONF_MOTION_SENSITIVITY: _ANALYSIS_DEFAULTS.motion_sensitivity,
    CONF_PRESENCE_TIMEOUT: 300,
    CONF_UNKNOWN_RETENTION_DAYS: 7,
    CONF_UNKNOWN_RETENTION_COUNT: 100,
    CONF_MAX_SUBSCRIPTIONS: 5,
}

# Cameras are config subentries of this type.
SUBENTRY_CAMERA: Final = "camera"
CONF_SOURCE_TYPE: Final = "source_type"
CONF_CAMERA_ENTITY_ID: Final = "camera_entity_id"
CONF_URL: Final = "url"
SOURCE_TYPE_ENTITY: Final = "camera_entity"
SOURCE_TYPE_URL: Final = "url"

# What OpenEye reports as it happens. Each event type has one name everywhere:
# the event on Home Assistant's bus is openeye_<type>, and the event entity's
# type and the websocket push's event_type are <type>.
FACE_RECOGNIZED: Final = "face_recognized"
UNKNOWN_FACE: Final = "unknown_face"
MOTION_DETECTED: Final = "motion_detected"
# Pushed to websocket subscribers only.
FACE_DETECTED: Final = "face_detected"
CAMERA_DOWN: Final = "camera_down"
# On the bus and pushed, not an event entity's: an administrator said a
# recognition was not that person ("not this person").
RECOGNITION_WITHDRAWN: Final = "recognition_withdrawn"
# Earlier unknown faces re-labelled after teaching: on the bus and pushed.
PAST_NAMED: Final = "past_named"


def bus_event(event_type: str) -> str:
    """Return the name of an event type's event on Home Assistant's bus."""
    return f"{DOMAIN}_{event_type}"


# Events fired on Home Assistant's bus, for automations.
EVENT_FACE_RECOGNIZED: Final = bus_event(FACE_RECOGNIZED)
EVENT_UNKNOWN_FACE: Final = bus_event(UNKNOWN_FACE)
EVENT_MOTION_DETECTED: Final = bus_event(MOTION_DETECTED)
EVENT_RECOGNITION_WITHDRAWN: Final = bus_event(RECOGNITION_WITHDRAWN)
EVENT_PAST_NAMED: Final = bus_event(PAST_NAMED)

# Services.
SERVICE_ENROLL_FACE: Final = "enroll_face"
SERVICE_RENAME_PERSON: Final = "rename_person"
SERVICE_REMOVE_PERSON: Final = "remove_person"
SERVICE_SCAN: Final = "scan"
SERVICE_PURGE_UNKNOWN_FACES: Final = "purge_unknown_faces"
SERVICE_NOT_THIS_PERSON: Final = "not_this_person"
SERVICE_ASSIGN_STRANGER: Final = "assign_stranger"
SERVICE_REMOVE_STRANGER: Final = "remove_stranger"
# How many of a stranger's faces an assignment teaches, at most (the best ones).
FACES_TAUGHT_PER_STRANGER: Final = 5

# Limits on what users send.
MAX_NAME_LENGTH: Final = 64
MAX_ENROLL_IMAGE_BYTES: Final = 10 * 1024 * 1024
