"""Framing of messages between a worker and its owner over a stream socket.

Each message is a pickle preceded by its length as 4 big-endian bytes. The
worker uses blocking calls on its end of a socketpair; the owner reads its end
with asyncio so that Home Assistant's event loop never waits on a worker.

Pickle is safe here only because both ends are the same program: the socket
is a private socketpair between a process and the worker it started, and
nothing else can write to it. A length above :data:`MAX_MESSAGE_SIZE` is
refused before anything is allocated, so a corrupt stream cannot exhaust memory.

This module is imported by the owner (Home Assistant), so it stays light: no
PyAV, no dlib. A worker imports it too, and needs no asyncio: that is imported
by the owner's functions only (20 ms of a worker's start otherwise).
"""

from __future__ import annotations

import pickle
import socket
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

# The largest message either side accepts: a still image to analyse is at most
# a few tens of megabytes, and every other message is far smaller.
MAX_MESSAGE_SIZE = 64 * 1024 * 1024
HEADER = struct.Struct(">I")

# Exit codes of a worker process, read by the pool.
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_ENGINE_FAILED = 3


class ProtocolError(Exception):
    """The byte stream does not hold a valid message (bad length, bad pickle, cut short)."""


def encode(message: object) -> bytes:
    """Return the framed bytes of a message: its length, then its pickle."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    if len(payload) > MAX_MESSAGE_SIZE:
        raise ProtocolError(
            f"a message of {len(payload)} bytes is over the limit of {MAX_MESSAGE_SIZE}"
        )
    return HEADER.pack(len(payload)) + payload


def decode_length(header: bytes) -> int:
    """Return the payload length from a header, or raise :class:`ProtocolError`."""
    (length,) = HEADER.unpack(header)
    if length > MAX_MESSAGE_SIZE:
        raise ProtocolError(f"a message length of {length} bytes is over the limit")
    return int(length)


def decode_payload(payload: bytes) -> object:
    """Return the message pickled in ``payload``, or raise :class:`ProtocolError`."""
    try:
        return pickle.loads(payload)  # noqa: S301 - a private socket to our own worker
    except Exception as err:  # pickle raises many kinds of errors for garbage
        raise ProtocolError(f"the message cannot be unpickled: {err!r}") from err


# Blocking side (the worker) -----------------------------------------------


def send_message(sock: socket.socket, message: object) -> None:
    """Send one message on a blocking socket (the caller serialises concurrent senders)."""
    sock.sendall(encode(message))


def _receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    """Return exactly ``size`` bytes, or None at end of stream before the first byte."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    received = 0
    while received < size:
        count = sock.recv_into(view[received:], size - received)
        if count == 0:
            if received == 0:
                return None
            raise ProtocolError(f"the stream ended {size - received} bytes into a message")
        received += count
    return bytes(buffer)


def receive_message(sock: socket.socket) -> object | None:
    """Receive one message from a blocking socket; None when the peer closed it cleanly."""
    header = _receive_exactly(sock, HEADER.size)
    if header is None:
        return None
    length = decode_length(header)
    payload = _receive_exactly(sock, length) if length else b""
    if payload is None:
        raise ProtocolError("the stream ended between a message's length and its content")
    return decode_payload(payload)


# Asyncio side (the owner) ---------------------------------------------------


async def read_message(reader: asyncio.StreamReader) -> object | None:
    """Read one message; None when the peer closed the stream cleanly between messages."""
    import asyncio  # noqa: PLC0415 - the owner's side only; a worker never imports it

    try:
        header = await reader.readexactly(HEADER.size)
    except asyncio.IncompleteReadError as err:
        if not err.partial:
            return None
        raise ProtocolError("the stream ended inside a message's length") from err
    length = decode_length(header)
    try:
        payload = await reader.readexactly(length)
    except asyncio.IncompleteReadError as err:
        raise ProtocolError(
            f"the stream ended {length - len(err.partial)} bytes into a message"
        ) from err
    return decode_payload(payload)


def write_message(writer: asyncio.StreamWriter, message: object) -> None:
    """Queue one message on an asyncio stream; it never blocks (await ``drain()`` to pace)."""
    writer.write(encode(message))
