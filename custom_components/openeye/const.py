"""Constants shared by OpenEye's Home Assistant modules."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "openeye"
DEFAULT_NAME: Final = "OpenEye"

# Options of the OpenEye entry, with their defaults. The pipeline's own
# settings carry the same defaults; tests/test_const.py keeps the two in step.
CONF_TOLERANCE: Final = "tolerance"
CONF_DETECTION_RATE: Final = "detection_rate"
CONF_DETECTION_SCALE: Final = "detection_scale"
CONF_MIN_FACE_SIZE: Final = "min_face_size"
CONF_MOTION_SENSITIVITY: Final = "motion_sensitivity"
CONF_PRESENCE_TIMEOUT: Final = "presence_timeout"
CONF_UNKNOWN_RETENTION_DAYS: Final = "unknown_retention_days"
CONF_UNKNOWN_RETENTION_COUNT: Final = "unknown_retention_count"
CONF_MAX_SUBSCRIPTIONS: Final = "max_subscriptions_per_user"

DEFAULT_TOLERANCE: Final = 0.6
DEFAULT_DETECTION_RATE: Final = 5.0
DEFAULT_DETECTION_SCALE: Final = 1.0
DEFAULT_MIN_FACE_SIZE: Final = 40
DEFAULT_MOTION_SENSITIVITY: Final = 50
DEFAULT_PRESENCE_TIMEOUT: Final = 300
DEFAULT_UNKNOWN_RETENTION_DAYS: Final = 7
DEFAULT_UNKNOWN_RETENTION_COUNT: Final = 100
DEFAULT_MAX_SUBSCRIPTIONS: Final = 5

OPTION_DEFAULTS: Final[dict[str, float | int]] = {
    CONF_TOLERANCE: DEFAULT_TOLERANCE,
    CONF_DETECTION_RATE: DEFAULT_DETECTION_RATE,
    CONF_DETECTION_SCALE: DEFAULT_DETECTION_SCALE,
    CONF_MIN_FACE_SIZE: DEFAULT_MIN_FACE_SIZE,
    CONF_MOTION_SENSITIVITY: DEFAULT_MOTION_SENSITIVITY,
    CONF_PRESENCE_TIMEOUT: DEFAULT_PRESENCE_TIMEOUT,
    CONF_UNKNOWN_RETENTION_DAYS: DEFAULT_UNKNOWN_RETENTION_DAYS,
    CONF_UNKNOWN_RETENTION_COUNT: DEFAULT_UNKNOWN_RETENTION_COUNT,
    CONF_MAX_SUBSCRIPTIONS: DEFAULT_MAX_SUBSCRIPTIONS,
}

# Cameras are config subentries of this type.
SUBENTRY_CAMERA: Final = "camera"
CONF_SOURCE_TYPE: Final = "source_type"
CONF_CAMERA_ENTITY_ID: Final = "camera_entity_id"
CONF_URL: Final = "url"
SOURCE_TYPE_ENTITY: Final = "camera_entity"
SOURCE_TYPE_URL: Final = "url"

# Events fired on Home Assistant's bus, for automations.
EVENT_FACE_RECOGNIZED: Final = "openeye_face_recognized"
EVENT_UNKNOWN_FACE: Final = "openeye_unknown_face"
EVENT_MOTION_DETECTED: Final = "openeye_motion_detected"

# Services.
SERVICE_ENROLL_FACE: Final = "enroll_face"
SERVICE_RENAME_PERSON: Final = "rename_person"
SERVICE_REMOVE_PERSON: Final = "remove_person"
SERVICE_SCAN: Final = "scan"
SERVICE_PURGE_UNKNOWN_FACES: Final = "purge_unknown_faces"

# Limits on what users send.
MAX_NAME_LENGTH: Final = 64
MAX_ENROLL_IMAGE_BYTES: Final = 10 * 1024 * 1024
