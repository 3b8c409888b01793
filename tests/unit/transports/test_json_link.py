"""What a JsonLink tells its wiretap: the frames its session read or built come described.

The message log then never parses them again; the frames the session refused or dropped,
and answers that are CALLERRORs, come bare and are described by `describe_json_frame`.
Every description the link gives must agree with what the describer reads in the frame.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ampyre.action_tables import Side, action_tables
from ampyre.domain.message_log import Direction, FrameInfo, FrameKind
from ampyre.messages.v16 import types as m16
from ampyre.protocol import json_framing as framing
from ampyre.protocol.errors import NotSupported
from ampyre.protocol.json_session import JsonSession
from ampyre.protocol.versions import OcppVersion
from ampyre.transports.frame_info import describe_json_frame
from ampyre.transports.json_link import JsonLink
from ampyre.transports.links import CallRejected, StationLink

TABLES = action_tables(Side.CSMS)


class _Link(JsonLink):
    """A link whose transport keeps the frames it sends."""

    def __init__(self, tap: _Tap) -> None:
        session = JsonSession(TABLES[OcppVersion.V16])
        super().__init__("CS-1", OcppVersion.V16, session, 10.0, tap)
        self.sent: asyncio.Queue[bytes] = asyncio.Queue()

    async def _send(self, frame: bytes) -> None:
        self.sent.put_nowait(frame)

    async def close(self, reason: str, code: int = 1000) -> None:
        self._closed = True


class _Handler:
    """Accepts DataTransfer, refuses vendor "no" with NotSupported."""

    async def connected(self, link: StationLink) -> None:
        pass

    async def handle_call(self, link: StationLink, action: str, payload: Any) -> Any:
        if payload.vendorId == "no":
            raise NotSupported("not this vendor")
        return m16.DataTransferResponse(status=m16.DataTransferStatus.Accepted)

    async def disconnected(self, link: StationLink) -> None:
        pass

    def relaxed(self, link: StationLink, notes: tuple[str, ...]) -> None:
        pass


class _Tap:
    def __init__(self) -> None:
        self.frames: list[tuple[Direction, str, FrameInfo | None]] = []

    def frame(
        self,
        station_id: str,
        direction: Direction,
        data: str | bytes,
        info: FrameInfo | None = None,
    ) -> None:
        text = data if isinstance(data, str) else data.decode()
        self.frames.append((direction, text, info))


@pytest.fixture
def tap() -> _Tap:
    return _Tap()


@pytest.fixture
def link(tap: _Tap) -> _Link:
    return _Link(tap)


def _agrees(text: str, info: FrameInfo) -> bool:
    """`info` says what the describer reads in `text` (answers also carry their CALL's action)."""
    described = describe_json_frame(text)
    if described.kind is not FrameKind.CALL:
        return described == FrameInfo(info.kind, info.message_id, None, info.error_code)
    return described == info


async def test_a_call_received_and_its_result_are_described(link: _Link, tap: _Tap) -> None:
    await link.receive('[2,"m1","DataTransfer",{"vendorId":"v"}]', _Handler())

    assert [(d, info) for d, _, info in tap.frames] == [
        (Direction.IN, FrameInfo(FrameKind.CALL, "m1", "DataTransfer")),
        (Direction.OUT, FrameInfo(FrameKind.RESULT, "m1", "DataTransfer")),
    ]
    assert all(info is not None and _agrees(text, info) for _, text, info in tap.frames)


async def test_an_error_answer_is_left_to_the_describer(link: _Link, tap: _Tap) -> None:
    await link.receive('[2,"m2","DataTransfer",{"vendorId":"no"}]', _Handler())

    (_, _, call_info), (direction, text, answer_info) = tap.frames
    assert call_info == FrameInfo(FrameKind.CALL, "m2", "DataTransfer")
    assert (direction, answer_info) == (Direction.OUT, None)
    assert describe_json_frame(text) == FrameInfo(FrameKind.ERROR, "m2", error_code="NotSupported")


@pytest.mark.parametrize(
    ("frame", "described"),
    [
        ("not json", FrameInfo(FrameKind.INVALID)),
        ('[2,"m3","NoSuchAction",{}]', FrameInfo(FrameKind.CALL, "m3", "NoSuchAction")),
        ('[3,"late",{}]', FrameInfo(FrameKind.RESULT, "late")),
    ],
)
async def test_refused_and_dropped_frames_are_left_to_the_describer(
    link: _Link, tap: _Tap, frame: str, described: FrameInfo
) -> None:
    await link.receive(frame, _Handler())

    assert tap.frames[0] == (Direction.IN, frame, None)
    assert describe_json_frame(frame) == described
    # a refusal is answered with a CALLERROR, bare too
    assert all(info is None for _, _, info in tap.frames[1:])


async def test_our_call_and_the_station_answers_are_described(link: _Link, tap: _Tap) -> None:
    calling = asyncio.ensure_future(link.call("GetConfiguration", {}))
    sent = (await asyncio.wait_for(link.sent.get(), 10)).decode()
    message_id = describe_json_frame(sent).message_id
    await link.receive(f'[3,"{message_id}",{{"configurationKey":[]}}]', _Handler())
    await asyncio.wait_for(calling, 10)

    calling = asyncio.ensure_future(link.call("GetConfiguration", {}))
    sent = (await asyncio.wait_for(link.sent.get(), 10)).decode()
    second_id = describe_json_frame(sent).message_id
    await link.receive(f'[4,"{second_id}","NotSupported","no",{{}}]', _Handler())
    with pytest.raises(CallRejected):
        await asyncio.wait_for(calling, 10)

    assert [(d, info) for d, _, info in tap.frames] == [
        (Direction.OUT, FrameInfo(FrameKind.CALL, message_id, "GetConfiguration")),
        (Direction.IN, FrameInfo(FrameKind.RESULT, message_id, "GetConfiguration")),
        (Direction.OUT, FrameInfo(FrameKind.CALL, second_id, "GetConfiguration")),
        (
            Direction.IN,
            FrameInfo(FrameKind.ERROR, second_id, "GetConfiguration", "NotSupported"),
        ),
    ]
    assert all(info is not None and _agrees(text, info) for _, text, info in tap.frames)


def test_results_are_told_from_errors_by_how_the_encoder_starts_them() -> None:
    """`answered` relies on CALLRESULTs starting with `[3,` as json_framing writes them."""
    assert framing.encode_result("id", {}).startswith(b"[3,")
    assert not framing.encode_error("id", NotSupported("x"), OcppVersion.V16).startswith(b"[3,")
