"""End-to-end checks against a real Home Assistant process, run by scripts/e2e."""
