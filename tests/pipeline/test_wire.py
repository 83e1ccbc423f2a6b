"""The wire format for other hosts: every message survives it, anything malformed is refused.

Decoding is checked against hand-made bad payloads (one per refusal), and
against random bytes and random JSON drawn by hypothesis (derandomized: the
same payloads on every run), which must never raise anything but WireError.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.openeye.pipeline import wire
from custom_components.openeye.pipeline.gallery import KnownFaces, KnownPerson
from custom_components.openeye.pipeline.messages import (
    AddCamera,
    AnalyzeImage,
    EngineFailed,
    FaceDetected,
    FaceLost,
    FaceRecognized,
    Figures,
    ImageAnalysis,
    MotionEnded,
    MotionStarted,
    ProbeResult,
    ProbeSource,
    PushImage,
    RemoveCamera,
    SetGallery,
    SetSettings,
    SourceStatus,
    SourceStatusChanged,
    StillFace,
    Stop,
    UnknownFace,
    WorkerLog,
    WorkerReady,
)
from custom_components.openeye.pipeline.settings import AnalysisSettings, SourceSettings
from custom_components.openeye.pipeline.wire import WireError, decode, encode

# Encodings with values a float's shortest repr must carry exactly.
ENCODING = tuple((index - 64) / 97.0 for index in range(128))
OTHER = tuple(-value / 3.0 for value in ENCODING)
CROP = bytes(range(256)) * 3
GALLERY = KnownFaces(
    (
        KnownPerson("p1", "Ada Lovelace", (ENCODING, OTHER)),
        KnownPerson("p2", "Zoë 李", (OTHER,), counter_examples=(ENCODING,)),
    )
)

# One message of every type the wire carries, its fields away from their defaults.
COMMAND_EXAMPLES: list[object] = [
    SetGallery(GALLERY),
    SetGallery(KnownFaces()),
    SetSettings(AnalysisSettings(tolerance=0.55, min_face_size=60, still_upsample=0)),
    AddCamera("door", "rtsp://user@10.0.0.2/stream", SourceSettings(loop=True, realtime=False)),
    AddCamera("porch", None, SourceSettings()),
    RemoveCamera("door"),
    PushImage("porch", b"\xff\xd8\xff\xe0 a photo", 1_700_000_000.25),
    AnalyzeImage(7, b"\x89PNG\r\n"),
    ProbeSource(8, "rtsp://10.0.0.3/live", 4.5),
    Stop(),
]
RESULT_EXAMPLES: list[object] = [
    SourceStatusChanged(
        "door", 1.5, 1_700_000_000.0, SourceStatus.RECONNECTING, "gone", 2.0, "lost"
    ),
    SourceStatusChanged("door", 0.0, 1_700_000_000.0),
    MotionStarted("door", 3.25, 1_700_000_001.5),
    MotionEnded("door", 5.0, 1_700_000_003.0),
    FaceDetected("door", 3.5, 1_700_000_001.75, track_id=4, box=(10, 90, 110, 20)),
    FaceRecognized(
        "door",
        3.75,
        1_700_000_002.0,
        track_id=4,
        person_id="p1",
        person_name="Ada Lovelace",
        best_distance=0.31,
        mean_distance=0.35,
        confidence=0.74,
        box=(10, 90, 110, 20),
        crop_jpeg=CROP,
        decided_at=1_700_000_002.1,
        encoding=ENCODING,
    ),
    FaceRecognized("door", 3.75, 1_700_000_002.0, person_id="p1"),
    UnknownFace("door", 4.0, 1_700_000_002.5, 5, 0.71, (1, 2, 3, 4), OTHER, CROP, 1.5, "p2"),
    UnknownFace("door", 4.0, 1_700_000_002.5, 6, None, (1, 2, 3, 4), ENCODING, b""),
    FaceLost("door", 6.0, 1_700_000_004.0, 4, "p1", 2.25),
    FaceLost("door", 6.0, 1_700_000_004.0, 5, None, 0.0),
    Figures("door", 7.0, 1_700_000_005.0, 150, 48, 40, 9.6, 31.5, 12.25, 2),
    ImageAnalysis(
        9,
        640,
        480,
        (
            StillFace((1, 2, 3, 4), ENCODING, CROP, "p1", "Ada", 0.3, 0.75),
            StillFace((5, 6, 7, 8), OTHER, b""),
        ),
    ),
    ImageAnalysis(10, error="not_an_image", error_detail="cannot identify image file"),
    ProbeResult(8, ok=True, width=1920, height=1080),
    ProbeResult(11, ok=False, detail="401 Unauthorized", reason="unauthorized"),
    WorkerReady(4242),
    EngineFailed("dlib cannot load its models"),
    WorkerLog(30, "camera door: reconnecting in 2 s"),
]


def _document(message: object) -> dict[str, Any]:
    """Return the parsed JSON of an encoded message, to spoil."""
    result: dict[str, Any] = json.loads(encode(message))
    return result


def _reason(
    payload: bytes | str,
    max_bytes: int = wire.MAX_MESSAGE_BYTES,
    allowed: frozenset[type] | set[type] | None = None,
) -> str:
    """Return the reason a payload is refused with (failing if it is accepted)."""
    with pytest.raises(WireError) as caught:
        decode(payload, max_bytes=max_bytes, allowed=allowed)
    return caught.value.reason


def _dumps(document: object) -> bytes:
    """Return a document as JSON bytes, the way a careless sender would write it."""
    return json.dumps(document).encode()


def test_examples_cover_every_wire_type() -> None:
    """A message type added to the wire without an example here fails this test."""
    assert {type(m) for m in COMMAND_EXAMPLES} == wire.COMMANDS
    assert {type(m) for m in RESULT_EXAMPLES} == wire.RESULTS
    assert not wire.COMMANDS & wire.RESULTS


@pytest.mark.parametrize("message", COMMAND_EXAMPLES + RESULT_EXAMPLES, ids=repr)
def test_every_message_survives_the_wire(message: object) -> None:
    """Each command and result decodes equal to what was encoded, as JSON with a version."""
    payload = encode(message)
    document = json.loads(payload)
    assert document["v"] == wire.WIRE_VERSION == 1
    assert set(document) == {"v", "type", "data"}
    decoded = decode(payload, max_bytes=wire.MAX_GALLERY_BYTES)
    assert decoded == message
    assert type(decoded) is type(message)


def test_the_gallery_survives_with_its_matrices() -> None:
    """The gallery's computed matrices are not sent but rebuilt: they compare like the original."""
    decoded = decode(encode(SetGallery(GALLERY)))
    assert isinstance(decoded, SetGallery)
    assert decoded.known.matrix.tolist() == GALLERY.matrix.tolist()
    assert decoded.known.counter_matrix.tolist() == GALLERY.counter_matrix.tolist()
    assert decoded.known.has_counter_examples


