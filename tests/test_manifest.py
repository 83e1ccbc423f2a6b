"""Tests that OpenEye's manifest, hacs.json, translations, icons and brand images pass review.

The rules are those that Home Assistant's hassfest (its manifest, translation
and icon schemas for custom integrations) and HACS's repository validation
(its hacs.json schema, the manifest keys it needs, a licence) apply, restated
here for OpenEye; the brand image rules are those of Home Assistant's brands
repository, which Home Assistant 2026.3 and later also apply to the ``brand``
folder a custom integration ships.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import re
from string import Formatter
from typing import Any

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
import hass_frontend
import homeassistant
from homeassistant import const as home_assistant_const
from homeassistant.util.yaml import load_yaml
from PIL import Image
import pytest

ROOT = Path(__file__).resolve().parents[1]
INTEGRATION = ROOT / "custom_components/openeye"
MANIFEST = json.loads((INTEGRATION / "manifest.json").read_text())
HACS = json.loads((ROOT / "hacs.json").read_text())
STRINGS = json.loads((INTEGRATION / "translations/en.json").read_text())
ICONS = json.loads((INTEGRATION / "icons.json").read_text())
SERVICES: dict[str, Any] = load_yaml(INTEGRATION / "services.yaml")  # type: ignore[assignment]
# The Home Assistant the tests run against: the oldest OpenEye supports.
COMPONENTS = Path(homeassistant.__file__).parent / "components"

PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][0-9A-Za-z.+-]*$")
# hassfest's slugs: lowercase letters and digits, words joined by single underscores.
SLUG = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
MDI_ICON = re.compile(r"^mdi:[a-z0-9]+(?:-[a-z0-9]+)*$")
HTML_TAG = re.compile(r"<[a-zA-Z/][^>]*>")
URL = re.compile(r"\b(?:https?|ftps?|mqtts?|socks5)://[a-z0-9]|\bwww\.[a-z0-9]", re.IGNORECASE)
QUOTED_PLACEHOLDER = re.compile(r"'\{\w+\}'")

# The keys hassfest's schema accepts in a custom integration's manifest.
MANIFEST_KEYS = {
    "after_dependencies",
    "bluetooth",
    "codeowners",
    "config_flow",
    "dependencies",
    "dhcp",
    "disabled",
    "documentation",
    "domain",
    "homekit",
    "import_executor",
    "integration_type",
    "iot_class",
    "issue_tracker",
    "loggers",
    "mqtt",
    "name",
    "quality_scale",
    "requirements",
    "single_config_entry",
    "ssdp",
    "usb",
    "version",
    "zeroconf",
}
IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
INTEGRATION_TYPES = {"device", "entity", "hardware", "helper", "hub", "service", "system"}
# HACS's hacs.json schema: these keys and no others, name required.
HACS_KEYS: dict[str, type | tuple[type, ...]] = {
    "content_in_root": bool,
    "country": (str, list),
    "filename": str,
    "hacs": str,
    "hide_default_branch": bool,
    "homeassistant": str,
    "persistent_directory": str,
    "render_readme": bool,
    "zip_release": bool,
    "name": str,
}
# The sections hassfest knows in an integration's strings.
STRINGS_SECTIONS = {
    "title",
    "config",
    "config_subentries",
    "options",
    "selector",
    "device_automation",
    "system_health",
    "issues",
    "entity_component",
    "device",
    "entity",
    "exceptions",
    "services",
    "conditions",
    "triggers",
    "preview_features",
    "common",
}
# The images Home Assistant serves from a custom integration's brand folder.
BRAND_IMAGES = {
    "icon.png",
    "icon@2x.png",
    "logo.png",
    "logo@2x.png",
    "dark_icon.png",
    "dark_icon@2x.png",
    "dark_logo.png",
    "dark_logo@2x.png",
}


def _pairs(tree: dict[str, Any], path: str = "") -> Iterator[tuple[str, str, Any]]:
    """Yield the path, key and value of every entry of a nested JSON object."""
    for key, value in tree.items():
        yield path, key, value
        if isinstance(value, dict):
            yield from _pairs(value, f"{path}/{key}")


def _texts(tree: dict[str, Any], path: str = "") -> Iterator[tuple[str, str]]:
    """Yield the path and text of every string in a nested JSON object."""
    for parent, key, value in _pairs(tree, path):
        if isinstance(value, str):
            yield f"{parent}/{key}", value


# Manifest


def test_key_order_is_domain_name_then_alphabetical() -> None:
    """Hassfest wants domain and name first and the rest sorted."""
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_manifest_keys_are_the_ones_hassfest_knows() -> None:
    """An unknown key fails hassfest's schema for custom integrations."""
    assert set(MANIFEST) <= MANIFEST_KEYS, set(MANIFEST) - MANIFEST_KEYS


