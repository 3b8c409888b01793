"""OCPP-J over WebSocket (websockets library): handshake checks, one read loop per station.

Everything protocol-shaped happens in `protocol.json_session`; this module only moves bytes,
keeps the table of live links, and turns peer faults into clean answers or closes.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ampyre.domain.message_log import Direction
from ampyre.leniency import Leniency
from ampyre.protocol.errors import InternalError, OcppError
from ampyre.protocol.json_session import (
    ActionTable,
    CallReceived,
    Dropped,
    ErrorReceived,
    InvalidResult,
    JsonSession,
    Reply,
    ResultReceived,
)
from ampyre.protocol.rpc import CallError
from ampyre.protocol.validation import Relaxation
from ampyre.protocol.versions import OcppVersion
from ampyre.transports.links import (
    CallRejected,
    CallTimeout,
    InboundHandler,
    LinkRegistry,
    StationUnreachable,
    Wiretap,
)
from ampyre.transports.station_id import BadStationId, station_id_from_path

log = logging.getLogger("ampyre.transport")

#: frames this many times over the OCPP limit are not even read: the connection closes (1009)
HARD_LIMIT_FACTOR = 4


class WebSocketLink:
    """One station's connection: read loop, answers, and our one-at-a-time CALLs."""

    def __init__(
        self,
        ws: ServerConnection,
        station_id: str,
        version: OcppVersion,
        session: JsonSession,
        call_timeout: float,
        tap: Wiretap | None = None,
    ) -> None:
        self.ws = ws
        self._tap = tap
        self.station_id = station_id
        self.version = version
        self.session = session
        self.state: Any = None
        self._call_timeout = call_timeout
        self._call_lock = asyncio.Lock()
        self._waiter: tuple[str, asyncio.Future[Any]] | None = None
        self._closed = False

    async def call(self, action: str, payload: Any, timeout: float | None = None) -> Any:
        loop = asyncio.get_running_loop()
        wait = self._call_timeout if timeout is None else timeout
        async with self._call_lock:
            if self._closed:
                raise StationUnreachable(f"{self.station_id} is not connected")
            pending, frame = self.session.call(action, payload, loop.time() + wait)
            future: asyncio.Future[Any] = loop.create_future()
            self._waiter = (pending.message_id, future)
            if self._tap is not None:
                self._tap.frame(self.station_id, Direction.OUT, frame)
            try:
                await self.ws.send(frame, text=True)
                # asyncio.timeout, not wait_for: 3.11's wait_for loses a cancellation that
                # arrives together with the answer.
                async with asyncio.timeout(wait):
                    return await future
            except TimeoutError:
                self.session.expire(pending.deadline)
                raise CallTimeout(
                    f"{self.station_id} did not answer {action} within {wait:g} s"
                ) from None
            except ConnectionClosed:
                self.session.expire(pending.deadline)
                raise StationUnreachable(f"{self.station_id} disconnected") from None
            finally:
                self._waiter = None

    def _settle(self, message_id: str, result: Any = None, error: Exception | None = None) -> None:
        waiter = self._waiter
        if waiter is None or waiter[0] != message_id or waiter[1].done():
            return
        if error is not None:
            waiter[1].set_exception(error)
        else:
            waiter[1].set_result(result)

    async def close(self, reason: str, code: int = 1000) -> None:
        self._closed = True
        await self.ws.close(code, reason[:120])

    def relax(self, relaxation: Relaxation) -> None:
        self.session.relaxation = relaxation

    def closed(self) -> None:
        self._closed = True
        if self._waiter is not None and not self._waiter[1].done():
            self._waiter[1].set_exception(
                StationUnreachable(f"{self.station_id} disconnected before answering")
            )

    async def receive(self, message: str | bytes, handler: InboundHandler) -> None:
        if self._tap is not None:
            self._tap.frame(self.station_id, Direction.IN, message)
        event = self.session.receive(message)
        if isinstance(event, CallReceived):
            if event.relaxed:
                handler.relaxed(self, event.relaxed)
            try:
                response = await handler.handle_call(self, event.action, event.payload)
                frame = self.session.answer(event.message_id, event.action, response)
            except OcppError as exc:
                frame = self.session.answer_error(event.message_id, exc)
            except Exception:
                log.exception("%s: %s failed", self.station_id, event.action)
                frame = self.session.answer_error(
                    event.message_id, InternalError(f"{event.action} could not be processed")
                )
            if self._tap is not None:
                self._tap.frame(self.station_id, Direction.OUT, frame)
            await self.ws.send(frame, text=True)
        elif isinstance(event, ResultReceived):
            self._settle(event.message_id, event.payload)
        elif isinstance(event, ErrorReceived):
            self._settle(event.message_id, error=CallRejected(event.error))
        elif isinstance(event, InvalidResult):
            error = CallError(
                event.message_id,
                event.error.code,
                event.error.code.spell(self.version),
                f"invalid {event.action} answer: {event.error.description}",
                {},
            )
            self._settle(event.message_id, error=CallRejected(error))
        elif isinstance(event, Reply):
            log.warning(
                "%s: refused a frame: %s %s",
                self.station_id,
                event.error.code.spell(self.version),
                event.error.description,
            )
            if self._tap is not None:
                self._tap.frame(self.station_id, Direction.OUT, event.frame)
            await self.ws.send(event.frame, text=True)
        elif isinstance(event, Dropped):
            log.info("%s: dropped %s", self.station_id, event.reason)


