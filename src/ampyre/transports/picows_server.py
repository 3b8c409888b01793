"""OCPP-J over WebSocket on picows (Cython): the same behaviour as `websocket.py`, less work.

picows hands us frames in plain callbacks, not messages to await. So the link (which is
also picows's listener) assembles fragmented messages, queues each station's messages and
handles them in order in one task that exists only while the queue is not empty: an idle
station costs no task and no coroutine. The upgrade decision is `handshake.Handshake`,
synchronous like picows's listener factory. Keepalive pings come from one timer for all
links (`keepalive.Keepalive`), not a task or a timer per link.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable, Mapping
from typing import Any

from multidict import CIMultiDict
from picows import (
    WSCloseCode,
    WSFrame,
    WSListener,
    WSMsgType,
    WSTransport,
    WSUpgradeRequest,
    WSUpgradeResponse,
    WSUpgradeResponseWithListener,
    ws_create_server,
)

from ampyre.leniency import Leniency
from ampyre.protocol.json_session import ActionTable, JsonSession
from ampyre.protocol.versions import OcppVersion
from ampyre.transports.handshake import (
    HARD_LIMIT_FACTOR,
    LISTEN_BACKLOG,
    Admitted,
    Handshake,
    offered_subprotocols,
)
from ampyre.transports.json_link import JsonLink, LinkClosed
from ampyre.transports.keepalive import Keepalive
from ampyre.transports.links import InboundHandler, LinkRegistry

log = logging.getLogger("ampyre.transport")

#: seconds the peer has to answer our closing handshake before the socket is dropped
CLOSE_TIMEOUT = 10.0
#: seconds a client has to send its upgrade request
OPEN_TIMEOUT = 10.0
#: messages queued per station before its socket stops being read, and when reading resumes
QUEUE_HIGH = 16
QUEUE_LOW = 4
#: initial read buffer per connection (picows's default is 16 KB; OCPP frames are small and
#: the buffer grows when one is not)
READ_BUFFER = 2048

#: picows's own log (a connect and a disconnect line per station at INFO: we log those
#: ourselves, so it says only warnings unless configured otherwise)
_picows_logger = logging.getLogger("ampyre.transport.picows")
_PICOWS_LOG = logging.LoggerAdapter(_picows_logger, {})

_NO_HEADERS: CIMultiDict[str] = CIMultiDict()

_TEXT = WSMsgType.TEXT
_BINARY = WSMsgType.BINARY
_CONTINUATION = WSMsgType.CONTINUATION
_CLOSE = WSMsgType.CLOSE
_PONG = WSMsgType.PONG


class PicowsLink(JsonLink, WSListener):
    """One station's connection: picows's listener for it, and its `StationLink`."""

    def __init__(
        self,
        server: PicowsServer,
        admitted: Admitted,
        session: JsonSession,
        ping_interval: float | None,
    ) -> None:
        super().__init__(
            admitted.station_id,
            admitted.version,
            session,
            server.call_timeout,
            server.links.tap,
        )
        self._server = server
        self._transport: WSTransport | None = None
        #: seconds between our pings; None: no pings (settings or leniency)
        self.ping_interval = ping_interval
        #: messages waiting to be handled (None while there are none: an idle link keeps none)
        self._inbox: collections.deque[bytes] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._paused = False
        self._fragments: list[bytes] | None = None
        self._fragments_size = 0
        self._fragments_text = False
        self._writable: asyncio.Future[None] | None = None
        #: pings sent, and the number of the last one answered by a pong
        self._pings = 0
        self._ponged = 0
        self._opened = False
        self._disconnected = False
        self._gone = False

    # -- what the layers above see ---------------------------------------------------------

    @property
    def remote_address(self) -> Any:
        if self._transport is None:
            return None
        return self._transport.underlying_transport.get_extra_info("peername")

    @property
    def open(self) -> bool:
        transport = self._transport
        return (
            transport is not None
            and not transport.is_disconnected
            and not transport.is_close_frame_sent
        )

    async def _send(self, frame: bytes) -> None:
        transport = self._transport
        if transport is None or transport.is_disconnected or transport.is_close_frame_sent:
            raise LinkClosed
        transport.send(_TEXT, frame)
        if self._writable is not None:
            await self._writable

    async def close(self, reason: str, code: int = 1000) -> None:
        """Closing handshake: our CLOSE, then the peer's, or the socket dropped after a wait."""
        self._closed = True
        transport = self._transport
        if transport is None or transport.is_disconnected:
            return
        if not transport.is_close_frame_sent:
            transport.send_close(WSCloseCode(code), reason[:120].encode())
        loop = asyncio.get_running_loop()
        give_up = loop.call_later(CLOSE_TIMEOUT, transport.disconnect, False)
        try:
            await transport.wait_disconnected()
        finally:
            give_up.cancel()

    # -- picows callbacks ------------------------------------------------------------------

    def on_ws_connected(self, transport: WSTransport) -> None:
        self._transport = transport
        # picows keeps the upgrade request and response as long as the connection: their
        # headers (~1 KB) serve nobody after the handshake
        transport.request.headers = transport.response.headers = _NO_HEADERS
        self._server._connected(self)
        if self.ping_interval is not None and self._server.keepalive is not None:
            self._server.keepalive.add(self)
        self._kick()

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is _TEXT or kind is _BINARY:
            if self._fragments is not None:
                self._fail(WSCloseCode.PROTOCOL_ERROR, "expected a continuation frame")
            elif frame.fin:
                data = frame.get_payload_as_bytes()
                if kind is _TEXT and not _is_utf8(data):
                    self._fail(WSCloseCode.INVALID_TEXT, "invalid UTF-8 text")
                else:
                    self._queue(data)
            else:
                self._fragments = [frame.get_payload_as_bytes()]
                self._fragments_size = frame.payload_size
                self._fragments_text = kind is _TEXT
        elif kind is _CONTINUATION:
            self._continue(frame)
        elif kind is _CLOSE:
            if not transport.is_close_frame_sent:
                # the peer closes: answer with its code (1000 when it gave none), then go
                code = frame.get_close_code() if frame.payload_size >= 2 else None
                if code is None:
                    transport.send_close(WSCloseCode.OK)
                else:
                    transport.send_close(code, frame.get_close_message())
            transport.disconnect()
        elif kind is _PONG:
            self._pong()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self._disconnected = True
        self.closed()
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._kick()

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        writable, self._writable = self._writable, None
        if writable is not None and not writable.done():
            writable.set_result(None)

    # -- messages in order -----------------------------------------------------------------

    def _continue(self, frame: WSFrame) -> None:
        fragments = self._fragments
        if fragments is None:
            self._fail(WSCloseCode.PROTOCOL_ERROR, "unexpected continuation frame")
            return
        self._fragments_size += frame.payload_size
        if self._fragments_size > self._server.max_frame_bytes * HARD_LIMIT_FACTOR:
            self._fragments = None
            self._fail(WSCloseCode.MESSAGE_TOO_BIG, "message too big")
            return
        fragments.append(frame.get_payload_as_bytes())
        if frame.fin:
            self._fragments = None
            data = b"".join(fragments)
            if self._fragments_text and not _is_utf8(data):
                self._fail(WSCloseCode.INVALID_TEXT, "invalid UTF-8 text")
            else:
                self._queue(data)

    def _queue(self, data: bytes) -> None:
        if self._closed:
            return
        inbox = self._inbox
        if inbox is None:
            inbox = self._inbox = collections.deque()
        inbox.append(data)
        if len(inbox) >= QUEUE_HIGH and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.underlying_transport.pause_reading()
        if self._worker is None:
            self._kick()

    def _kick(self) -> None:
        if self._worker is None and not self._gone:
            self._worker = asyncio.get_running_loop().create_task(self._work())

    async def _work(self) -> None:
        """Handle the queued messages in order; open the link first, say goodbye last."""
        try:
            if not self._opened:
                self._opened = True
                if not await self._server._open(self):
                    self._closed = True
            inbox = self._inbox
            handler = self._server.handler
            while inbox and not self._closed:
                data = inbox.popleft()
                if self._paused and len(inbox) <= QUEUE_LOW:
                    self._paused = False
                    if self._transport is not None and not self._transport.is_disconnected:
                        self._transport.underlying_transport.resume_reading()
                await self.receive(data, handler)
        except LinkClosed:
            pass
        except Exception:
            log.exception("%s: the connection's messages could not be handled", self.station_id)
            self._fail(WSCloseCode.INTERNAL_ERROR, "internal error")
        finally:
            self._worker = None
            self._inbox = None
        if self._disconnected and not self._gone:
            self._gone = True
            await self._server._gone(self)

    def _fail(self, code: WSCloseCode, reason: str) -> None:
        """A fault of the peer (or ours): close at once, without waiting for its answer."""
        self._closed = True
        transport = self._transport
        if transport is None:
            return
        log.warning("%s: closing: %s (%s)", self.station_id, reason, code.value)
        transport.send_close(code, reason.encode())
        transport.disconnect()

    # -- keepalive (driven by the server's `Keepalive`) ------------------------------------

    def keepalive_ping(self) -> int | None:
        transport = self._transport
        if transport is None or transport.is_disconnected or self._closed:
            return None
        transport.send_ping()
        self._pings += 1
        return self._pings

    def keepalive_answered(self, ping: int) -> bool:
        return self._ponged >= ping or self._disconnected

    def keepalive_expired(self) -> None:
        self._fail(WSCloseCode.INTERNAL_ERROR, "keepalive ping timeout")

    def _pong(self) -> None:
        self._ponged = self._pings


