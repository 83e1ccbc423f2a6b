"""People's names as OpenEye stores and compares them: one form, whatever was typed.

A name arrives from a form, an action or a websocket command, typed on any
keyboard or pasted from anywhere. Before it is stored it is put in Unicode's
composed form (NFC, so "é" is one character however it was typed), runs of
white space become one space, and characters nobody can see are removed:
control characters and invisible formatting (zero-width spaces, word joiners,
direction marks). Two joiners stay, because several scripts and emoji need
them: the zero-width joiner and non-joiner. Characters that reorder the text
around them (bidirectional embeddings, overrides and isolates) are refused
outright: they can make a name read as something it is not.

Names are compared by a key that ignores case, compatibility variants
(full-width letters, ligatures) and the two joiners, so that names which
look the same are the same name.
"""

from __future__ import annotations

import unicodedata

from .const import MAX_NAME_LENGTH
from .errors import OpenEyeValidationError

# Bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO,
# LRI, RLI, FSI, PDI): they reorder what follows them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Invisible formatting that scripts and emoji need to join or separate letters.
JOINERS = frozenset("\u200c\u200d")


def _visible(character: str) -> bool:
    """Return whether a character stays in a stored name."""
    category = unicodedata.category(character)
    if category == "Cf":
        return character in JOINERS
    # Control characters, unassigned and private-use code points, surrogates.
    return category not in {"Cc", "Cn", "Co", "Cs"}


def clean_name(name: str) -> str:
    """Return the name as OpenEye stores it, or raise a translated error.

    Errors: ``name_invalid`` (it reorders text), ``name_empty`` (nothing
    visible is left) and ``name_too_long`` (over :data:`MAX_NAME_LENGTH`
    characters once cleaned).
    """
    composed = unicodedata.normalize("NFC", str(name))
    if any(character in BIDI_CONTROLS for character in composed):
        raise OpenEyeValidationError("name_invalid")
    # White space (including tabs, line breaks and no-break spaces) first, so
    # that removing invisible characters cannot glue two words together.
    words = (
        "".join(character for character in word if _visible(character)) for word in composed.split()
    )
    cleaned = " ".join(word for word in words if word.strip("".join(JOINERS)))
    if not cleaned:
        raise OpenEyeValidationError("name_empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise OpenEyeValidationError("name_too_long", {"max_length": str(MAX_NAME_LENGTH)})
    return cleaned


def name_key(name: str) -> str:
    """Return the key two names are compared by: the same key means the same name."""
    folded = unicodedata.normalize("NFKC", str(name)).casefold()
    visible = "".join(c for c in folded if _visible(c) and c not in JOINERS)
    return " ".join(visible.split())