class OcppJServer:
    """The OCPP-J endpoint: ws://HOST:PORT{path}/{stationId}."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        path: str,
        tables: Mapping[OcppVersion, ActionTable],
        handler: InboundHandler,
        admit: Callable[[str], Awaitable[Leniency]],
        max_frame_bytes: int,
        call_timeout: float,
        ping_interval: float | None,
        ping_timeout: float | None,
        links: LinkRegistry | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.path = path
        self.tables = tables
        self.handler = handler
        self._admit = admit
        self.max_frame_bytes = max_frame_bytes
        self.call_timeout = call_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.links = links if links is not None else LinkRegistry()
        self._admitted: weakref.WeakKeyDictionary[
            ServerConnection, tuple[str, OcppVersion, Leniency]
        ] = weakref.WeakKeyDictionary()
        self._server: Server | None = None
        self._closing: set[asyncio.Task[None]] = set()
        #: preference order when a station offers several versions we speak
        self._preference = [v for v in (OcppVersion.V201, OcppVersion.V16) if v in tables]

    @property
    def bound_port(self) -> int:
        assert self._server is not None
        sockets = list(self._server.sockets)
        return int(sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await serve(
            self._serve,
            self.host,
            self.port,
            process_request=self._process_request,
            select_subprotocol=self._select_subprotocol,
            max_size=self.max_frame_bytes * HARD_LIMIT_FACTOR,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            compression=None,
            server_header="Ampyre",
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close(close_connections=True)
            await self._server.wait_closed()
        await asyncio.gather(*self._closing, return_exceptions=True)

    def _offered(self, headers: Headers) -> list[str]:
        return [
            name.strip()
            for value in headers.get_all("Sec-WebSocket-Protocol")
            for name in value.split(",")
            if name.strip()
        ]

    def _pick(self, offered: list[str]) -> OcppVersion | None:
        for name in offered:
            version = OcppVersion.from_subprotocol(name)
            if version is not None and version in self.tables:
                return version
        return None

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        try:
            station_id = station_id_from_path(request.path, self.path)
        except BadStationId as exc:
            log.warning("refused connection to %r: %s", request.path[:100], exc)
            return connection.respond(HTTPStatus.BAD_REQUEST, f"{exc}\n")
        if "upgrade" not in request.headers.get("Connection", "").lower():
            return connection.respond(HTTPStatus.UPGRADE_REQUIRED, "OCPP-J needs a WebSocket\n")
        leniency = await self._admit(station_id)
        offered = self._offered(request.headers)
        version = self._pick(offered)
        if version is None and not offered and leniency.default_version in self.tables:
            version = leniency.default_version
            log.warning(
                "%s: no subprotocol offered, assuming OCPP %s (leniency)", station_id, version
            )
        if version is None:
            speak = ", ".join(v.subprotocol for v in self._preference)
            reason = (
                f"offered subprotocols {', '.join(offered)} are not spoken here"
                if offered
                else "no OCPP subprotocol offered"
            )
            log.warning("%s: refused: %s (we speak %s)", station_id, reason, speak)
            return connection.respond(HTTPStatus.BAD_REQUEST, f"{reason}; offer one of: {speak}\n")
        if not leniency.ping:
            connection.ping_interval = None
        self._admitted[connection] = (station_id, version, leniency)
        return None

    def _select_subprotocol(
        self, connection: ServerConnection, subprotocols: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        admitted = self._admitted.get(connection)
        if admitted is None:
            return None
        version = admitted[1]
        name = Subprotocol(version.subprotocol)
        return name if name in subprotocols else None

    async def _serve(self, ws: ServerConnection) -> None:
        station_id, version, leniency = self._admitted.pop(ws)
        session = JsonSession(
            self.tables[version],
            max_frame_bytes=self.max_frame_bytes,
            relaxation=leniency.relaxation,
        )
        link = WebSocketLink(ws, station_id, version, session, self.call_timeout, self.links.tap)
        old = self.links.put(link)
        if old is not None:
            # Stations reconnect because the old connection died silently, so nobody may
            # answer its closing handshake: close it in the background, serve the new one now.
            log.warning("%s: reconnected; closing its previous connection", station_id)
            closing = asyncio.create_task(
                old.close("replaced by a new connection from the same station")
            )
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
        try:
            await self.handler.connected(link)
        except Exception as exc:
            log.warning("%s: refused after connecting: %s", station_id, exc)
            self.links.remove(link)
            await link.close(str(exc) or "refused", code=1008)
            return
        log.info("%s: connected with OCPP %s from %s", station_id, version, ws.remote_address)
        try:
            async for message in ws:
                await link.receive(message, self.handler)
        except ConnectionClosed:
            pass
        finally:
            link.closed()
            if self.links.remove(link):
                await self.handler.disconnected(link)
            log.info(
                "%s: disconnected (code %s %s)",
                station_id,
                ws.close_code,
                ws.close_reason or "",
            )
