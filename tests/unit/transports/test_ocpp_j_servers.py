"""Both OCPP-J servers (websockets, picows) over a real socket, with a recording handler.

What the layers above rely on: one station's messages handled one at a time and in order,
fragmented messages, size limits, refusals, goodbyes, our CALLs, keepalive, the wiretap.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import pytest
from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from ampyre.action_tables import Side, action_tables
from ampyre.domain.message_log import Direction, FrameInfo
from ampyre.leniency import STRICT_LENIENCY, Leniency
from ampyre.messages.v16 import types as m16
from ampyre.transports.links import (
    CallTimeout,
    LinkRegistry,
    StationLink,
    StationUnreachable,
)
from ampyre.transports.picows_server import PicowsServer
from ampyre.transports.websocket import OcppJServer

TABLES = action_tables(Side.CSMS)
LIMIT = 4096
SERVERS = {"websockets": OcppJServer, "picows": PicowsServer}


class Handler:
    """Answers DataTransfer with the data it got; records everything; may refuse."""

    def __init__(self) -> None:
        self.refuse: str | None = None
        self.seen: list[str | None] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.connected_ids: list[str] = []
        self.gone: asyncio.Queue[str] = asyncio.Queue()

    async def connected(self, link: StationLink) -> None:
        if self.refuse is not None:
            raise PermissionError(self.refuse)
        self.connected_ids.append(link.station_id)

    async def handle_call(self, link: StationLink, action: str, payload: Any) -> Any:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self.seen.append(payload.data)
            # the first messages take longest: any overtaking would show in the answers
            for _ in range(max(0, 10 - len(self.seen))):
                await asyncio.sleep(0)
            return m16.DataTransferResponse(
                status=m16.DataTransferStatus.Accepted, data=payload.data
            )
        finally:
            self.in_flight -= 1

    async def disconnected(self, link: StationLink) -> None:
        self.gone.put_nowait(link.station_id)

    def relaxed(self, link: StationLink, notes: tuple[str, ...]) -> None:
        pass


class Tap:
    def __init__(self) -> None:
        self.frames: list[tuple[str, Direction, bytes]] = []

    def frame(
        self,
        station_id: str,
        direction: Direction,
        data: str | bytes,
        info: FrameInfo | None = None,
    ) -> None:
        self.frames.append(
            (station_id, direction, data.encode() if isinstance(data, str) else data)
        )


Server = OcppJServer | PicowsServer


@pytest.fixture(params=list(SERVERS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def handler() -> Handler:
    return Handler()


@pytest.fixture
def tap() -> Tap:
    return Tap()


StartServer = Callable[..., contextlib.AbstractAsyncContextManager[Server]]


@pytest.fixture
def start(kind: str, handler: Handler, tap: Tap) -> StartServer:
    @contextlib.asynccontextmanager
    async def run(
        ping_interval: float | None = None,
        ping_timeout: float | None = None,
        admit: Callable[[str], Leniency] = lambda station_id: STRICT_LENIENCY,
    ) -> AsyncIterator[Server]:
        server = SERVERS[kind](
            host="127.0.0.1",
            port=0,
            path="/ocpp",
            tables=TABLES,
            handler=handler,
            admit=admit,
            max_frame_bytes=LIMIT,
            call_timeout=5.0,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            links=LinkRegistry(tap),
        )
        await server.start()
        try:
            yield server
        finally:
            await server.stop()

    return run


def station(server: Server, station_id: str) -> Any:
    """A raw station: `async with station(...) as ws` or `ws = await station(...)`."""
    url = f"ws://127.0.0.1:{server.bound_port}/ocpp/{station_id}"
    return connect(url, subprotocols=["ocpp1.6"], max_size=None)  # type: ignore[list-item]


def data_transfer(message_id: str, data: str) -> str:
    return msgspec.json.encode(
        [2, message_id, "DataTransfer", {"vendorId": "V", "data": data}]
    ).decode()


async def answer(ws: ClientConnection) -> list[Any]:
    return list(msgspec.json.decode(await asyncio.wait_for(ws.recv(), 10)))


async def closed_code(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 10)
    return closed.value.rcvd.code if closed.value.rcvd is not None else None


async def test_a_stations_messages_are_handled_one_at_a_time_in_order(
    start: StartServer, handler: Handler
) -> None:
    async with start() as server, station(server, "CS-ORDER") as ws:
        for i in range(10):
            await ws.send(data_transfer(f"m{i}", str(i)))
        answers = [await answer(ws) for _ in range(10)]
    assert [a[1] for a in answers] == [f"m{i}" for i in range(10)]
    assert [a[2]["data"] for a in answers] == [str(i) for i in range(10)]
    assert handler.seen == [str(i) for i in range(10)]
    assert handler.most_in_flight == 1


async def test_a_fragmented_message_is_one_message(start: StartServer) -> None:
    async with start() as server, station(server, "CS-FRAG") as ws:
        text = data_transfer("f1", "x" * 3000)
        await ws.send([text[:10], text[10:1500], text[1500:]])
        assert (await answer(ws))[:2] == [3, "f1"]
        # a fragmented message over the OCPP limit is answered like a whole one
        big = data_transfer("f2", "y" * LIMIT)
        await ws.send([big[:LIMIT], big[LIMIT:]])
        refused = await answer(ws)
        assert refused[2] == "FormationViolation" and "over the limit" in refused[3]


async def test_a_message_far_over_the_limit_closes_1009_even_in_fragments(
    start: StartServer, handler: Handler
) -> None:
    async with start() as server:
        async with station(server, "CS-HUGE-1") as ws:
            await ws.send("[" + " " * (LIMIT * 5) + "]")
            assert await closed_code(ws) == 1009
        async with station(server, "CS-HUGE-2") as ws:
            await ws.send(["[", *([" " * LIMIT] * 5), "]"])
            assert await closed_code(ws) == 1009
        for _ in range(2):
            await asyncio.wait_for(handler.gone.get(), 10)


async def test_text_that_is_not_utf8_closes_1007(start: StartServer) -> None:
    async with start() as server, station(server, "CS-UTF8") as ws:
        await ws.send(b'[2, "u", "Heartbeat", {"\xff": 1}]', text=True)
        assert await closed_code(ws) == 1007


async def test_a_refused_station_is_closed_1008_with_the_reason(
    start: StartServer, handler: Handler
) -> None:
    handler.refuse = "not today"
    async with start() as server, station(server, "CS-NO") as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "not today")
        assert "CS-NO" not in server.links
    assert handler.gone.empty()  # it never connected, so it never disconnects


async def test_goodbye_after_the_station_closes_and_frames_are_tapped(
    start: StartServer, handler: Handler, tap: Tap
) -> None:
    async with start() as server:
        async with station(server, "CS-BYE") as ws:
            await ws.send(data_transfer("t1", "hello"))
            await answer(ws)
            assert "CS-BYE" in server.links and server.links["CS-BYE"].open
        assert await asyncio.wait_for(handler.gone.get(), 10) == "CS-BYE"
        assert "CS-BYE" not in server.links
    assert [(s, d) for s, d, _ in tap.frames] == [
        ("CS-BYE", Direction.IN),
        ("CS-BYE", Direction.OUT),
    ]
    assert b'"hello"' in tap.frames[0][2] and tap.frames[1][2].startswith(b'[3,"t1"')


async def test_our_calls_get_answers_timeouts_and_disconnects(start: StartServer) -> None:
    async with start() as server, station(server, "CS-CALL") as ws:
        await ws.send(data_transfer("c0", "x"))
        await answer(ws)  # the station is connected and served
        link = server.links["CS-CALL"]

        async def station_answers() -> None:
            call = await answer(ws)
            assert call[:3] == [2, call[1], "GetConfiguration"]
            await ws.send(msgspec.json.encode([3, call[1], {"unknownKey": ["Nope"]}]).decode())

        answered, _ = await asyncio.gather(
            link.call("GetConfiguration", {"key": ["Nope"]}), station_answers()
        )
        assert answered.unknownKey == ["Nope"]
        with pytest.raises(CallTimeout):
            await link.call("GetConfiguration", {}, timeout=0.2)
        await answer(ws)  # the unanswered CALL
        waiting = asyncio.ensure_future(link.call("GetConfiguration", {}))
        await answer(ws)
        await ws.close()
        with pytest.raises(StationUnreachable):
            await asyncio.wait_for(waiting, 10)
        with pytest.raises(StationUnreachable):
            await link.call("GetConfiguration", {})


class Deaf(WSListener):
    """A station that never answers pings (a dead NAT path, as far as the server can tell)."""

    def __init__(self) -> None:
        self.close_code: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.CLOSE and not self.close_code.done():
            self.close_code.set_result(frame.get_close_code().value)
            transport.send_close(frame.get_close_code())
            transport.disconnect()


async def deaf_station(server: Server, station_id: str) -> tuple[WSTransport, Deaf]:
    transport, listener = await ws_connect(
        Deaf,
        f"ws://127.0.0.1:{server.bound_port}/ocpp/{station_id}",
        enable_auto_pong=False,
        extra_headers={"Sec-WebSocket-Protocol": "ocpp1.6"},
    )
    assert isinstance(listener, Deaf)
    return transport, listener


async def test_a_station_that_never_answers_pings_is_closed_1011(
    start: StartServer, handler: Handler
) -> None:
    async with start(ping_interval=0.2, ping_timeout=0.3) as server:
        transport, deaf = await deaf_station(server, "CS-PING")
        try:
            assert await asyncio.wait_for(deaf.close_code, 10) == 1011
            assert await asyncio.wait_for(handler.gone.get(), 10) == "CS-PING"
        finally:
            transport.disconnect()


async def test_leniency_turns_pings_off_per_station(start: StartServer, handler: Handler) -> None:
    quiet = Leniency(ping=False)
    async with start(
        ping_interval=0.1,
        ping_timeout=0.1,
        admit=lambda sid: quiet if sid == "QUIET" else STRICT_LENIENCY,
    ) as server:
        quiet_end, _ = await deaf_station(server, "QUIET")
        loud_end, loud = await deaf_station(server, "LOUD")
        try:
            # the pinged station goes; the other, as deaf, stays
            assert await asyncio.wait_for(loud.close_code, 10) == 1011
            assert await asyncio.wait_for(handler.gone.get(), 10) == "LOUD"
            assert server.links["QUIET"].ping_interval is None
            assert server.links["QUIET"].open
        finally:
            quiet_end.disconnect()
            loud_end.disconnect()


async def test_stop_closes_every_connection_with_1001_and_says_goodbye(
    start: StartServer, handler: Handler
) -> None:
    async with start() as server:
        ws = await station(server, "CS-STOP")
        await ws.send(data_transfer("s1", "x"))
        await answer(ws)
    assert await closed_code(ws) == 1001
    assert await asyncio.wait_for(handler.gone.get(), 1) == "CS-STOP"
