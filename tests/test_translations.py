"""Tests that every language OpenEye speaks says all that English says, with the same placeholders.

``translations/en.json`` is the source: a custom integration ships its
translations as they are, with no ``strings.json`` for Home Assistant's build
script to turn into ``en.json``, so there is nothing to generate and nothing to
keep in step but the other languages. Home Assistant falls back to English for
a key a language lacks, so a missing key would show English in the middle of a
German or French form, and a placeholder left out or renamed would show the
placeholder itself, or raise, where the message is formatted.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
from string import Formatter
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations
import pytest

from custom_components.openeye.const import DOMAIN

TRANSLATIONS = Path(__file__).resolve().parents[1] / "custom_components/openeye/translations"
ENGLISH: dict[str, Any] = json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))
# Every language file but English, found in the folder so that a new one is checked too.
LANGUAGES = sorted(path.stem for path in TRANSLATIONS.glob("*.json") if path.stem != "en")


def _strings(tree: dict[str, Any], path: str = "") -> Iterator[tuple[str, str]]:
    """Yield the slash-joined key path and text of every string in a nested JSON object."""
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _strings(value, f"{path}/{key}")
        else:
            yield f"{path}/{key}", value


def _placeholders(text: str) -> list[str]:
    """Return the names of a text's {placeholders}, sorted, as Python's formatting reads them."""
    return sorted(field for _, field, _, _ in Formatter().parse(text) if field is not None)


def _load(language: str) -> dict[str, str]:
    """Return a language's strings by key path."""
    tree = json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))
    return dict(_strings(tree))


def test_german_and_french_are_there() -> None:
    """The languages the issue asked for exist, so that the parity tests below run for them."""
    assert {"de", "fr"} <= set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_exactly_the_english_keys(language: str) -> None:
    """A language has every English key and no other (a key left behind is one nobody reads)."""
    english = dict(_strings(ENGLISH))
    translated = _load(language)
    assert sorted(set(english) - set(translated)) == [], "missing"
    assert sorted(set(translated) - set(english)) == [], "not in English"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_keeps_the_english_placeholders(language: str) -> None:
    """Each translated text names exactly the placeholders its English text names."""
    english = dict(_strings(ENGLISH))
    translated = _load(language)
    different = {
        key: (_placeholders(english[key]), _placeholders(text))
        for key, text in translated.items()
        if key in english and _placeholders(text) != _placeholders(english[key])
    }
    assert different == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_translated_texts_are_plain_and_translated(language: str) -> None:
    """Texts are strings, not empty, without outer spaces, and not English copied over.

    A few texts are the same word in every language (a name such as OpenEye's,
    or "Name" in German); those are listed, so that an untranslated sentence
    still fails.
    """
    same_everywhere = {
        "de": {
            "/config/step/user/data/name",
            "/config_subentries/camera/step/camera_entity/data/name",
            "/config_subentries/camera/step/url/data/name",
            "/entity/sensor/last_recognition/state_attributes/person/name",
            "/entity/binary_sensor/presence/state_attributes/person_entity_id/name",
            "/services/enroll_face/fields/name/name",
            "/services/rename_person/fields/person/name",
            "/services/remove_person/fields/person/name",
        },
        "fr": set(),
    }
    english = dict(_strings(ENGLISH))
    translated = _load(language)
    for key, text in translated.items():
        assert isinstance(text, str), key
        assert text, key
        assert text == text.strip(), key
    copied = {key for key, text in translated.items() if text == english.get(key)}
    assert copied == same_everywhere[language]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("de", "Bekannte Personen"), ("fr", "Personnes connues"), ("en", "Known people")],
)
async def test_home_assistant_reads_each_language(
    hass: HomeAssistant, language: str, expected: str
) -> None:
    """Home Assistant's own translation loader finds each language where OpenEye ships it."""
    translations = await async_get_translations(hass, language, "entity", {DOMAIN})
    assert translations[f"component.{DOMAIN}.entity.sensor.known_people.name"] == expected
