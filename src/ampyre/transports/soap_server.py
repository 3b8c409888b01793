"""OCPP-S Central System service over HTTP: an ASGI app that makes the SOAP stations' links.

`SoapEndpoint` answers `POST` requests carrying SOAP 1.2 envelopes: the station is named by
the `chargeBoxIdentity` header, the OCPP version by the body's namespace. Every check
(size, XML, envelope, addressing, identity, operation, schema) happens before the handler
sees the message, so bad input gets a SOAP fault and stores nothing. A station is
"connected" (gets a `SoapLink`) with its first valid message; the link calls the station
back at the address its WS-Addressing From announced (or the one the operator set). The
announced address is kept in the station's record (`AddressBook`), so it outlives a
restart; every envelope in and out goes to the registry's wiretap (message log, metrics).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any

import httpx
from lxml import etree

from ampyre.domain.message_log import Direction, FrameInfo, FrameKind
from ampyre.domain.station import address_problem
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
from ampyre.protocol.versions import ErrorCode, OcppVersion
from ampyre.transports.links import InboundHandler, LinkRegistry, Wiretap
from ampyre.transports.soap_client import SoapClient, decompress
from ampyre.transports.soap_link import AddressBook, Bridge, SoapLink
from ampyre.transports.station_id import MAX_STATION_ID_LENGTH, BadStationId, station_id_from_path

log = logging.getLogger("ampyre.transport.soap")

#: the message log's message_id column
MAX_LOGGED_ID = 64

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
        addresses: AddressBook | None = None,
    ) -> None:
        self.codecs = {s.namespace: SoapCodec(s) for s in services}
        self.station_codecs = {s.version: SoapCodec(s) for s in station_services}
        self.handler = handler
        self.http = http
        self.max_bytes = max_bytes
        self.call_timeout = call_timeout
        self.registry = links
        self.bridges = dict(bridges or {})
        self.addresses = addresses
        self.tap: Wiretap | None = None if links is None else links.tap
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
        station_id: str | None = None
        action: str | None = None
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
            if self.tap is not None:
                info = FrameInfo(FrameKind.CALL, _logged(request.message_id), action)
                self.tap.frame(station_id, Direction.IN, data, info)
            payload = codec.decode(envelope.body, Kind.REQUEST, action)
            link = await self._link(station_id, codec.service.version, request.from_address)
            async with link.inbound:
                try:
                    response = await self.handler.handle_call(link, action, payload)
                except OcppError as exc:
                    raise to_fault(exc) from None
            body = codec.encode(action, Kind.RESPONSE, response)
            await self._remember(link)
        except SoapFault as fault:
            if fault.code != FaultCode.SENDER or fault.subcode != SubCode.PROTOCOL_ERROR:
                log.info("SOAP fault %s", fault)
            return self._fault(fault, namespace, request, station_id, action)
        except Exception:
            log.exception("SOAP request failed")
            internal = SoapFault(FaultCode.RECEIVER, SubCode.INTERNAL_ERROR, "internal error")
            return self._fault(internal, namespace, request, station_id, action)
        addressing = answer_addressing(request, action_header(action, Kind.RESPONSE), _message_id())
        answer = write_envelope(body, addressing)
        if self.tap is not None:
            info = FrameInfo(FrameKind.RESULT, _logged(request.message_id), action)
            self.tap.frame(station_id, Direction.OUT, answer, info)
        return 200, answer

    def _fault(
        self,
        fault: SoapFault,
        namespace: str,
        request: Addressing,
        station_id: str | None,
        action: str | None,
    ) -> tuple[int, bytes]:
        addressing = answer_addressing(request, WSA_FAULT_ACTION, _message_id())
        status = 500 if fault.subcode == SubCode.INTERNAL_ERROR else 400
        answer = write_fault(fault, namespace, addressing)
        if self.tap is not None and station_id is not None:
            code = fault.subcode or fault.code
            info = FrameInfo(FrameKind.ERROR, _logged(request.message_id), action, code)
            self.tap.frame(station_id, Direction.OUT, answer, info)
        return status, answer

    async def _remember(self, link: SoapLink) -> None:
        """Keep a newly announced address in the station's record (once it has one)."""
        if self.addresses is None or link.announced is None or link.announced == link.stored:
            return
        try:
            if await self.addresses.announced(link.station_id, link.announced):
                link.stored = link.announced
        except Exception:  # the station's message was handled: its answer must not fail
            log.exception("the address of %s could not be stored", link.station_id)

    async def _link(self, station_id: str, version: OcppVersion, announced: str | None) -> SoapLink:
        lock = self._admitting.setdefault(station_id, asyncio.Lock())
        async with lock:
            link = self.links.get(station_id)
            if link is not None and not link.admitted and link.version is version:
                try:  # restored at start-up: the station speaks again, it is connected now
                    await self.handler.connected(link)
                except OcppError as exc:
                    raise to_fault(exc) from None
                link.admitted = True
            if link is None or link.version is not version:
                client = SoapClient(self.station_codecs[version], self.http, self.max_bytes)
                link = SoapLink(
                    station_id,
                    version,
                    client,
                    self.call_timeout,
                    bridge=self.bridges.get(version),
                    addresses=self.addresses,
                    tap=self.tap,
                )
                if self.addresses is not None:
                    record = await self.addresses.find(station_id)
                    link.stored = None if record is None else record.announced
                try:
                    await self.handler.connected(link)
                except OcppError as exc:
                    raise to_fault(exc) from None
                self.links[station_id] = link
                if self.registry is not None:
                    self.registry.put(link)
            if announced and announced != WSA_ANONYMOUS and announced != link.announced:
                problem = address_problem(announced)
                if problem is None:
                    link.announced = announced
                else:
                    log.warning("%s: WS-Addressing From ignored: %s", station_id, problem)
            return link

    async def restore(self) -> int:
        """After a restart, links to the SOAP stations the records know an address for, so
        commands reach them before they speak again (they count as connected once they do).
        Returns how many."""
        if self.addresses is None:
            return 0
        restored = 0
        codecs = {v.value: c for v, c in self.station_codecs.items()}
        for station_id, version, address in await self.addresses.addressed():
            codec = codecs.get(version or "")
            if codec is None or station_id in self.links:
                continue
            if self.registry is not None and station_id in self.registry:
                continue
            link = SoapLink(
                station_id,
                codec.service.version,
                SoapClient(codec, self.http, self.max_bytes),
                self.call_timeout,
                bridge=self.bridges.get(codec.service.version),
                addresses=self.addresses,
                tap=self.tap,
            )
            link.stored = address.announced
            link.admitted = False
            self.links[station_id] = link
            if self.registry is not None:
                self.registry.put(link)
            restored += 1
        return restored

    async def close(self) -> None:
        for link in list(self.links.values()):
            if self.registry is not None:
                self.registry.remove(link)
            if link.admitted:
                await self.handler.disconnected(link)
        self.links.clear()


def _identity(value: str | None) -> str:
    if value is None:
        raise SoapFault(
            FaultCode.SENDER,
            SubCode.PROTOCOL_ERROR,
            "the chargeBoxIdentity header is missing or empty (OCPP-S 3.3)",
        )
    try:
        # the URL rules of OCPP-J ids, without the URL's percent-decoding
        return station_id_from_path("/" + value.replace("%", "%25").replace("/", "%2F"), "/")
    except BadStationId as exc:
        reason = str(exc).replace("a station id", "chargeBoxIdentity")
        raise SoapFault(
            FaultCode.SENDER, SubCode.IDENTITY_MISMATCH, f"bad chargeBoxIdentity: {reason}"
        ) from None


def _logged(message_id: str | None) -> str | None:
    """A station's MessageID as the message log keeps it (any length on the wire)."""
    return None if message_id is None else message_id[:MAX_LOGGED_ID]


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


__all__ = [
    "MAX_STATION_ID_LENGTH",
    "AddressBook",
    "Bridge",
    "SoapEndpoint",
    "SoapLink",
    "to_fault",
]
