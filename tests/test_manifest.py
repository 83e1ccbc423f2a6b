"""Tests that manifest.json and hacs.json are what hassfest and HACS accept."""

from __future__ import annotations

import json
from pathlib import Path
import re

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = json.loads((ROOT / "custom_components/openeye/manifest.json").read_text())
PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][0-9A-Za-z.+-]*$")


def test_key_order_is_domain_name_then_alphabetical() -> None:
    """Hassfest wants domain and name first and the rest sorted."""
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_required_keys() -> None:
    """A custom integration needs these keys, with these values for OpenEye."""
    for key in (
        "version",
        "codeowners",
        "config_flow",
        "dependencies",
        "documentation",
        "issue_tracker",
        "integration_type",
        "iot_class",
        "requirements",
    ):
        assert key in MANIFEST, key
    assert MANIFEST["domain"] == "openeye"
    assert MANIFEST["config_flow"] is True
    assert MANIFEST["iot_class"] == "local_push"
    assert re.fullmatch(r"\d+\.\d+\.\d+", MANIFEST["version"])
    assert MANIFEST["documentation"].startswith("https://")
    assert MANIFEST["issue_tracker"].startswith(MANIFEST["documentation"])


def test_every_requirement_is_pinned_and_matches_requirements_txt() -> None:
    """Each requirement names one exact version, the same as requirements.txt installs."""
    for requirement in MANIFEST["requirements"]:
        assert PINNED.match(requirement), requirement
    listed = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert listed == MANIFEST["requirements"]
    # The engine needs prebuilt dlib wheels, never the source distribution.
    assert any(r.startswith("dlib-bin==") for r in MANIFEST["requirements"])
    assert not any(
        r.startswith(("dlib==", "face_recognition==", "face-recognition=="))
        for r in MANIFEST["requirements"]
    )


def test_newest_lane_installs_what_manifest_json_pins() -> None:
    """The newest lane of scripts/test installs OpenEye's requirements as manifest.json pins them.

    requirements_test_newest.txt includes no other requirements file, so that
    no second pin of what Home Assistant 2026.x pins itself (av, numpy,
    Pillow) can come in; its copy of OpenEye's requirements follows by hand.
    """
    lines = (ROOT / "requirements_test_newest.txt").read_text().splitlines()
    listed = {line.split("#", 1)[0].strip() for line in lines} - {""}
    assert set(MANIFEST["requirements"]) <= listed
    assert not [line for line in listed if line.startswith(("-r", "--requirement", "-c"))]


def test_hacs_json() -> None:
    """HACS reads the name and the oldest Home Assistant that OpenEye supports."""
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"] == "OpenEye"
    assert hacs["homeassistant"] == "2025.4.0"
    assert set(hacs) <= {
        "name",
        "content_in_root",
        "homeassistant",
        "render_readme",
        "country",
        "filename",
        "hacs",
        "hide_default_branch",
        "persistent_directory",
        "zip_release",
    }


def test_translations_cover_the_config_flow_errors() -> None:
    """Every error and abort the flow can show has an English text."""
    strings = json.loads((ROOT / "custom_components/openeye/translations/en.json").read_text())
    assert "engine_unavailable" in strings["config"]["error"]
    assert "already_configured" in strings["config"]["abort"]