def test_fields_travel_in_plain_json() -> None:
    """Bytes are base64 text, tuples lists, enums their value, nested dataclasses objects."""
    data = _document(RESULT_EXAMPLES[5])["data"]
    assert data["crop_jpeg"] == base64.b64encode(CROP).decode()
    assert data["box"] == [10, 90, 110, 20]
    assert data["encoding"] == list(ENCODING)
    assert _document(RESULT_EXAMPLES[0]) == {
        "v": 1,
        "type": "source_status",
        "data": {
            "camera_id": "door",
            "pts": 1.5,
            "timestamp": 1_700_000_000.0,
            "status": "reconnecting",
            "detail": "gone",
            "retry_in": 2.0,
            "reason": "lost",
        },
    }
    person = _document(SetGallery(GALLERY))["data"]["known"]["people"][1]
    assert person == {
        "person_id": "p2",
        "name": "Zoë 李",
        "encodings": [list(OTHER)],
        "counter_examples": [list(ENCODING)],
    }


def test_each_side_accepts_only_the_other_direction() -> None:
    """A worker takes commands only, Home Assistant results only."""
    assert decode(encode(Stop()), allowed=wire.COMMANDS) == Stop()
    assert _reason(encode(Stop()), allowed=wire.RESULTS) == wire.NOT_ALLOWED
    assert _reason(encode(WorkerReady(1)), allowed=wire.COMMANDS) == wire.NOT_ALLOWED
    assert _reason(encode(Stop()), allowed={RemoveCamera}) == wire.NOT_ALLOWED


def test_oversized_payloads_are_refused_before_parsing() -> None:
    """Over max_bytes is refused as too_large, even when it is not JSON at all."""
    assert _reason(b"x" * (wire.MAX_MESSAGE_BYTES + 1)) == wire.TOO_LARGE
    assert _reason(b"x" * 101, max_bytes=100) == wire.TOO_LARGE
    # A large gallery needs the gallery's limit.
    people = tuple(KnownPerson(f"p{i}", f"Person {i}", (ENCODING,) * 5) for i in range(50))
    payload = encode(SetGallery(KnownFaces(people)))
    assert wire.MAX_MESSAGE_BYTES < len(payload) < wire.MAX_GALLERY_BYTES
    assert _reason(payload) == wire.TOO_LARGE
    assert decode(payload, max_bytes=wire.MAX_GALLERY_BYTES) == SetGallery(KnownFaces(people))


def test_only_the_gallery_may_use_the_gallery_limit() -> None:
    """Another message as large as a gallery is refused even where galleries are accepted."""
    document = _document(PushImage("porch", b"", 1.0))
    document["data"]["data"] = base64.b64encode(b"\0" * wire.MAX_MESSAGE_BYTES).decode()
    reason = _reason(_dumps(document), max_bytes=wire.MAX_GALLERY_BYTES)
    assert reason == wire.TOO_LARGE


