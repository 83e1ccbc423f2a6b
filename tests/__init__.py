"""Tests for OpenEye."""
