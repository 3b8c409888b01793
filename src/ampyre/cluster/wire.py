"""The messages between the primary and its workers, framed on a byte stream.

A frame is a 4-byte big-endian length and a msgpack body (a tagged msgspec struct). The OCPP
payloads of calls and answers ride inside as the JSON bytes the station sends or receives.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from datetime import datetime
from typing import Any

import msgspec

#: a frame larger than this is a bug on the other side: the channel closes
MAX_FRAME = 64 * 1024 * 1024
_LENGTH = struct.Struct(">I")


class Hello(msgspec.Struct, tag="hello"):
    """Worker → primary, first frame: who is on this channel."""

    worker: int
    pid: int


class Ready(msgspec.Struct, tag="ready"):
    """Worker → primary: the worker listens for stations."""


class Claim(msgspec.Struct, tag="claim"):
    """Worker → primary: a station connected here; answered by Granted before it is served."""

    ref: int
    station_id: str
    version: str


class Granted(msgspec.Struct, tag="granted"):
    ref: int


class Release(msgspec.Struct, tag="release"):
    """Worker → primary: the station's connection here ended.

    `record`: the disconnect is recorded (false when the station was refused on connecting).
    """

    station_id: str
    record: bool = True


class Published(msgspec.Struct, tag="event"):
    """Worker → primary: a domain event, for the primary's event bus."""

    kind: str
    station_id: str
    at: datetime
    data: dict[str, Any]


class Observed(msgspec.Struct, tag="observed"):
    """Worker → primary: what the worker's metrics would have counted since the last one.

    messages: (action, direction, kind, error code, answer ms) per frame; commits: seconds.
    """

    messages: list[tuple[str | None, str, str, str | None, float | None]]
    commits: list[float]
    #: the worker's message log totals so far: frames written, dropped, failed
    message_log: tuple[int, int, int] = (0, 0, 0)


class Call(msgspec.Struct, tag="call"):
    """Primary → worker: send this CALL to the station and answer with `Answer(ref)`."""

    ref: int
    station_id: str
    action: str
    payload: bytes
    timeout: float


class Failure(msgspec.Struct):
    """Why a call failed: unreachable, timeout, invalid (nothing sent) or rejected (CALLERROR)."""

    reason: str
    message: str
    #: for `rejected`: the CALLERROR as received
    message_id: str = ""
    code: str | None = None
    wire_code: str = ""
    description: str = ""
    details: Any = None


class Answer(msgspec.Struct, tag="answer"):
    """Worker → primary: the station's answer (JSON bytes) or why there is none."""

    ref: int
    payload: bytes | None = None
    failure: Failure | None = None


class Drop(msgspec.Struct, tag="drop"):
    """Primary → worker: close your connection of this station (it is held elsewhere now)."""

    station_id: str
    reason: str
    #: close it only if this claim still holds it there (None: whichever connection it is)
    claim: int | None = None


Message = Hello | Ready | Claim | Granted | Release | Published | Observed | Call | Answer | Drop

_encoder = msgspec.msgpack.Encoder()
_decoder: msgspec.msgpack.Decoder[Message] = msgspec.msgpack.Decoder(Message)


class ChannelClosed(Exception):
    """The other end went away (or sent something that is not a frame)."""


class Channel:
    """One end of a framed stream. `send` never blocks: frames queue in the transport."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    def send(self, message: Message) -> None:
        if self._writer.is_closing():
            return
        body = _encoder.encode(message)
        self._writer.write(_LENGTH.pack(len(body)) + body)

    async def receive(self) -> Message:
        """The next message; raises ChannelClosed at the end of the stream or on garbage."""
        try:
            head = await self._reader.readexactly(_LENGTH.size)
            (size,) = _LENGTH.unpack(head)
            if size > MAX_FRAME:
                raise ChannelClosed(f"frame of {size} bytes")
            return _decoder.decode(await self._reader.readexactly(size))
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            raise ChannelClosed(str(exc) or "closed") from None
        except msgspec.DecodeError as exc:
            raise ChannelClosed(f"undecodable frame: {exc}") from None

    async def drain(self) -> None:
        await self._writer.drain()

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()