def test_encode_refuses_what_cannot_travel() -> None:
    """Not a message, a number that is not finite, a bad encoding, too large: WireError."""
    with pytest.raises(WireError) as caught:
        encode(object())
    assert caught.value.reason == wire.UNKNOWN_TYPE
    with pytest.raises(WireError) as caught:
        encode(MotionStarted("door", float("nan"), 1.0))
    assert caught.value.reason == wire.FIELD
    with pytest.raises(WireError) as caught:
        encode(UnknownFace("door", 1.0, 1.0, encoding=(0.5,) * 127))
    assert caught.value.reason == wire.FIELD
    with pytest.raises(WireError) as caught:
        encode(PushImage("porch", b"\0" * wire.MAX_MESSAGE_BYTES, 1.0))
    assert caught.value.reason == wire.TOO_LARGE


def _set(message: object, path: tuple[str | int, ...], value: object) -> bytes:
    """Return a message's JSON with the value at ``path`` replaced (or removed, for DELETE)."""
    document = _document(message)
    parent: Any = document
    for key in path[:-1]:
        parent = parent[key]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return _dumps(document)


def _replace(message: object, old: bytes, new: bytes) -> bytes:
    """Return a message's JSON with its first ``old`` replaced: what json.dumps will not write."""
    payload = encode(message)
    assert old in payload
    return payload.replace(old, new, 1)


DELETE = object()
RECOGNISED = RESULT_EXAMPLES[5]
ENCODING_JSON = list(ENCODING)
PEOPLE = ("data", "known", "people")
SPOILED = {
    "missing field": _set(RECOGNISED, ("data", "person_id"), DELETE),
    "extra field": _set(RECOGNISED, ("data", "is_admin"), value=True),
    "string for int": _set(RECOGNISED, ("data", "track_id"), "4"),
    "float for int": _set(RECOGNISED, ("data", "track_id"), 4.0),
    "bool for int": _set(RECOGNISED, ("data", "track_id"), value=True),
    "bool for float": _set(RECOGNISED, ("data", "pts"), value=False),
    "int out of range": _set(RECOGNISED, ("data", "track_id"), 2**64),
    "null for str": _set(RECOGNISED, ("data", "person_name"), None),
    "list for data": _set(RECOGNISED, ("data",), [1]),
    "huge number": _replace(RECOGNISED, b'"pts":3.75', b'"pts":1e999'),
    "short encoding": _set(RECOGNISED, ("data", "encoding"), ENCODING_JSON[:127]),
    "long encoding": _set(RECOGNISED, ("data", "encoding"), [*ENCODING_JSON, 0.5]),
    "string in encoding": _set(RECOGNISED, ("data", "encoding"), [*ENCODING_JSON[:127], "1"]),
    "short box": _set(RECOGNISED, ("data", "box"), [1, 2, 3]),
    "float in box": _set(RECOGNISED, ("data", "box"), [1, 2, 3, 4.5]),
    "not base64": _set(RECOGNISED, ("data", "crop_jpeg"), "not base64!"),
    "bad padding": _set(RECOGNISED, ("data", "crop_jpeg"), "QUJD="),
    "non-ASCII base64": _set(RECOGNISED, ("data", "crop_jpeg"), "QUJDé"),
    "lone surrogate": _replace(RECOGNISED, b'"Ada Lovelace"', b'"\\ud800"'),
    "unknown enum": _set(RESULT_EXAMPLES[0], ("data", "status"), "on_fire"),
    "gallery person without encodings": _set(SetGallery(GALLERY), (*PEOPLE, 0, "encodings"), []),
    "gallery encoding of 3": _set(
        SetGallery(GALLERY), (*PEOPLE, 0, "encodings", 0), [0.1, 0.2, 0.3]
    ),
    "gallery infinite number": _replace(
        SetGallery(GALLERY), json.dumps(ENCODING[5]).encode(), b"-1e400"
    ),
    "nested extra field": _set(SetSettings(AnalysisSettings()), ("data", "settings", "debug"), 1),
    "envelope extra field": _set(RECOGNISED, ("signature",), "trust me"),
}