def test_required_keys_and_values() -> None:
    """Hassfest and HACS need these keys; OpenEye's values are the ones it is built for."""
    # HACS needs codeowners, documentation, domain, issue_tracker, name and
    # version; hassfest also iot_class for anything that talks to devices.
    for key in ("codeowners", "documentation", "domain", "issue_tracker", "name", "version"):
        assert MANIFEST[key], key
    assert MANIFEST["domain"] == INTEGRATION.name == "openeye"
    assert MANIFEST["name"] == "OpenEye"
    assert MANIFEST["config_flow"] is True
    assert (INTEGRATION / "config_flow.py").is_file()
    assert MANIFEST["iot_class"] in IOT_CLASSES
    assert MANIFEST["iot_class"] == "local_push"
    assert MANIFEST["integration_type"] in INTEGRATION_TYPES
    assert MANIFEST["integration_type"] == "hub"
    assert all(re.fullmatch(r"@[\w-]+(?:/[\w-]+)?", owner) for owner in MANIFEST["codeowners"])
    for key in ("documentation", "issue_tracker"):
        assert re.fullmatch(r"https://[^\s/]+\.[^\s/]+/\S*", MANIFEST[key]), key
    assert MANIFEST["issue_tracker"].startswith(MANIFEST["documentation"])


def test_version_is_one_hassfest_and_hacs_read() -> None:
    """Hassfest accepts calendar, semantic, simple, build or PEP 440 versions; HACS compares it."""
    version = AwesomeVersion(
        MANIFEST["version"],
        ensure_strategy=[
            AwesomeVersionStrategy.CALVER,
            AwesomeVersionStrategy.SEMVER,
            AwesomeVersionStrategy.SIMPLEVER,
            AwesomeVersionStrategy.BUILDVER,
            AwesomeVersionStrategy.PEP440,
        ],
    )
    assert version.strategy is AwesomeVersionStrategy.SEMVER
    assert version > AwesomeVersion("0.0.0")


def test_single_config_entry() -> None:
    """Home Assistant offers no second OpenEye entry once one exists."""
    assert MANIFEST["single_config_entry"] is True


def test_every_requirement_is_pinned_and_matches_requirements_txt() -> None:
    """Each requirement names one exact version, the same as requirements.txt installs."""
    requirements = MANIFEST["requirements"]
    assert requirements == sorted(requirements, key=str.lower)
    for requirement in requirements:
        assert PINNED.match(requirement), requirement
    listed = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert listed == requirements
    # The engine needs prebuilt dlib wheels, never the source distribution,
    # and nothing that has no wheel for Home Assistant OS (musl), like OpenCV.
    assert any(r.startswith("dlib-bin==") for r in requirements)
    assert not any(
        r.startswith(("dlib==", "face_recognition==", "face-recognition==", "opencv"))
        for r in requirements
    )


