"""OCPP-S requests over HTTP (httpx): one POST per call, the answer in the HTTP response.

Used by the CSMS to call a station's ChargePointService (through `SoapLink`) and by the
simulator to call the CSMS's CentralSystemService.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Callable
from typing import Any

import httpx

from ampyre.domain.message_log import Direction, FrameInfo, FrameKind
from ampyre.protocol.errors import ProtocolError
from ampyre.protocol.rpc import CallError
from ampyre.protocol.soap_codec import Kind, SoapCodec, action_header
from ampyre.protocol.soap_envelope import (
    CONTENT_TYPE,
    WSA_ANONYMOUS,
    Addressing,
    read_envelope,
    write_envelope,
)
from ampyre.protocol.soap_fault import SoapFault
from ampyre.protocol.soap_xml import parse
from ampyre.protocol.versions import ErrorCode
from ampyre.transports.links import CallRejected, CallTimeout, StationUnreachable

#: the most a peer's answer may be, compressed or not
DEFAULT_MAX_BYTES = 1 << 20

#: sees each envelope sent and received, described (the message log's wiretap)
Tap = Callable[[Direction, bytes, FrameInfo], None]


def fault_error(fault: SoapFault, message_id: str) -> CallError:
    """A received SOAP fault as the CallError the layers above already understand."""
    wire = fault.subcode or fault.code
    return CallError(message_id, ErrorCode.parse(wire), wire, fault.reason, {"code": fault.code})


def _invalid(message_id: str, what: str) -> CallRejected:
    error = ProtocolError(what)
    return CallRejected(CallError(message_id, error.code, error.code.value, what, {}))


def decompress(data: bytes, encoding: str, max_bytes: int) -> bytes:
    """gzip/deflate bodies (OCPP-S 6.1), never inflated past `max_bytes`."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return data
    if encoding not in ("gzip", "deflate"):
        raise ValueError(f"unsupported Content-Encoding {encoding!r}")
    wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise ValueError(f"bad {encoding} body: {exc}") from None
    if len(out) > max_bytes:
        raise ValueError(f"the body inflates past the limit of {max_bytes} bytes")
    return out


class SoapClient:
    """Sends OCPP-S requests of one service (`codec`) as `identity`, announcing `from_address`."""

    def __init__(
        self,
        codec: SoapCodec,
        http: httpx.AsyncClient,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.codec = codec
        self.http = http
        self.max_bytes = max_bytes

    async def call(
        self,
        url: str,
        identity: str,
        action: str,
        payload: Any,
        timeout: float,
        from_address: str | None = None,
        tap: Tap | None = None,
    ) -> Any:
        """POST the request; the validated response payload, or StationUnreachable /
        CallTimeout / CallRejected (a fault, or an answer that is not a valid response)."""
        body = self.codec.encode(action, Kind.REQUEST, payload)  # ValueError: nothing sent
        message_id = f"urn:uuid:{uuid.uuid4()}"
        addressing = Addressing(
            action=action_header(action, Kind.REQUEST),
            message_id=message_id,
            to=url,
            from_address=from_address,
            reply_to=WSA_ANONYMOUS,
        )
        data = write_envelope(body, addressing, (self.codec.namespace, identity))
        headers = {"Content-Type": f'{CONTENT_TYPE}; action="{addressing.action}"'}
        if tap is not None:
            tap(Direction.OUT, data, FrameInfo(FrameKind.CALL, message_id, action))
        try:
            response = await self.http.post(url, content=data, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            raise CallTimeout(f"{identity} did not answer {action} within {timeout} s") from None
        except httpx.HTTPError as exc:
            raise StationUnreachable(f"{url} cannot be reached: {exc!r}") from None
        try:
            # httpx has already undone a gzip/deflate Content-Encoding
            envelope = read_envelope(parse(response.content, self.max_bytes))
        except (SoapFault, ValueError) as exc:
            if tap is not None:
                tap(Direction.IN, response.content, FrameInfo(FrameKind.INVALID, message_id))
            raise _invalid(
                message_id, f"HTTP {response.status_code} answer to {action} is not SOAP: {exc}"
            ) from None
        if tap is not None:
            fault = envelope.fault
            info = (
                FrameInfo(FrameKind.RESULT, message_id, action)
                if fault is None
                else FrameInfo(FrameKind.ERROR, message_id, action, fault.subcode or fault.code)
            )
            tap(Direction.IN, response.content, info)
        if envelope.fault is not None:
            raise CallRejected(fault_error(envelope.fault, message_id))
        if envelope.addressing.relates_to not in (None, message_id):
            raise _invalid(
                message_id,
                f"the answer relates to {envelope.addressing.relates_to}, not {message_id}",
            )
        assert envelope.body is not None
        try:
            return self.codec.decode(envelope.body, Kind.RESPONSE, action)
        except SoapFault as exc:
            raise _invalid(message_id, f"invalid {action} response: {exc.reason}") from None
