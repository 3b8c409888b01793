"""OCPP-J over WebSocket (websockets library): handshake checks, one read loop per station.

Everything protocol-shaped happens in `protocol.json_session`; this module only moves bytes,
keeps the table of live links, and turns peer faults into clean answers or closes.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.typing import Subprotocol

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
from ampyre.transports.links import InboundHandler, LinkRegistry, Wiretap

log = logging.getLogger("ampyre.transport")

__all__ = ["HARD_LIMIT_FACTOR", "OcppJServer", "WebSocketLink"]


class WebSocketLink(JsonLink):
    """One station's connection on a `websockets` server connection."""

    def __init__(
        self,
        ws: ServerConnection,
        station_id: str,
        version: OcppVersion,
        session: JsonSession,
        call_timeout: float,
        tap: Wiretap | None = None,
    ) -> None:
        super().__init__(station_id, version, session, call_timeout, tap)
        self.ws = ws

    @property
    def ping_interval(self) -> float | None:
        return self.ws.ping_interval

    @property
    def remote_address(self) -> Any:
        return self.ws.remote_address

    @property
    def open(self) -> bool:
        return self.ws.state is State.OPEN

    async def _send(self, frame: bytes) -> None:
        try:
            await self.ws.send(frame, text=True)
        except ConnectionClosed:
            raise LinkClosed from None

    async def close(self, reason: str, code: int = 1000) -> None:
        self._closed = True
        await self.ws.close(code, reason[:120])


class OcppJServer:
    """The OCPP-J endpoint on `websockets`: ws://HOST:PORT{path}/{stationId}."""

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
        self._admitted: weakref.WeakKeyDictionary[ServerConnection, Admitted] = (
            weakref.WeakKeyDictionary()
        )
        self._server: Server | None = None
        self._closing: set[asyncio.Task[None]] = set()

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
            backlog=LISTEN_BACKLOG,
            reuse_port=self.reuse_port or None,
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close(close_connections=True)
            await self._server.wait_closed()
        await asyncio.gather(*self._closing, return_exceptions=True)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        decision = self.handshake.decide(
            request.path,
            request.headers.get("Connection", ""),
            offered_subprotocols(request.headers.get_all("Sec-WebSocket-Protocol")),
        )
        if not isinstance(decision, Admitted):
            return connection.respond(decision.status, decision.body)
        if not decision.leniency.ping:
            connection.ping_interval = None
        self._admitted[connection] = decision
        return None

    def _select_subprotocol(
        self, connection: ServerConnection, subprotocols: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        admitted = self._admitted.get(connection)
        if admitted is None or admitted.subprotocol is None:
            return None
        return Subprotocol(admitted.subprotocol)

    async def _serve(self, ws: ServerConnection) -> None:
        admitted = self._admitted.pop(ws)
        station_id, version = admitted.station_id, admitted.version
        session = JsonSession(
            self.tables[version],
            max_frame_bytes=self.max_frame_bytes,
            relaxation=admitted.leniency.relaxation,
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
        except (ConnectionClosed, LinkClosed):
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
