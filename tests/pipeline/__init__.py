"""Tests for OpenEye's pipeline, which never imports Home Assistant."""
