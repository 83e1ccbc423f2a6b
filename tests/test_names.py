"""Names: one stored form whatever was typed, and look-alikes are the same name."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest

from custom_components.openeye.const import MAX_NAME_LENGTH
from custom_components.openeye.errors import OpenEyeValidationError
from custom_components.openeye.names import BIDI_CONTROLS, clean_name, name_key


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Eileen   Collins ", "Eileen Collins"),
        ("Eileen\tCollins\n", "Eileen Collins"),
        ("Eileen\u00a0Collins", "Eileen Collins"),
        # A decomposed "é" (e + combining accent) is stored composed.
        ("Rene\u0301e", "Renée"),
        # Zero-width spaces, word joiners, soft hyphens, direction marks, BOMs: gone.
        ("Ei\u200bleen", "Eileen"),
        ("Ei\u2060le\u00aden\u200e\ufeff", "Eileen"),
        # Control characters: gone.
        ("Eil\x00een\x07", "Eileen"),
        # The joiners that scripts and emoji need stay.
        (
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        ),
        ("\U0001f469\u200d\U0001f680", "\U0001f469\u200d\U0001f680"),
        # Markup is only text: stored as typed (the card renders names as text).
        ("<b>Bob</b>", "<b>Bob</b>"),
    ],
)
def test_names_are_stored_in_one_form(typed: str, stored: str) -> None:
    """Whitespace, composition and invisible characters are settled before storing."""
    assert clean_name(typed) == stored


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("", "name_empty"),
        ("   ", "name_empty"),
        ("\u200b\u200b", "name_empty"),
        ("\u200d", "name_empty"),
        ("x" * (MAX_NAME_LENGTH + 1), "name_too_long"),
        ("Bob\u202eevil", "name_invalid"),
        ("\u2067Bob", "name_invalid"),
    ],
)
def test_unusable_names_are_refused(typed: str, key: str) -> None:
    """Empty, too long and reordering names are refused with their translation key."""
    with pytest.raises(OpenEyeValidationError) as info:
        clean_name(typed)
    assert info.value.key == key


def test_a_long_name_is_measured_after_cleaning() -> None:
    """Invisible characters do not count towards the length limit."""
    assert clean_name("x" * MAX_NAME_LENGTH + "\u200b" * 10) == "x" * MAX_NAME_LENGTH


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Eileen Collins", "EILEEN  COLLINS"),
        ("Eileen", "Ei\u200bleen"),
        ("Eileen", "\uff25\uff49\uff4c\uff45\uff45\uff4e"),
        ("Renée", "Rene\u0301e"),
        ("Straße", "STRASSE"),
    ],
)
def test_look_alikes_have_the_same_key(one: str, other: str) -> None:
    """Case, width, composition and invisible characters do not make another name."""
    assert name_key(one) == name_key(other)


def test_different_names_have_different_keys() -> None:
    """Real differences stay: letters, accents, word breaks."""
    keys = {name_key(name) for name in ("Eileen", "Eileen C", "Eilen", "Éileen", "Eil een")}
    assert len(keys) == 5


@given(st.text(max_size=80))
def test_cleaning_is_stable_and_never_leaves_a_bidi_control(text: str) -> None:
    """Any text is either refused or cleaned into a name that cleans to itself."""
    try:
        cleaned = clean_name(text)
    except OpenEyeValidationError:
        return
    assert clean_name(cleaned) == cleaned
    assert not set(cleaned) & BIDI_CONTROLS
    assert 0 < len(cleaned) <= MAX_NAME_LENGTH
    assert cleaned == cleaned.strip()
