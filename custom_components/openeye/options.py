"""OpenEye's options: their bounds, and the one check every stored or typed value passes.

The form's number boxes enforce their bounds in the browser only; a value can
still arrive out of range or as "NaN" through the API, and a stored one can
come from an older version or an edit by hand (Home Assistant stores NaN as
null). Every value is therefore checked here, in the options flow and again
whenever options are read: a finite number within its bounds, whole where the
option counts something. An invalid stored value falls back to its default
(the hub raises a repair issue that says which), so setup never fails on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import math

from .const import (
    CONF_DETECTION_RATE,
    CONF_DETECTION_SCALE,
    CONF_MAX_SUBSCRIPTIONS,
    CONF_MIN_FACE_SIZE,
    CONF_MOTION_SENSITIVITY,
    CONF_PRESENCE_TIMEOUT,
    CONF_TOLERANCE,
    CONF_UNKNOWN_RETENTION_COUNT,
    CONF_UNKNOWN_RETENTION_DAYS,
    OPTION_DEFAULTS,
)

type OptionValue = float | int


@dataclass(frozen=True, slots=True)
class OptionBounds:
    """What values an option accepts, and how its box in the form looks."""

    minimum: float
    maximum: float
    step: float
    unit: str | None = None
    # Whole-number options are stored as int, so that the pipeline and the
    # entities never see "5.0 subscriptions".
    integer: bool = False


# Bounds come from what the pipeline can honour: a tolerance above 1.0 would
# match strangers, and more than 15 detections a second only burns CPU.
OPTION_BOUNDS: dict[str, OptionBounds] = {
    CONF_TOLERANCE: OptionBounds(0.3, 1.0, 0.01),
    CONF_DETECTION_RATE: OptionBounds(0.5, 15, 0.5, "/s"),
    CONF_DETECTION_SCALE: OptionBounds(0.25, 2.0, 0.05),
    CONF_MIN_FACE_SIZE: OptionBounds(20, 1000, 1, "px", integer=True),
    CONF_MOTION_SENSITIVITY: OptionBounds(0, 100, 1, "%", integer=True),
    CONF_PRESENCE_TIMEOUT: OptionBounds(10, 86400, 1, "s", integer=True),
    CONF_UNKNOWN_RETENTION_DAYS: OptionBounds(1, 365, 1, "d", integer=True),
    CONF_UNKNOWN_RETENTION_COUNT: OptionBounds(1, 1000, 1, integer=True),
    CONF_MAX_SUBSCRIPTIONS: OptionBounds(1, 50, 1, integer=True),
}


class InvalidOptionError(ValueError):
    """A value an option does not accept; ``reason`` is the form's error key."""

    def __init__(self, key: str, reason: str) -> None:
        """Name the option and why its value is refused."""
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


def check_option(key: str, value: object) -> OptionValue:
    """Return ``value`` as the option's type, or raise :class:`InvalidOptionError`.

    Reasons: ``not_a_number`` (text, null, NaN or infinity), ``out_of_range``
    and ``not_whole`` (a fraction where the option counts something).
    """
    bounds = OPTION_BOUNDS[key]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidOptionError(key, "not_a_number")
    try:
        number = float(value)
    except ValueError as err:
        raise InvalidOptionError(key, "not_a_number") from err
    if not math.isfinite(number):
        raise InvalidOptionError(key, "not_a_number")
    if not bounds.minimum <= number <= bounds.maximum:
        raise InvalidOptionError(key, "out_of_range")
    if bounds.integer:
        if not number.is_integer():
            raise InvalidOptionError(key, "not_whole")
        return int(number)
    return number


def checked_options(stored: Mapping[str, object]) -> tuple[dict[str, OptionValue], list[str]]:
    """Return every option's value (its default where missing or invalid), and the invalid keys."""
    values: dict[str, OptionValue] = {}
    invalid: list[str] = []
    for key, default in OPTION_DEFAULTS.items():
        if key not in stored:
            values[key] = default
            continue
        try:
            values[key] = check_option(key, stored[key])
        except InvalidOptionError:
            values[key] = default
            invalid.append(key)
    return values, invalid
