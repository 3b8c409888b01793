"""A charge point's side of OCPP-S: our requests POSTed to the CSMS, and a small HTTP server
(uvicorn) where the CSMS calls our ChargePointService. Same surface as `JsonClient`, so
`SimulatedStation` runs a SOAP station with the same runtime and agents.

A 1.6 SOAP station is the 1.6 agent as it is. A 1.5 SOAP station is the 1.6 agent behind
`adapters.v15.bridge`: its requests go out in their 1.5 form, the CSMS's come in as 1.6, and
what 1.5 cannot say (a 1.6-only status notification) is not sent.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, MutableMapping
from typing import Any

import httpx

from ampyre.adapters.v15 import bridge
from ampyre.protocol.errors import OcppError
from ampyre.protocol.soap_codec import Kind, SoapCodec, action_header
from ampyre.protocol.soap_envelope import (
    CONTENT_TYPE,
    WSA_FAULT_ACTION,
    Addressing,
    answer_addressing,
    read_envelope,
    write_envelope,
    write_fault,
)
from ampyre.protocol.soap_fault import FaultCode, SoapFault, SubCode
from ampyre.protocol.soap_xml import parse
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.client import CallErrorReceived, CallHandler, _not_supported
from ampyre.soap_tables import CENTRAL_SYSTEM, CHARGE_POINT
from ampyre.transports.http import HttpServer
from ampyre.transports.links import CallRejected, CallTimeout, StationUnreachable
from ampyre.transports.soap_client import SoapClient, decompress
from ampyre.transports.soap_server import to_fault

log = logging.getLogger("ampyre.simulator")

MAX_BYTES = 1 << 20


class SoapStationClient:
    """`SoapStationClient(csms_url, "CP1", OcppVersion.V15, handler=...)`; `connect()` starts
    our ChargePointService on `listen_host:listen_port` (0: any free port)."""

    def __init__(
        self,
        url: str,
        station_id: str,
        version: OcppVersion,
        *,
        handler: CallHandler = _not_supported,
        call_timeout: float = 30.0,
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
    ) -> None:
        if version not in CENTRAL_SYSTEM:
            raise ValueError(f"OCPP {version} has no SOAP binding")
        self.url = url
        self.station_id = station_id
        self.version = version
        self.handler = handler
        self.call_timeout = call_timeout
        self.listen_host = listen_host
        self.listen_port = listen_port
        self.service = SoapCodec(CHARGE_POINT[version])
        self.bridged = version is OcppVersion.V15
        self.http: httpx.AsyncClient | None = None
        self.client: SoapClient | None = None
        self.server: HttpServer | None = None
        self._closed = asyncio.Event()
        self._lock = asyncio.Lock()
        self._after_answer: list[Callable[[], object]] = []
        #: the requests the CSMS sent us, as (action, payload in the agent's types)
        self.received: list[tuple[str, Any]] = []

    @property
    def address(self) -> str:
        """Where the CSMS reaches our ChargePointService (sent as WS-Addressing From)."""
        assert self.server is not None, "connect() first"
        return f"http://{self.listen_host}:{self.server.bound_port}/"

    async def connect(self) -> None:
        self.http = httpx.AsyncClient(trust_env=False)
        self.client = SoapClient(SoapCodec(CENTRAL_SYSTEM[self.version]), self.http, MAX_BYTES)
        self.server = HttpServer(_Asgi(self), self.listen_host, self.listen_port)
        try:
            await self.server.start()
        except OSError:
            await self.http.aclose()
            raise

    async def close(self, graceful: bool = False) -> None:
        if graceful:
            async with self._lock:
                pass
        self._closed.set()
        if self.server is not None:
            await self.server.stop()
            self.server = None
        if self.http is not None:
            await self.http.aclose()
            self.http = None

    async def wait_closed(self) -> None:
        await self._closed.wait()

    def after_answer(self, action: Callable[[], object]) -> None:
        self._after_answer.append(action)

    async def call(self, action: str, payload: Any, timeout: float | None = None) -> Any:
        """POST a request; the answer in the agent's (1.6) types."""
        if self.client is None or self._closed.is_set():
            raise ConnectionError("not connected")
        wire = payload
        if self.bridged:
            try:
                wire = bridge.to_v15(action, payload)
            except bridge.Inexpressible as exc:
                # e.g. a 1.6-only firmware status: a 1.5 station has nothing to send
                log.info("%s: not sent in OCPP 1.5: %s", self.station_id, exc)
                return _v16_response(action)()
        async with self._lock:
            try:
                answer = await self.client.call(
                    self.url,
                    self.station_id,
                    action,
                    wire,
                    self.call_timeout if timeout is None else timeout,
                    self.address,
                )
            except StationUnreachable as exc:
                self._closed.set()
                raise ConnectionError(str(exc)) from None
            except CallTimeout as exc:
                raise TimeoutError(str(exc)) from None
            except CallRejected as exc:
                raise CallErrorReceived(exc.error) from None
        return bridge.to_v16(action, answer, response=True) if self.bridged else answer

    # --- our ChargePointService ----------------------------------------------------------

    async def _asgi(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BYTES:
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        status, data = await self._answer(body, headers.get("content-encoding", ""))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", CONTENT_TYPE.encode()),
                    (b"content-length", str(len(data)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})
        actions, self._after_answer = self._after_answer, []
        for run in actions:
            run()

    async def _answer(self, body: bytes, encoding: str) -> tuple[int, bytes]:
        request = Addressing()
        try:
            try:
                body = decompress(body, encoding, MAX_BYTES)
            except ValueError as exc:
                raise SoapFault(FaultCode.SENDER, SubCode.PROTOCOL_ERROR, str(exc)) from None
            envelope = read_envelope(parse(body, MAX_BYTES))
            request = envelope.addressing
            if envelope.body is None:
                raise SoapFault(FaultCode.SENDER, SubCode.PROTOCOL_ERROR, "a fault is no request")
            if envelope.charge_box_identity != self.station_id:
                raise SoapFault(
                    FaultCode.SENDER,
                    SubCode.IDENTITY_MISMATCH,
                    f"this is {self.station_id}, not {envelope.charge_box_identity}",
                )
            action, _ = self.service.operation(envelope.body)
            if request.action != action_header(action, Kind.REQUEST):
                raise SoapFault(
                    FaultCode.SENDER, SubCode.PROTOCOL_ERROR, f"Action {request.action!r}"
                )
            payload = self.service.decode(envelope.body, Kind.REQUEST, action)
            if self.bridged:
                payload = bridge.to_v16(action, payload)
            self.received.append((action, payload))
            try:
                answer = await self.handler(action, payload)
            except OcppError as exc:
                raise to_fault(exc) from None
            if self.bridged:
                answer = bridge.to_v15(action, answer, response=True)
            element = self.service.encode(action, Kind.RESPONSE, answer)
        except SoapFault as fault:
            addressing = answer_addressing(request, WSA_FAULT_ACTION, _message_id())
            return 400, write_fault(fault, self.service.namespace, addressing)
        except Exception as exc:
            log.exception("%s: request failed", self.station_id)
            internal = SoapFault(FaultCode.RECEIVER, SubCode.INTERNAL_ERROR, str(exc))
            addressing = answer_addressing(request, WSA_FAULT_ACTION, _message_id())
            return 500, write_fault(internal, self.service.namespace, addressing)
        addressing = answer_addressing(request, action_header(action, Kind.RESPONSE), _message_id())
        return 200, write_envelope(element, addressing)


class _Asgi:
    """The ChargePointService as an ASGI 3 app (uvicorn tells ASGI 3 by `__call__`)."""

    def __init__(self, client: SoapStationClient) -> None:
        self.client = client

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await self.client._asgi(scope, receive, send)


def _message_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _v16_response(action: str) -> Any:
    from ampyre.messages.v16.actions import RESPONSES

    return RESPONSES[action]
