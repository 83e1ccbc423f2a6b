"""Constants shared by OpenEye's Home Assistant modules."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "openeye"
DEFAULT_NAME: Final = "OpenEye"

# Options of the OpenEye entry, with their defaults. The pipeline's own
# settings carry the same defaults; a test keeps the two in step.
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
DEFAULT_MIN_FACE_SIZE: Final = 60
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
