"""The wire format between Home Assistant and workers on other hosts: versioned, checked JSON.

The local socket pair (protocol.py) pickles its messages, which is safe only
between processes of one program. A message that crosses a network (through
an MQTT broker, say) may come from anybody who can publish there, so it is
encoded as plain JSON and checked field by field before any dataclass is
built from it::

    {"v": 1, "type": "face_recognized", "data": {"camera_id": "door", ...}}

The codecs are generated once, at import, from the type annotations of the
message dataclasses in messages.py (and of what they hold: the gallery's
KnownFaces/KnownPerson, the settings), so a message's fields are written in
one place. Bytes travel as base64 text, tuples as lists, enums by value,
nested dataclasses as objects. Decoding is strict: every field must be there
with the right JSON type, no field may be added, numbers must be finite, face
encodings must hold exactly :data:`ENCODING_SIZE` numbers. Anything else is
refused with one exception, :class:`WireError`, whose ``reason`` is a short
machine word for counting and logging. Nothing is ever unpickled or evaluated.

Changing a message's fields changes the format: :func:`schema` describes it,
and a test pins its digest, so that such a change also raises
:data:`WIRE_VERSION`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, fields, is_dataclass
from enum import StrEnum
import json
import math
from types import NoneType, UnionType
from typing import Any, TypeAliasType, Union, get_args, get_origin, get_type_hints

from numpy.typing import NDArray

from .engine import ENCODING_SIZE
from .gallery import KnownFaces, KnownPerson
from .messages import (
    AddCamera,
    AnalyzeImage,
    FaceRecognized,
    ProbeSource,
    PushImage,
    RemoveCamera,
    SetGallery,
    SetSettings,
    StillFace,
    Stop,
    UnknownFace,
    WorkerResult,
)
from .settings import AnalysisSettings, SourceSettings

WIRE_VERSION = 1
# An ordinary message (a recognition with its crop and encoding is about
# 12 KB, BENCHMARKS.md section 16) stays far below this; the limit keeps a
# flood of large payloads from costing memory and parsing time.
MAX_MESSAGE_BYTES = 256 * 1024
# The gallery is the one large message: each encoding is about 2.5 KB of JSON,
# so this holds some 1,600 encodings (50 people with 5 encodings is 0.67 MB).
MAX_GALLERY_BYTES = 4 * 1024 * 1024

# The reasons a message is refused, as WireError.reason.
TOO_LARGE = "too_large"
NOT_JSON = "not_json"
NOT_OBJECT = "not_object"
VERSION = "version"
UNKNOWN_TYPE = "unknown_type"
NOT_ALLOWED = "not_allowed"
FIELD = "field"

# JSON integers are kept within 64 bits, which every other JSON reader can hold.
_INT_MIN = -(2**63)
_INT_MAX = 2**63 - 1


class WireError(Exception):
    """A message cannot be encoded or decoded; ``reason`` says why in one word, ``detail`` where."""

    def __init__(self, reason: str, detail: str) -> None:
        """Keep the reason (one of the module's reason constants) and a readable detail."""
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class _Codec:
    """How one kind of value is written as JSON and read back (and checked) from it.

    ``from_json`` takes the JSON value and its path in the message, for the
    error's detail. ``describe`` is a JSON-ready description for :func:`schema`.
    """

    to_json: Callable[[Any], Any]
    from_json: Callable[[Any, str], Any]
    describe: object


def _refuse(path: str, expected: str, value: object) -> WireError:
    """Return the error for a value that is not what a field holds."""
    return WireError(FIELD, f"{path}: expected {expected}, got {type(value).__name__}")


def _same(value: object) -> object:
    """Return a value unchanged: str, int, bool and None are JSON as they are."""
    return value


def _str_from_json(value: object, path: str) -> str:
    """Return a JSON string that is valid Unicode (no lone surrogates)."""
    if not isinstance(value, str):
        raise _refuse(path, "a string", value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise WireError(FIELD, f"{path}: not valid Unicode text") from None
    return value


def _int_from_json(value: object, path: str) -> int:
    """Return a JSON integer within 64 bits (a boolean is not one)."""
    if type(value) is not int:
        raise _refuse(path, "an integer", value)
    if not _INT_MIN <= value <= _INT_MAX:
        raise WireError(FIELD, f"{path}: the integer is out of range")
    return value


def _float_from_json(value: object, path: str) -> float:
    """Return a finite number as a float; JSON integers are numbers too, booleans not."""
    if type(value) is float:
        number = value
    elif type(value) is int:
        try:
            number = float(value)
        except OverflowError:
            raise WireError(FIELD, f"{path}: the number is out of range") from None
    else:
        raise _refuse(path, "a number", value)
    # Python's JSON reader turns 1e999 into infinity: refused here.
    if not math.isfinite(number):
        raise WireError(FIELD, f"{path}: the number is not finite")
    return number


def _bool_from_json(value: object, path: str) -> bool:
    """Return a JSON boolean."""
    if type(value) is not bool:
        raise _refuse(path, "true or false", value)
    return value


def _bytes_to_json(value: bytes) -> str:
    """Return bytes as base64 text."""
    return base64.b64encode(value).decode("ascii")


def _bytes_from_json(value: object, path: str) -> bytes:
    """Return the bytes of strict base64 text (no stray characters, right padding)."""
    if not isinstance(value, str):
        raise _refuse(path, "base64 text", value)
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:  # binascii.Error, and non-ASCII text
        raise WireError(FIELD, f"{path}: not base64 text") from None


_STR = _Codec(_same, _str_from_json, "str")
_INT = _Codec(_same, _int_from_json, "int")
_FLOAT = _Codec(_same, _float_from_json, "float")
_BOOL = _Codec(_same, _bool_from_json, "bool")
_BYTES = _Codec(_bytes_to_json, _bytes_from_json, "bytes")


def _vector_codec(lengths: frozenset[int]) -> _Codec:
    """Return the codec of a face encoding: a list of finite numbers of one of ``lengths``."""
    expected = " or ".join(str(length) for length in sorted(lengths))

    def to_json(value: tuple[float, ...]) -> list[float]:
        """Return the encoding as a list; a wrong length is refused before it is sent."""
        if len(value) not in lengths:
            raise WireError(FIELD, f"an encoding of {len(value)} numbers, not {expected}")
        return list(value)

    def from_json(value: object, path: str) -> tuple[float, ...]:
        """Return the encoding as a tuple of floats, or refuse it."""
        if not isinstance(value, list):
            raise _refuse(path, "a list of numbers", value)
        if len(value) not in lengths:
            raise WireError(FIELD, f"{path}: {len(value)} numbers, not {expected}")
        return tuple(_float_from_json(item, path) for item in value)

    return _Codec(to_json, from_json, ["vector", sorted(lengths)])


def _optional_codec(inner: _Codec) -> _Codec:
    """Return the codec of ``X | None``: JSON null, or X."""

    def to_json(value: object) -> object:
        """Return null for None, else the inner value's JSON."""
        return None if value is None else inner.to_json(value)

    def from_json(value: object, path: str) -> object:
        """Return None for null, else the inner value."""
        return None if value is None else inner.from_json(value, path)

    return _Codec(to_json, from_json, ["optional", inner.describe])


def _tuple_codec(item: _Codec) -> _Codec:
    """Return the codec of ``tuple[X, ...]``: a JSON list of any length."""

    def to_json(value: tuple[object, ...]) -> list[object]:
        """Return the items' JSON as a list."""
        return [item.to_json(entry) for entry in value]

    def from_json(value: object, path: str) -> tuple[object, ...]:
        """Return the items as a tuple."""
        if not isinstance(value, list):
            raise _refuse(path, "a list", value)
        return tuple(item.from_json(entry, f"{path}[{index}]") for index, entry in enumerate(value))

    return _Codec(to_json, from_json, ["tuple", item.describe])


def _fixed_tuple_codec(items: tuple[_Codec, ...]) -> _Codec:
    """Return the codec of ``tuple[A, B, ...]`` of a fixed length (a box): a list of that length."""

    def to_json(value: tuple[object, ...]) -> list[object]:
        """Return the items' JSON as a list."""
        return [codec.to_json(entry) for codec, entry in zip(items, value, strict=True)]

    def from_json(value: object, path: str) -> tuple[object, ...]:
        """Return the items as a tuple of exactly the declared length."""
        if not isinstance(value, list):
            raise _refuse(path, "a list", value)
        if len(value) != len(items):
            raise WireError(FIELD, f"{path}: {len(value)} items, not {len(items)}")
        return tuple(
            codec.from_json(entry, f"{path}[{index}]")
            for index, (codec, entry) in enumerate(zip(items, value, strict=True))
        )

    return _Codec(to_json, from_json, ["fixed", [codec.describe for codec in items]])


def _enum_codec(enum: type[StrEnum]) -> _Codec:
    """Return the codec of a string enum: its value."""
    values = {member.value: member for member in enum}

    def to_json(value: StrEnum) -> str:
        """Return the member's value."""
        return value.value

    def from_json(value: object, path: str) -> StrEnum:
        """Return the member of a known value."""
        if not isinstance(value, str) or value not in values:
            raise WireError(FIELD, f"{path}: not one of {sorted(values)}")
        return values[value]

    return _Codec(to_json, from_json, ["enum", sorted(values)])


# Names the annotations of messages.py and gallery.py import only for type
# checking: get_type_hints needs them to read those annotations.
_ANNOTATION_NAMES: dict[str, object] = {
    "KnownFaces": KnownFaces,
    "AnalysisSettings": AnalysisSettings,
    "SourceSettings": SourceSettings,
    "NDArray": NDArray,
}
# Face encodings are plain ``tuple[float, ...]`` in the dataclasses; on the
# wire their length is checked. A recognition may carry none (the field's
# default, when the encoding is not known); a gallery's and a still face's
# encodings are always whole.
_ENCODING = _vector_codec(frozenset({ENCODING_SIZE}))
_ENCODING_OR_NONE = _vector_codec(frozenset({0, ENCODING_SIZE}))
_FIELD_CODECS: dict[tuple[type, str], _Codec] = {
    (KnownPerson, "encodings"): _tuple_codec(_ENCODING),
    (KnownPerson, "counter_examples"): _tuple_codec(_ENCODING),
    (StillFace, "encoding"): _ENCODING,
    (FaceRecognized, "encoding"): _ENCODING_OR_NONE,
    (UnknownFace, "encoding"): _ENCODING_OR_NONE,
}
_DATACLASS_CODECS: dict[type, _Codec] = {}


def _dataclass_codec(cls: type) -> _Codec:
    """Return the codec of a dataclass: a JSON object of exactly its fields given to ``__init__``.

    Fields computed by the dataclass itself (``init=False``, such as the
    gallery's matrices) are not sent: the receiver computes them again.
    """
    if cls in _DATACLASS_CODECS:
        return _DATACLASS_CODECS[cls]
    hints = get_type_hints(cls, localns=_ANNOTATION_NAMES)
    entries = tuple(
        (item.name, _FIELD_CODECS.get((cls, item.name)) or _codec_for(hints[item.name]))
        for item in fields(cls)
        if item.init
    )
    names = frozenset(name for name, _ in entries)

    def to_json(value: object) -> dict[str, object]:
        """Return the fields' JSON as an object."""
        return {name: codec.to_json(getattr(value, name)) for name, codec in entries}

    def from_json(value: object, path: str) -> object:
        """Return the dataclass built from an object with exactly its fields, each checked."""
        if not isinstance(value, dict):
            raise _refuse(path, "an object", value)
        if value.keys() != names:
            missing = sorted(names - value.keys())
            extra = sorted(value.keys() - names)
            raise WireError(FIELD, f"{path}: missing fields {missing}, unknown fields {extra}")
        arguments = {
            name: codec.from_json(value[name], f"{path}.{name}") for name, codec in entries
        }
        try:
            return cls(**arguments)
        except (TypeError, ValueError) as err:  # a dataclass's own check (__post_init__)
            raise WireError(FIELD, f"{path}: {err}") from None

    codec = _Codec(
        to_json, from_json, ["object", {name: codec.describe for name, codec in entries}]
    )
    _DATACLASS_CODECS[cls] = codec
    return codec


def _codec_for(hint: object) -> _Codec:
    """Return the codec of a type annotation; a type the wire cannot carry is an error at import."""
    if isinstance(hint, TypeAliasType):
        return _codec_for(hint.__value__)
    if isinstance(hint, type):
        return _class_codec(hint)
    origin, args = get_origin(hint), get_args(hint)
    if origin is tuple and args[1:] == (Ellipsis,):
        return _tuple_codec(_codec_for(args[0]))
    if origin is tuple and args:
        return _fixed_tuple_codec(tuple(_codec_for(arg) for arg in args))
    others = [arg for arg in args if arg is not NoneType]
    if origin in (UnionType, Union) and NoneType in args and len(others) == 1:
        return _optional_codec(_codec_for(others[0]))
    raise TypeError(f"the wire format cannot carry {hint!r}")


def _class_codec(cls: type) -> _Codec:
    """Return the codec of a plain class: a JSON scalar, bytes, a string enum or a dataclass."""
    simple = {str: _STR, int: _INT, float: _FLOAT, bool: _BOOL, bytes: _BYTES}
    if cls in simple:
        return simple[cls]
    if issubclass(cls, StrEnum):
        return _enum_codec(cls)
    if is_dataclass(cls):
        return _dataclass_codec(cls)
    raise TypeError(f"the wire format cannot carry {cls!r}")


def _members(alias: TypeAliasType) -> tuple[type, ...]:
    """Return the classes of a union type alias, those of the aliases within it included."""
    classes: list[type] = []
    for member in get_args(alias.__value__):
        classes.extend(_members(member) if isinstance(member, TypeAliasType) else [member])
    return tuple(classes)


# Every message that may cross hosts, by its name on the wire. Results use
# the ``type`` they already carry; commands are named here, so that renaming a
# class does not change the format.
_COMMAND_NAMES: dict[type, str] = {
    SetGallery: "set_gallery",
    SetSettings: "set_settings",
    AddCamera: "add_camera",
    RemoveCamera: "remove_camera",
    PushImage: "push_image",
    AnalyzeImage: "analyze_image",
    ProbeSource: "probe_source",
    Stop: "stop",
}
# Results are what a worker sends: the members of messages.WorkerResult.
_RESULT_CLASSES: tuple[type, ...] = _members(WorkerResult)
_NAMES: dict[type, str] = {
    **_COMMAND_NAMES,
    **{cls: str(getattr(cls, "type")) for cls in _RESULT_CLASSES},  # noqa: B009 - a class attribute
}
_CLASSES: dict[str, type] = {name: cls for cls, name in _NAMES.items()}
_CODECS: dict[type, _Codec] = {cls: _dataclass_codec(cls) for cls in _NAMES}

# Commands go from Home Assistant to a worker, results back: each side passes
# the other's direction as ``decode(..., allowed=...)``.
COMMANDS: frozenset[type] = frozenset(_COMMAND_NAMES)
RESULTS: frozenset[type] = frozenset(_RESULT_CLASSES)


def max_bytes_of(message_class: type) -> int:
    """Return the largest encoded size of a message class: the gallery has its own limit."""
    return MAX_GALLERY_BYTES if message_class is SetGallery else MAX_MESSAGE_BYTES


def schema() -> dict[str, object]:
    """Return a JSON-ready description of every message: its name, fields and their kinds."""
    return {name: _CODECS[cls].describe for cls, name in sorted(_NAMES.items(), key=_by_name)}


def _by_name(item: tuple[type, str]) -> str:
    """Return the wire name of a (class, name) pair, to sort by."""
    return item[1]


def encode(message: object) -> bytes:
    """Return a message as UTF-8 JSON ``{"v": 1, "type": ..., "data": {...}}``.

    Raises :class:`WireError`: ``unknown_type`` for a class that is not a
    message, ``field`` for a value the format cannot carry (a number that is
    not finite, an encoding of the wrong length), ``too_large`` for a message
    over its limit (:func:`max_bytes_of`).
    """
    cls = type(message)
    name = _NAMES.get(cls)
    if name is None:
        raise WireError(UNKNOWN_TYPE, f"{cls.__name__} is not a wire message")
    try:
        document = {"v": WIRE_VERSION, "type": name, "data": _CODECS[cls].to_json(message)}
        payload = json.dumps(
            document, allow_nan=False, ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")
    except WireError:
        raise
    except (AttributeError, TypeError, ValueError) as err:  # also UnicodeEncodeError
        raise WireError(FIELD, f"{name}: {err}") from err
    limit = max_bytes_of(cls)
    if len(payload) > limit:
        raise WireError(TOO_LARGE, f"{name} of {len(payload)} bytes, over the limit of {limit}")
    return payload


class _StrictJsonError(ValueError):
    """JSON that Python's reader would take but the wire refuses (NaN, repeated keys)."""


def _refuse_constant(name: str) -> object:
    """Refuse NaN, Infinity and -Infinity, which are not JSON."""
    raise _StrictJsonError(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Return an object's dict, refusing a key given twice (readers differ on which wins)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _StrictJsonError("a key appears twice in one object")
    return result


def decode(
    data: bytes | bytearray | memoryview | str,
    *,
    max_bytes: int = MAX_MESSAGE_BYTES,
    allowed: Collection[type] | None = None,
) -> object:
    """Return the message encoded in ``data``, or raise :class:`WireError`.

    ``max_bytes`` bounds the payload before it is parsed (pass
    :data:`MAX_GALLERY_BYTES` where a gallery may arrive); each type's own
    limit applies too. ``allowed`` narrows the classes accepted (one
    direction: :data:`COMMANDS` or :data:`RESULTS`); by default every wire
    message is. Text is taken as its UTF-8 bytes.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise WireError(TOO_LARGE, f"{len(raw)} bytes, over the limit of {max_bytes}")
    try:
        document = json.loads(
            raw.decode("utf-8"), parse_constant=_refuse_constant, object_pairs_hook=_unique_keys
        )
    except (ValueError, RecursionError) as err:  # also UnicodeDecodeError
        raise WireError(NOT_JSON, str(err)[:200]) from None
    if not isinstance(document, dict):
        raise WireError(NOT_OBJECT, f"the message is a {type(document).__name__}")
    return _decode_document(document, len(raw), allowed)


def _decode_document(
    document: Mapping[str, Any], size: int, allowed: Collection[type] | None
) -> object:
    """Return the message of a parsed envelope, checked: version, type, limits, then fields."""
    version = document.get("v")
    if type(version) is not int or version != WIRE_VERSION:
        raise WireError(VERSION, f"version {version!r}, this end speaks {WIRE_VERSION}")
    name = document.get("type")
    if not isinstance(name, str) or name not in _CLASSES:
        raise WireError(UNKNOWN_TYPE, f"no message is called {str(name)[:60]!r}")
    cls = _CLASSES[name]
    if allowed is not None and cls not in allowed:
        raise WireError(NOT_ALLOWED, f"{name} is not accepted here")
    if size > max_bytes_of(cls):
        raise WireError(TOO_LARGE, f"{name} of {size} bytes, over its limit")
    if document.keys() != {"v", "type", "data"}:
        raise WireError(FIELD, f"the envelope has fields {sorted(document)}")
    return _CODECS[cls].from_json(document["data"], name)