@pytest.mark.parametrize("change", sorted(SPOILED))
def test_malformed_fields_are_refused(change: str) -> None:
    """Every spoiled field is refused as ``field``, with where it is in the detail."""
    with pytest.raises(WireError) as caught:
        decode(SPOILED[change], max_bytes=wire.MAX_GALLERY_BYTES)
    assert caught.value.reason == wire.FIELD
    assert caught.value.detail


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", wire.NOT_JSON),
        (b"\x80\x81 not text", wire.NOT_JSON),
        (b'{"v": 1, "type": "stop"', wire.NOT_JSON),
        ('{"v": 1, "type": "stop", "data": {}}'.encode("utf-16"), wire.NOT_JSON),
        (b'{"v": 1, "v": 1, "type": "stop", "data": {}}', wire.NOT_JSON),
        (b'{"v": 1, "type": "stop", "data": {"x": NaN}}', wire.NOT_JSON),
        (b'{"v": 1, "type": "stop", "data": {"x": -Infinity}}', wire.NOT_JSON),
        (b"[" * 100_000 + b"]" * 100_000, wire.NOT_JSON),
        (b"[1, 2]", wire.NOT_OBJECT),
        (b'"stop"', wire.NOT_OBJECT),
        (b"null", wire.NOT_OBJECT),
        (b'{"type": "stop", "data": {}}', wire.VERSION),
        (b'{"v": 2, "type": "stop", "data": {}}', wire.VERSION),
        (b'{"v": 0, "type": "stop", "data": {}}', wire.VERSION),
        (b'{"v": "1", "type": "stop", "data": {}}', wire.VERSION),
        (b'{"v": true, "type": "stop", "data": {}}', wire.VERSION),
        (b'{"v": 1.0, "type": "stop", "data": {}}', wire.VERSION),
        (b'{"v": 1, "type": "halt", "data": {}}', wire.UNKNOWN_TYPE),
        (b'{"v": 1, "type": "Stop", "data": {}}', wire.UNKNOWN_TYPE),
        (b'{"v": 1, "type": ["stop"], "data": {}}', wire.UNKNOWN_TYPE),
        (b'{"v": 1, "data": {}}', wire.UNKNOWN_TYPE),
        (b'{"v": 1, "type": "stop"}', wire.FIELD),
        (b'{"v": 1, "type": "stop", "data": null}', wire.FIELD),
        (b'{"v": 1, "type": "stop", "data": {"now": true}}', wire.FIELD),
    ],
)
def test_malformed_envelopes_are_refused(payload: bytes, reason: str) -> None:
    """Not JSON, not an object, another version, an unknown type, a bad envelope: each its own."""
    assert _reason(payload) == reason


def test_text_payloads_are_read_as_utf8() -> None:
    """A payload handed over as text (an MQTT client's default) decodes like its bytes."""
    message = RESULT_EXAMPLES[5]
    assert decode(encode(message).decode()) == message
    assert _reason("\ud800") == wire.NOT_JSON


def test_the_format_is_pinned_to_its_version() -> None:
    """Changing a wire message's fields changes this digest: raise WIRE_VERSION with it.

    A worker and a Home Assistant of different versions would otherwise refuse
    each other's messages as malformed instead of saying that the versions differ.
    """
    names = {_document(m)["type"] for m in COMMAND_EXAMPLES + RESULT_EXAMPLES}
    assert set(wire.schema()) == names
    text = json.dumps(wire.schema(), sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert (wire.WIRE_VERSION, digest) == (1, PINNED_SCHEMA_DIGEST)


PINNED_SCHEMA_DIGEST = "e1ebe595e13fb39c914bcfc00aeab0935a3d9e03a2378207804628ef70fb5348"

# Any JSON value, including large integers and text with any character.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)
TYPE_NAMES = sorted(wire.schema())


def _decode_or_refuse(payload: bytes | str) -> None:
    """Decode a payload; a refusal is fine, any other exception fails the test."""
    with contextlib.suppress(WireError):
        decode(payload, max_bytes=wire.MAX_GALLERY_BYTES)


@settings(derandomize=True, max_examples=300)
@given(st.binary(max_size=200))
def test_random_bytes_only_ever_raise_wire_error(payload: bytes) -> None:
    """Bytes drawn at random are refused with WireError, never another exception."""
    _decode_or_refuse(payload)


@settings(derandomize=True, max_examples=300)
@given(JSON)
def test_random_json_only_ever_raises_wire_error(document: object) -> None:
    """Any JSON value (NaN and infinities written as Python writes them) is refused cleanly."""
    _decode_or_refuse(json.dumps(document))


@settings(derandomize=True, max_examples=500)
@given(
    st.sampled_from(COMMAND_EXAMPLES + RESULT_EXAMPLES),
    st.sampled_from(["data", "field", "item"]),
    st.integers(min_value=0, max_value=100),
    JSON,
)
def test_random_fields_only_ever_raise_wire_error(
    message: object, where: str, index: int, value: object
) -> None:
    """A real message with one field (or the whole data, or a list item) replaced by random JSON."""
    document = _document(message)
    data = document["data"]
    if where == "data" or not data:
        document["data"] = value
    else:
        name = sorted(data)[index % len(data)]
        if where == "item" and isinstance(data[name], list) and data[name]:
            data[name][0] = value
        else:
            data[name] = value
    _decode_or_refuse(json.dumps(document))