def test_no_requirement_is_one_home_assistant_pins() -> None:
    """A second exact pin of a package Home Assistant pins breaks installs when it moves it."""
    constraints = (Path(homeassistant.__file__).parent / "package_constraints.txt").read_text()
    pinned_by_home_assistant = {
        re.split(r"[=<>!~;\s]", line, maxsplit=1)[0].lower().replace("_", "-")
        for line in constraints.splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {"av", "numpy", "pillow"} <= pinned_by_home_assistant
    for requirement in MANIFEST["requirements"]:
        name = requirement.split("==", 1)[0].lower().replace("_", "-")
        assert name not in pinned_by_home_assistant, requirement


@pytest.mark.parametrize("key", ["dependencies", "after_dependencies"])
def test_dependencies_are_home_assistant_integrations(key: str) -> None:
    """Dependencies name integrations of the oldest Home Assistant OpenEye supports, once each."""
    domains = MANIFEST[key]
    assert domains == sorted(set(domains))
    for domain in domains:
        assert (COMPONENTS / domain / "manifest.json").is_file(), domain
    assert not set(MANIFEST["dependencies"]) & set(MANIFEST["after_dependencies"])
    assert MANIFEST["domain"] not in domains


def test_after_dependencies_bring_what_openeye_imports() -> None:
    """The stream integration brings av and numpy: OpenEye names it so that they install."""
    assert {"camera", "stream"} <= set(MANIFEST["after_dependencies"])
    stream = json.loads((COMPONENTS / "stream/manifest.json").read_text())
    assert {requirement.split("==")[0] for requirement in stream["requirements"]} >= {"av", "numpy"}


def test_domain_does_not_collide_with_a_core_integration() -> None:
    """Hassfest warns when a custom integration shadows one of Home Assistant's own."""
    assert not (COMPONENTS / MANIFEST["domain"]).exists()


# HACS


def test_hacs_json_follows_the_hacs_schema() -> None:
    """HACS accepts only its known keys with their types, and needs a name."""
    assert set(HACS) <= set(HACS_KEYS), set(HACS) - set(HACS_KEYS)
    for key, value in HACS.items():
        assert isinstance(value, HACS_KEYS[key]), key
    assert HACS["name"] == MANIFEST["name"]
    assert not (HACS.get("zip_release") and not HACS.get("filename"))


def test_hacs_json_names_the_oldest_supported_home_assistant() -> None:
    """HACS refuses OpenEye on Home Assistant older than 2025.4.0, the one the tests run on."""
    assert HACS["homeassistant"] == "2025.4.0"
    assert AwesomeVersion(HACS["homeassistant"]) <= AwesomeVersion(home_assistant_const.__version__)
    if home_assistant_const.MAJOR_VERSION == 2025:
        # The oldest lane of scripts/test runs exactly the oldest supported release.
        assert home_assistant_const.__version__.startswith("2025.4.")


def test_repository_layout_is_the_one_hacs_installs() -> None:
    """One integration under custom_components, a README to render and an open-source licence."""
    assert HACS.get("content_in_root", False) is False
    integrations = [path.name for path in (ROOT / "custom_components").iterdir() if path.is_dir()]
    assert integrations == [MANIFEST["domain"]]
    assert (ROOT / "README.md").is_file()
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License\n")
    assert "Copyright (c) 2026 The OpenEye authors" in licence
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in licence


# Translations


def test_translation_sections_are_the_ones_hassfest_knows() -> None:
    """Unknown top-level sections fail hassfest's strings schema."""
    assert set(STRINGS) <= STRINGS_SECTIONS, set(STRINGS) - STRINGS_SECTIONS


def test_translation_keys_are_slugs() -> None:
    """Every key is a slug: lowercase letters, digits and single underscores."""
    bad = [f"{path}/{key}" for path, key, _ in _pairs(STRINGS) if not SLUG.match(key)]
    assert not bad


def test_translation_texts_are_plain() -> None:
    """Texts have no HTML, URLs, outer spaces or quoted placeholders, as hassfest requires."""
    for path, text in _texts(STRINGS):
        assert text, path
        assert text == text.strip(), path
        assert not HTML_TAG.search(text), path
        assert not URL.search(text), path
        assert not QUOTED_PLACEHOLDER.search(text), path
        for _, field, _, _ in Formatter().parse(text):
            assert field is None or field.isidentifier(), path


def test_entity_states_have_no_placeholders() -> None:
    """Hassfest forbids placeholders in entity state names."""
    for path, text in _texts(STRINGS["entity"], "entity"):
        if "/state/" in f"{path}/":
            assert "{" not in text, path


def test_flow_steps_describe_only_their_fields() -> None:
    """Each data_description key is a field of its step; subentries say what they add."""
    flows = [STRINGS["config"], STRINGS["options"], *STRINGS["config_subentries"].values()]
    for flow in flows:
        for step in flow["step"].values():
            assert set(step.get("data_description", {})) <= set(step.get("data", {}))
    for subentry in STRINGS["config_subentries"].values():
        assert subentry["entry_type"]
        assert subentry["initiate_flow"]["user"]


def test_translations_cover_the_config_flow_errors() -> None:
    """Every error and abort the flow can show has an English text."""
    assert "engine_unavailable" in STRINGS["config"]["error"]
    assert "single_instance_allowed" in STRINGS["config"]["abort"]


def test_every_action_has_texts_and_an_icon() -> None:
    """Each action in services.yaml is named and described, with each field, and has an icon."""
    assert set(STRINGS["services"]) == set(SERVICES) == set(ICONS["services"])
    for service, definition in SERVICES.items():
        texts = STRINGS["services"][service]
        assert texts["name"]
        assert texts["description"]
        fields = (definition or {}).get("fields", {})
        assert set(texts.get("fields", {})) == set(fields), service
        for field in texts.get("fields", {}).values():
            assert field["name"]
            assert field["description"]


# Icons


def test_icons_are_material_design_icons_that_exist() -> None:
    """Every icon is an mdi: icon that Home Assistant's frontend ships."""
    shipped = {
        icon["name"]
        for icon in json.loads(
            (Path(hass_frontend.__file__).parent / "static/mdi/iconList.json").read_text()
        )
    }
    icons = list(_texts(ICONS))
    assert len(icons) > 10
    for path, icon in icons:
        assert MDI_ICON.match(icon), path
        assert icon.removeprefix("mdi:") in shipped, (path, icon)


def test_icon_keys_are_slugs_and_match_the_translations() -> None:
    """Icons are keyed like the translations, and exist for translated entities only."""
    assert set(ICONS) <= {"entity", "services"}
    assert all(SLUG.match(key) for _, key, _ in _pairs(ICONS))
    for platform, entities in ICONS["entity"].items():
        assert set(entities) <= set(STRINGS["entity"][platform]), platform


# Brand images


def _image(name: str) -> Image.Image:
    """Open one image of the brand folder."""
    image = Image.open(INTEGRATION / "brand" / name)
    image.load()
    return image


def test_brand_folder_holds_only_images_home_assistant_serves() -> None:
    """Home Assistant 2026.3 and later serve these names from an integration's brand folder."""
    names = {path.name for path in (INTEGRATION / "brand").iterdir()}
    assert names <= BRAND_IMAGES, names - BRAND_IMAGES
    # The icon reads on dark themes as it is; the logo's lettering has a light version.
    assert names == BRAND_IMAGES - {"dark_icon.png", "dark_icon@2x.png"}


@pytest.mark.parametrize(("name", "size"), [("icon.png", 256), ("icon@2x.png", 512)])
def test_icons_are_square_at_their_size(name: str, size: int) -> None:
    """Icons are 256 by 256 pixels, and 512 by 512 for high-density screens."""
    image = _image(name)
    assert image.format == "PNG"
    assert image.size == (size, size)


@pytest.mark.parametrize(
    ("name", "shortest"),
    [
        ("logo.png", (128, 256)),
        ("logo@2x.png", (256, 512)),
        ("dark_logo.png", (128, 256)),
        ("dark_logo@2x.png", (256, 512)),
    ],
)
def test_logos_are_landscape_within_the_size_rules(name: str, shortest: tuple[int, int]) -> None:
    """A logo's shortest side is 128 to 256 pixels (256 to 512 for high density)."""
    image = _image(name)
    assert image.format == "PNG"
    width, height = image.size
    assert width > height
    assert shortest[0] <= height <= shortest[1]


def test_high_density_and_dark_images_match_the_others() -> None:
    """The @2x images are the same drawing at twice the size; dark logos match the light ones."""
    for name in ("icon", "logo", "dark_logo"):
        normal, double = _image(f"{name}.png"), _image(f"{name}@2x.png")
        assert double.size == (normal.width * 2, normal.height * 2), name
    assert _image("dark_logo.png").size == _image("logo.png").size


@pytest.mark.parametrize("name", sorted(BRAND_IMAGES - {"dark_icon.png", "dark_icon@2x.png"}))
def test_brand_images_are_transparent_and_trimmed(name: str) -> None:
    """Images are RGB with transparency, and trimmed: the drawing reaches the edges."""
    image = _image(name)
    assert image.mode == "RGBA"
    alpha = image.getchannel("A")
    assert alpha.getpixel((0, 0)) == 0
    assert alpha.getextrema() == (0, 255)
    left, top, right, bottom = alpha.getbbox() or (0, 0, 0, 0)
    # A square icon of a wide drawing touches the sides, a logo all four edges.
    assert (left, right) == (0, image.width) or (top, bottom) == (0, image.height)
    if "logo" in name:
        assert (left, top, right, bottom) == (0, 0, image.width, image.height)


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