def _is_utf8(data: bytes) -> bool:
    if data.isascii():
        return True
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


class PicowsServer:
    """The OCPP-J endpoint on picows: ws://HOST:PORT{path}/{stationId}."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        path: str,
        tables: Mapping[OcppVersion, ActionTable],
        handler: InboundHandler,
        admit: Callable[[str], Leniency],
        max_frame_bytes: int,
        call_timeout: float,
        ping_interval: float | None,
        ping_timeout: float | None,
        links: LinkRegistry | None = None,
        reuse_port: bool = False,
    ) -> None:
        self.host = host
        #: SO_REUSEPORT: several processes listen on the port, the kernel spreads connections
        self.reuse_port = reuse_port
        self.port = port
        self.path = path
        self.tables = tables
        self.handler = handler
        self.handshake = Handshake(path, tables, admit)
        self.max_frame_bytes = max_frame_bytes
        self.call_timeout = call_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.links = links if links is not None else LinkRegistry()
        #: pings for every link that has them (None: ping off in the settings)
        self.keepalive = Keepalive(ping_interval, ping_timeout) if ping_interval else None
        self._server: asyncio.Server | None = None
        #: every connection past its upgrade, until its goodbye is done
        self._connections: set[PicowsLink] = set()
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def bound_port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        if _picows_logger.level == logging.NOTSET:
            _picows_logger.setLevel(logging.WARNING)
        self._server = await ws_create_server(
            self._upgrade,
            self.host,
            self.port,
            websocket_handshake_timeout=OPEN_TIMEOUT,
            max_frame_size=self.max_frame_bytes * HARD_LIMIT_FACTOR,
            read_buffer_init_size=READ_BUFFER,
            # not a Logger: picows would make a child Logger per connection (~0.3 KB each)
            logger_name=_PICOWS_LOG,
            backlog=LISTEN_BACKLOG,
            reuse_port=self.reuse_port or None,
            # uvloop's own transport: aiofastnet's costs ~5 KB more per connection
            use_aiofastnet=False,
        )

    async def stop(self) -> None:
        if self._server is None:
            return
        if self.keepalive is not None:
            self.keepalive.stop()
        self._server.close()
        links = list(self._connections)
        await asyncio.gather(
            *(link.close("server shutting down", 1001) for link in links),
            return_exceptions=True,
        )
        workers = [link._worker for link in links if link._worker is not None]
        await asyncio.gather(*workers, *self._closing, return_exceptions=True)
        await self._server.wait_closed()

    def _upgrade(self, request: WSUpgradeRequest) -> WSUpgradeResponseWithListener:
        headers = request.headers
        decision = self.handshake.decide(
            request.path.decode("latin-1"),
            headers.get("Connection", ""),
            offered_subprotocols(headers.getall("Sec-WebSocket-Protocol", [])),
        )
        if not isinstance(decision, Admitted):
            response = WSUpgradeResponse.create_error_response(
                decision.status, decision.body.encode()
            )
            return WSUpgradeResponseWithListener(response, None)
        session = JsonSession(
            self.tables[decision.version],
            max_frame_bytes=self.max_frame_bytes,
            relaxation=decision.leniency.relaxation,
        )
        ping = self.ping_interval if decision.leniency.ping else None
        extra = {"Server": "Ampyre"}
        if decision.subprotocol is not None:
            extra["Sec-WebSocket-Protocol"] = decision.subprotocol
        return WSUpgradeResponseWithListener(
            WSUpgradeResponse.create_101_response(extra_headers=extra),
            PicowsLink(self, decision, session, ping),
        )

    def _connected(self, link: PicowsLink) -> None:
        self._connections.add(link)
        old = self.links.put(link)
        if old is not None:
            # Stations reconnect because the old connection died silently, so nobody may
            # answer its closing handshake: close it in the background, serve the new one now.
            log.warning("%s: reconnected; closing its previous connection", link.station_id)
            closing = asyncio.get_running_loop().create_task(
                old.close("replaced by a new connection from the same station")
            )
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)

    async def _open(self, link: PicowsLink) -> bool:
        """The handler's welcome; False (and the connection closing, 1008) if it refuses."""
        try:
            await self.handler.connected(link)
        except Exception as exc:
            log.warning("%s: refused after connecting: %s", link.station_id, exc)
            self.links.remove(link)
            await link.close(str(exc) or "refused", code=1008)
            return False
        log.info(
            "%s: connected with OCPP %s from %s", link.station_id, link.version, link.remote_address
        )
        return True

    async def _gone(self, link: PicowsLink) -> None:
        try:
            if self.links.remove(link):
                await self.handler.disconnected(link)
        finally:
            self._connections.discard(link)
            transport = link._transport
            shake = transport.close_handshake if transport is not None else None
            info = shake.recv or shake.sent if shake is not None else None
            log.info(
                "%s: disconnected (code %s %s)",
                link.station_id,
                info.code.value if info is not None else 1006,
                info.reason if info is not None else "",
            )
