"""OCPP-S Central System service over HTTP: an ASGI app, and the links to SOAP stations.

`SoapEndpoint` answers `POST` requests carrying SOAP 1.2 envelopes: the station is named by
the `chargeBoxIdentity` header, the OCPP version by the body's namespace. Every check
(size, XML, envelope, addressing, identity, operation, schema) happens before the handler
sees the message, so bad input gets a SOAP fault and stores nothing. A station is
"connected" (gets a `SoapLink`) with its first valid message; the link calls the station
back at the address its WS-Addressing From announced (or the one the operator set).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any

import httpx
from lxml import etree

from ampyre.protocol.errors import OcppError
from ampyre.protocol.soap_codec import Kind, SoapCodec, SoapService, action_header
from ampyre.protocol.soap_envelope import (
    CONTENT_TYPE,
    WSA_ANONYMOUS,
    WSA_FAULT_ACTION,
    Addressing,
    answer_addressing,
    read_envelope,
    write_envelope,
    write_fault,
)
from ampyre.protocol.soap_fault import FaultCode, SoapFault, SubCode
from ampyre.protocol.soap_xml import parse
from ampyre.protocol.validation import Relaxation
from ampyre.protocol.versions import ErrorCode, OcppVersion
from ampyre.transports.links import InboundHandler, LinkRegistry, StationUnreachable
from ampyre.transports.soap_client import SoapClient, decompress
from ampyre.transports.station_id import MAX_STATION_ID_LENGTH, BadStationId, station_id_from_path

log = logging.getLogger("ampyre.transport.soap")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: how an OcppError from the handler is told as a SOAP fault (OCPP-S 1.6, table 1)
_FAULTS = {
    ErrorCode.NOT_SUPPORTED: (FaultCode.RECEIVER, SubCode.NOT_SUPPORTED),
    ErrorCode.NOT_IMPLEMENTED: (FaultCode.RECEIVER, SubCode.NOT_SUPPORTED),
    ErrorCode.SECURITY_ERROR: (FaultCode.SENDER, SubCode.SECURITY_ERROR),
    ErrorCode.INTERNAL_ERROR: (FaultCode.RECEIVER, SubCode.INTERNAL_ERROR),
    ErrorCode.GENERIC_ERROR: (FaultCode.RECEIVER, SubCode.INTERNAL_ERROR),
}


def to_fault(error: OcppError) -> SoapFault:
    code, subcode = _FAULTS.get(error.code, (FaultCode.SENDER, SubCode.PROTOCOL_ERROR))
    return SoapFault(code, subcode, error.description or error.code.value)


@dataclasses.dataclass(frozen=True)
class Bridge:
    """Lets a link take commands in another version's types (1.6 commands to a 1.5 station):
    `outbound(action, payload)` gives the wire request, `inbound(action, answer)` the answer
    in the caller's types; a payload already in the wire's types goes through as it is."""

    outbound: Callable[[str, Any], Any]
    inbound: Callable[[str, Any], Any]


class SoapLink:
    """A SOAP station as a StationLink: `call()` POSTs to its ChargePointService."""

    def __init__(
        self,
        station_id: str,
        version: OcppVersion,
        client: SoapClient,
        call_timeout: float,
        endpoint: str | None = None,
        bridge: Bridge | None = None,
    ) -> None:
        self.station_id = station_id
        self.version = version
        self.state: Any = None
        self.client = client
        self.call_timeout = call_timeout
        #: where the station said it listens (WS-Addressing From of its last message)
        self.announced: str | None = endpoint
        #: the operator's address for the station, preferred over the announced one
        self.override: str | None = None
        self.bridge = bridge
        self._lock = asyncio.Lock()
        self.inbound = asyncio.Lock()

    @property
    def endpoint(self) -> str | None:
        return self.override or self.announced

    async def call(self, action: str, payload: Any, timeout: float | None = None) -> Any:
        endpoint = self.endpoint
        if endpoint is None:
            raise StationUnreachable(
                f"{self.station_id} announced no address (WS-Addressing From) to call it at"
            )
        wire = payload if self.bridge is None else self.bridge.outbound(action, payload)
        async with self._lock:
            answer = await self.client.call(
                endpoint,
                self.station_id,
                action,
                wire,
                self.call_timeout if timeout is None else timeout,
            )
        if wire is payload or self.bridge is None:
            return answer
        return self.bridge.inbound(action, answer)

    async def close(self, reason: str) -> None:
        """Nothing to close: each call is its own HTTP exchange."""

    def relax(self, relaxation: Relaxation) -> None:
        """The XML Schema is applied as it is: leniency does not reach OCPP-S."""


class SoapEndpoint:
    """The ASGI app of the Central System service, for every SOAP version at once."""

    def __init__(
        self,
        services: Iterable[SoapService],
        station_services: Iterable[SoapService],
        handler: InboundHandler,
        http: httpx.AsyncClient,
        max_bytes: int,
        call_timeout: float,
        links: LinkRegistry | None = None,
        bridges: Mapping[OcppVersion, Bridge] | None = None,
    ) -> None:
        self.codecs = {s.namespace: SoapCodec(s) for s in services}
        self.station_codecs = {s.version: SoapCodec(s) for s in station_services}
        self.handler = handler
        self.http = http
        self.max_bytes = max_bytes
        self.call_timeout = call_timeout
        self.registry = links
        self.bridges = dict(bridges or {})
        #: the SOAP stations that sent a valid message, by id
        self.links: dict[str, SoapLink] = {}
        self._admitting: dict[str, asyncio.Lock] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return
        if scope["type"] != "http":
            return
        if scope["method"] != "POST":
            await _send(
                send,
                405,
                b"use POST to send OCPP-S messages\n",
                "text/plain",
                [(b"allow", b"POST")],
            )
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        status, data = await self.answer(headers, receive)
        await _send(send, status, data, CONTENT_TYPE)

    async def answer(self, headers: dict[str, str], receive: Receive) -> tuple[int, bytes]:
        """The HTTP status and SOAP envelope answering one request."""
        namespace = next(iter(self.codecs))
        request = Addressing()
        try:
            data = await _read_body(receive, headers, self.max_bytes)
            envelope = read_envelope(parse(data, self.max_bytes))
            request = envelope.addressing
            if envelope.body is None:
                raise SoapFault(FaultCode.SENDER, SubCode.PROTOCOL_ERROR, "a fault is no request")
            body_ns = etree.QName(envelope.body).namespace
            codec = self.codecs.get(body_ns or "")
            if codec is None:
                raise SoapFault(
                    FaultCode.SENDER,
                    SubCode.PROTOCOL_ERROR,
                    f"namespace {body_ns!r} is no OCPP Central System service; use one of "
                    + ", ".join(self.codecs),
                )
            namespace = codec.namespace
            action, kind = codec.operation(envelope.body)
            if kind is not Kind.REQUEST:
                raise SoapFault(
                    FaultCode.SENDER, SubCode.PROTOCOL_ERROR, "a response is no request"
                )
            expected = action_header(action, Kind.REQUEST)
            if request.action != expected:
                raise SoapFault(
                    FaultCode.SENDER,
                    SubCode.PROTOCOL_ERROR,
                    f"WS-Addressing Action is {request.action!r}, the body is {expected!r}",
                )
            if request.message_id is None:
                raise SoapFault(
                    FaultCode.SENDER, SubCode.PROTOCOL_ERROR, "WS-Addressing MessageID is missing"
                )
            station_id = _identity(envelope.charge_box_identity)
            payload = codec.decode(envelope.body, Kind.REQUEST, action)
            link = await self._link(station_id, codec.service.version, request.from_address)
            async with link.inbound:
                try:
                    response = await self.handler.handle_call(link, action, payload)
                except OcppError as exc:
                    raise to_fault(exc) from None
            body = codec.encode(action, Kind.RESPONSE, response)
        except SoapFault as fault:
            if fault.code != FaultCode.SENDER or fault.subcode != SubCode.PROTOCOL_ERROR:
                log.info("SOAP fault %s", fault)
            addressing = answer_addressing(request, WSA_FAULT_ACTION, _message_id())
            status = 500 if fault.subcode == SubCode.INTERNAL_ERROR else 400
            return status, write_fault(fault, namespace, addressing)
        except Exception:
            log.exception("SOAP request failed")
            internal = SoapFault(FaultCode.RECEIVER, SubCode.INTERNAL_ERROR, "internal error")
            addressing = answer_addressing(request, WSA_FAULT_ACTION, _message_id())
            return 500, write_fault(internal, namespace, addressing)
        addressing = answer_addressing(request, action_header(action, Kind.RESPONSE), _message_id())
        return 200, write_envelope(body, addressing)

    async def _link(self, station_id: str, version: OcppVersion, announced: str | None) -> SoapLink:
        lock = self._admitting.setdefault(station_id, asyncio.Lock())
        async with lock:
            link = self.links.get(station_id)
            if link is None or link.version is not version:
                client = SoapClient(self.station_codecs[version], self.http, self.max_bytes)
                link = SoapLink(
                    station_id, version, client, self.call_timeout, bridge=self.bridges.get(version)
                )
                try:
                    await self.handler.connected(link)
                except OcppError as exc:
                    raise to_fault(exc) from None
                self.links[station_id] = link
                if self.registry is not None:
                    self.registry.put(link)
            if announced and announced != WSA_ANONYMOUS:
                link.announced = announced
            return link

    async def close(self) -> None:
        for link in list(self.links.values()):
            if self.registry is not None:
                self.registry.remove(link)
            await self.handler.disconnected(link)
        self.links.clear()


def _identity(value: str | None) -> str:
    if value is None:
        raise SoapFault(
            FaultCode.SENDER,
            SubCode.PROTOCOL_ERROR,
            "the chargeBoxIdentity header is missing (OCPP-S 3.3)",
        )
    try:
        # the URL rules of OCPP-J ids, without the URL's percent-decoding
        return station_id_from_path("/" + value.replace("%", "%25").replace("/", "%2F"), "/")
    except BadStationId as exc:
        reason = str(exc).replace("a station id", "chargeBoxIdentity")
        raise SoapFault(
            FaultCode.SENDER, SubCode.IDENTITY_MISMATCH, f"bad chargeBoxIdentity: {reason}"
        ) from None


def _message_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


async def _read_body(receive: Receive, headers: dict[str, str], max_bytes: int) -> bytes:
    length = headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes:
        raise SoapFault(
            FaultCode.SENDER,
            SubCode.PROTOCOL_ERROR,
            f"message of {length} bytes is over the limit of {max_bytes} bytes",
        )
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise SoapFault(
                FaultCode.SENDER,
                SubCode.PROTOCOL_ERROR,
                f"message is over the limit of {max_bytes} bytes",
            )
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    try:
        return decompress(b"".join(chunks), headers.get("content-encoding", ""), max_bytes)
    except ValueError as exc:
        raise SoapFault(FaultCode.SENDER, SubCode.PROTOCOL_ERROR, str(exc)) from None


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": body})


__all__ = ["MAX_STATION_ID_LENGTH", "SoapEndpoint", "SoapLink", "to_fault"]
