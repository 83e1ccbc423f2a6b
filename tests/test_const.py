"""The options' defaults of the integration are the pipeline's own defaults."""

from __future__ import annotations

from custom_components.openeye.const import (
    CONF_DETECTION_RATE,
    CONF_DETECTION_SCALE,
    CONF_MIN_FACE_SIZE,
    CONF_MOTION_SENSITIVITY,
    CONF_TOLERANCE,
    OPTION_DEFAULTS,
)
from custom_components.openeye.pipeline.settings import AnalysisSettings


def test_option_defaults_are_the_pipeline_defaults() -> None:
    """A default changed in the pipeline (the min face size, say) reaches the options."""
    settings = AnalysisSettings()
    assert {
        CONF_TOLERANCE: settings.tolerance,
        CONF_DETECTION_RATE: settings.detection_rate,
        CONF_DETECTION_SCALE: settings.detection_scale,
        CONF_MIN_FACE_SIZE: settings.min_face_size,
        CONF_MOTION_SENSITIVITY: settings.motion_sensitivity,
    } == {
        key: OPTION_DEFAULTS[key]
        for key in (
            CONF_TOLERANCE,
            CONF_DETECTION_RATE,
            CONF_DETECTION_SCALE,
            CONF_MIN_FACE_SIZE,
            CONF_MOTION_SENSITIVITY,
        )
    }
