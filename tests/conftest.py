"""Fixtures shared by OpenEye's Home Assistant tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load OpenEye from custom_components in every test."""
