"""Messages survive the framing in both directions; garbage is refused, not allocated."""

from __future__ import annotations

import asyncio
import pickle
import socket
import threading

import pytest

from custom_components.openeye.pipeline.gallery import KnownFaces
from custom_components.openeye.pipeline.messages import (
    AddCamera,
    FaceRecognized,
    ImageAnalysis,
    SetGallery,
    SourceStatus,
    SourceStatusChanged,
    StillFace,
    Stop,
)
from custom_components.openeye.pipeline.protocol import (
    HEADER,
    MAX_MESSAGE_SIZE,
    ProtocolError,
    encode,
    read_message,
    receive_message,
    send_message,
    write_message,
)
from custom_components.openeye.pipeline.settings import SourceSettings

MESSAGES = [
    Stop(),
    AddCamera("cam", "rtsp://127.0.0.1/x", SourceSettings(read_timeout=2.0, loop=True)),
    SetGallery(KnownFaces.from_arrays([("p1", "Ada", [[0.1] * 128, [0.2] * 128])])),
    SourceStatusChanged("cam", 1.5, 1700000000.0, SourceStatus.FAILED, "gone", 30.0),
    FaceRecognized("cam", 2.0, 1.0, 7, "p1", "Ada", 0.3, 0.35, 0.75, (1, 2, 3, 4), b"\xff\xd8"),
    ImageAnalysis(3, 640, 480, (StillFace((1, 2, 3, 4), (0.5,) * 128, b"jpeg", "p1", "Ada"),)),
]


def _same(a: object, b: object) -> bool:
    """Compare messages, the gallery by its people (its matrix is not part of equality)."""
    if isinstance(a, SetGallery) and isinstance(b, SetGallery):
        return a.known == b.known and (a.known.matrix == b.known.matrix).all()
    return a == b


def test_blocking_round_trip() -> None:
    """Every kind of message comes out of a socketpair as it went in, then EOF is None."""
    left, right = socket.socketpair()
    with left, right:
        for message in MESSAGES:
            send_message(left, message)
        left.shutdown(socket.SHUT_WR)
        for message in MESSAGES:
            assert _same(receive_message(right), message)
        assert receive_message(right) is None


def test_large_message_crosses_a_small_socket_buffer() -> None:
    """A message far larger than the socket buffer arrives whole while a thread sends it."""
    left, right = socket.socketpair()
    data = bytes(range(256)) * 40_000  # 10 MB
    with left, right:
        sender = threading.Thread(target=send_message, args=(left, data))
        sender.start()
        assert receive_message(right) == data
        sender.join()


async def test_asyncio_reader_round_trip() -> None:
    """The owner's asyncio reader and writer speak the same framing as the worker's calls."""
    left, right = socket.socketpair()
    reader, writer = await asyncio.open_unix_connection(sock=left)
    try:
        sender = threading.Thread(target=lambda: [send_message(right, m) for m in MESSAGES])
        sender.start()
        for message in MESSAGES:
            assert _same(await read_message(reader), message)
        sender.join()
        write_message(writer, Stop())
        await writer.drain()
        assert receive_message(right) == Stop()
        right.close()
        assert await read_message(reader) is None
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.mark.parametrize("length", [MAX_MESSAGE_SIZE + 1, 0xFFFFFFFF])
def test_garbage_length_is_refused(length: int) -> None:
    """A length over the limit raises before any payload is read or allocated."""
    left, right = socket.socketpair()
    with left, right:
        left.sendall(HEADER.pack(length) + b"x" * 10)
        with pytest.raises(ProtocolError, match="over the limit"):
            receive_message(right)


async def test_garbage_length_is_refused_by_the_asyncio_reader() -> None:
    """The owner refuses a garbage length as well."""
    reader = asyncio.StreamReader()
    reader.feed_data(b"\xff\xff\xff\xff rubbish")
    with pytest.raises(ProtocolError, match="over the limit"):
        await read_message(reader)


async def test_cut_or_corrupt_streams_are_protocol_errors() -> None:
    """A stream cut inside a header or a payload, or a payload that is not a pickle, is refused."""
    cut_header = asyncio.StreamReader()
    cut_header.feed_data(b"\x00\x00")
    cut_header.feed_eof()
    with pytest.raises(ProtocolError, match="length"):
        await read_message(cut_header)

    cut_payload = asyncio.StreamReader()
    cut_payload.feed_data(encode(Stop())[:-2])
    cut_payload.feed_eof()
    with pytest.raises(ProtocolError, match="bytes into a message"):
        await read_message(cut_payload)

    not_pickle = asyncio.StreamReader()
    not_pickle.feed_data(HEADER.pack(5) + b"hello")
    with pytest.raises(ProtocolError, match="unpickled"):
        await read_message(not_pickle)

    left, right = socket.socketpair()
    with left, right:
        left.sendall(encode(Stop())[:-1])
        left.shutdown(socket.SHUT_WR)
        with pytest.raises(ProtocolError, match="bytes into a message"):
            receive_message(right)


def test_message_over_the_limit_is_not_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sender refuses to frame a message that the receiver would refuse."""
    monkeypatch.setattr("custom_components.openeye.pipeline.protocol.MAX_MESSAGE_SIZE", 100)
    assert len(pickle.dumps(b"x" * 200)) > 100
    with pytest.raises(ProtocolError, match="over the limit"):
        encode(b"x" * 200)
