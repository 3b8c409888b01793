"""A minimal central system built on The Mobility House's `ocpp` package, for tests.

It exists to prove that our charge point simulator speaks standard OCPP 1.6 / 2.0.1 and is
not tuned to Ampyre: every request the station sends is checked by the package against its own
copy of the OCA JSON schemas (an invalid one is answered with a CALLERROR and listed in
`csms.errors`), and every answer to a CSMS-initiated CALL is schema-checked the same way.

Usage::

    async with IndependentCsms(registration="Accepted", heartbeat_interval=300) as csms:
        csms.tokens.add("TAG-1")
        simulator = start_simulator(f"{csms.url}/CP-1")  # any client, ocpp1.6 or ocpp2.0.1
        await csms.wait_connected("CP-1")
        boots = await csms.wait_for("CP-1", "BootNotification")
        assert boots[0]["chargePointVendor"] == "Ampyre"  # wire (camelCase) names
        answer = await csms.call("CP-1", "RemoteStartTransaction", {"idTag": "TAG-1"})
        assert answer == {"status": "Accepted"}
        await csms.wait_for("CP-1", "StartTransaction")
        assert [action for action, _ in csms.received["CP-1"]][:1] == ["BootNotification"]

Recording: `received[station_id]` is built from the raw text frames, before the package
decodes them, so payloads carry exactly the wire names and values the station sent (also
messages the package then rejects). `replies`, `errors` and `frames` record our side.
Waiters (`wait_for`, `wait_connected`, ...) wake when a CALL has been fully handled, i.e. after
our answer has been written to the socket.

Answers: each charge-point-initiated action of both versions has an `@on` handler with a
minimal valid answer; `csms.set_response(action, payload_or_callable)` replaces one (wire
names; a callable gets `(station_id, request_payload)`). BootNotification's `interval` is
`heartbeat_interval` whatever the status (so also the retry interval when Pending/Rejected).

Limits (of `ocpp` 2.1.0): a frame that is not JSON / not an OCPP array is only logged and
dropped, never answered (we list it in `errors`); `call()` goes through the package's public
`ChargePoint.call()`, which needs its `call.<Action>` dataclass, so the wire payload is turned
into snake_case and back (lossless for every property name in the package's 1.6 and 2.0.1
schemas, and the request is schema-validated before it is sent anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import is_dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from ocpp.charge_point import camel_to_snake_case
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result as result16
from ocpp.v16 import datatypes as data16
from ocpp.v16 import enums as enums16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call_result as result201
from ocpp.v201 import datatypes as data201
from ocpp.v201 import enums as enums201
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

__all__ = ["CS_INITIATED_ACTIONS", "OCPP16", "OCPP201", "IndependentCsms", "Payload"]

Payload = dict[str, Any]
ResponseSpec = Payload | Callable[[str, Payload], Payload]

OCPP16 = "ocpp1.6"
OCPP201 = "ocpp2.0.1"

#: Every charge-point-initiated action of the package, per subprotocol; each has a handler here.
CS_INITIATED_ACTIONS: dict[str, tuple[str, ...]] = {
    OCPP16: (
        "Authorize",
        "BootNotification",
        "DataTransfer",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "SecurityEventNotification",
        "SignCertificate",
        "SignedFirmwareStatusNotification",
        "StartTransaction",
        "StatusNotification",
        "StopTransaction",
    ),
    OCPP201: (
        "Authorize",
        "BootNotification",
        "ClearedChargingLimit",
        "DataTransfer",
        "FirmwareStatusNotification",
        "Get15118EVCertificate",
        "GetCertificateStatus",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "NotifyChargingLimit",
        "NotifyCustomerInformation",
        "NotifyDisplayMessages",
        "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule",
        "NotifyEvent",
        "NotifyMonitoringReport",
        "NotifyReport",
        "PublishFirmwareStatusNotification",
        "ReportChargingProfiles",
        "ReservationStatusUpdate",
        "SecurityEventNotification",
        "SignCertificate",
        "StatusNotification",
        "TransactionEvent",
    ),
}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _StationMixin:
    """Shared by the 1.6 and 2.0.1 station classes: raw-frame recording and answer overrides.

    The package's `ChargePoint.start()` handles frames one after another, so `_current` (the
    CALL being handled) is enough to pair our answer with its request.
    """

    id: str
    _call_result: Any

    def __init__(
        self, station_id: str, connection: ServerConnection, csms: IndependentCsms, version: str
    ) -> None:
        self.csms = csms
        self.version = version
        self._current: tuple[str, str, Payload] | None = None  # unique id, action, payload
        self._raw_results: dict[str, Payload | None] = {}
        self.closed = asyncio.Event()  # set when the connection has ended
        super().__init__(station_id, connection, response_timeout=csms.response_timeout)  # type: ignore[call-arg]

    async def route_message(self, raw_msg: str | bytes) -> None:
        self.csms.frames[self.id].append(("in", raw_msg))
        message = _decode(raw_msg)
        self._current = None
        if message is None:  # the package logs and drops it, without an answer
            self.csms.errors[self.id].append(("", "FormatViolation", "not an OCPP message"))
        else:
            kind, unique_id = message[0], message[1]
            if kind == 2 and len(message) == 4:
                action, payload = message[2], message[3]
                if isinstance(action, str) and isinstance(payload, dict):
                    self.csms.received[self.id].append((action, payload))
                    self._current = (unique_id, action, payload)
            elif kind == 3 and len(message) == 3 and unique_id in self._raw_results:
                self._raw_results[unique_id] = message[2]
        try:
            await super().route_message(raw_msg)  # type: ignore[misc]
        finally:
            self._current = None
            self.csms._changed()

    async def _send(self, message: str) -> None:
        self.csms.frames[self.id].append(("out", message))
        decoded = _decode(message)
        if decoded is not None and self._current is not None and decoded[1] == self._current[0]:
            action = self._current[1]
            if decoded[0] == 3:
                self.csms.replies[self.id].append((action, decoded[2]))
            elif decoded[0] == 4:
                self.csms.errors[self.id].append((action, decoded[2], decoded[3]))
        await super()._send(message)  # type: ignore[misc]

    def _answer(self, action: str, default: Callable[[], Any]) -> Any:
        spec = self.csms._responses.get((self.version, action), self.csms._responses.get(action))
        if spec is None:
            return default()
        request = self._current[2] if self._current is not None else {}
        payload = spec(self.id, request) if callable(spec) else spec
        return getattr(self._call_result, action)(**camel_to_snake_case(payload))

    async def call_raw(self, action: str, payload: Payload, timeout: float | None) -> Payload:
        """Send `action` through the package's `ChargePoint.call()`, return the raw answer."""
        cls = getattr(self._call, action, None)  # type: ignore[attr-defined]
        if cls is None or not is_dataclass(cls):
            raise ValueError(f"{action} is not an action of {self.version} in the ocpp package")
        try:
            request = cls(**camel_to_snake_case(payload))
        except TypeError as error:
            raise ValueError(f"bad {action} payload {payload!r}: {error}") from None
        unique_id = str(uuid.uuid4())
        self._raw_results[unique_id] = None
        # suppress=False: a CALLERROR raises the matching ocpp.exceptions.OCPPError.
        sending = asyncio.ensure_future(self.call(request, suppress=False, unique_id=unique_id))  # type: ignore[attr-defined]
        closing = asyncio.ensure_future(self.closed.wait())
        try:
            async with asyncio.timeout(timeout):
                await asyncio.wait({sending, closing}, return_when=asyncio.FIRST_COMPLETED)
            if not sending.done() and self._raw_results[unique_id] is not None:
                # The answer arrived just before the close (a station answers Reset, then
                # reboots): the package needs a few more loop turns to hand it to call().
                await asyncio.wait({sending}, timeout=5.0)
            if not sending.done():
                raise ConnectionError(f"{self.id} disconnected before answering {action}")
            sending.result()
            answer = self._raw_results[unique_id]
        finally:
            for task in (sending, closing):
                task.cancel()
            await asyncio.gather(sending, closing, return_exceptions=True)
            self._raw_results.pop(unique_id, None)
        assert answer is not None
        return answer


def _decode(raw: str | bytes) -> list[Any] | None:
    try:
        message = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if isinstance(message, list) and len(message) >= 3 and message[0] in (2, 3, 4):
        return message
    return None


class _Station16(_StationMixin, ChargePoint16):
    """OCPP 1.6 (including the security whitepaper actions the package knows)."""

    def _auth16(self, id_tag: str | None, *, in_transaction: bool) -> data16.IdTagInfo:
        return data16.IdTagInfo(status=self.csms.authorization_status(id_tag, in_transaction))

    @on(enums16.Action.authorize)
    def on_authorize(self, id_tag: str, **kwargs: Any) -> Any:
        return self._answer(
            "Authorize",
            lambda: result16.Authorize(id_tag_info=self._auth16(id_tag, in_transaction=False)),
        )

    @on(enums16.Action.boot_notification)
    def on_boot_notification(self, **kwargs: Any) -> Any:
        return self._answer(
            "BootNotification",
            lambda: result16.BootNotification(
                current_time=_now(),
                interval=self.csms.heartbeat_interval,
                status=enums16.RegistrationStatus(self.csms.registration),
            ),
        )

    @on(enums16.Action.data_transfer)
    def on_data_transfer(self, **kwargs: Any) -> Any:
        return self._answer(
            "DataTransfer",
            lambda: result16.DataTransfer(status=enums16.DataTransferStatus.unknown_vendor_id),
        )

    @on(enums16.Action.diagnostics_status_notification)
    def on_diagnostics_status_notification(self, **kwargs: Any) -> Any:
        return self._answer("DiagnosticsStatusNotification", result16.DiagnosticsStatusNotification)

    @on(enums16.Action.firmware_status_notification)
    def on_firmware_status_notification(self, **kwargs: Any) -> Any:
        return self._answer("FirmwareStatusNotification", result16.FirmwareStatusNotification)

    @on(enums16.Action.heartbeat)
    def on_heartbeat(self, **kwargs: Any) -> Any:
        return self._answer("Heartbeat", lambda: result16.Heartbeat(current_time=_now()))

    @on(enums16.Action.log_status_notification)
    def on_log_status_notification(self, **kwargs: Any) -> Any:
        return self._answer("LogStatusNotification", result16.LogStatusNotification)

    @on(enums16.Action.meter_values)
    def on_meter_values(self, **kwargs: Any) -> Any:
        return self._answer("MeterValues", result16.MeterValues)

    @on(enums16.Action.security_event_notification)
    def on_security_event_notification(self, **kwargs: Any) -> Any:
        return self._answer("SecurityEventNotification", result16.SecurityEventNotification)

    @on(enums16.Action.sign_certificate)
    def on_sign_certificate(self, **kwargs: Any) -> Any:
        return self._answer(
            "SignCertificate",
            lambda: result16.SignCertificate(status=enums16.GenericStatus.rejected),
        )

    @on(enums16.Action.signed_firmware_status_notification)
    def on_signed_firmware_status_notification(self, **kwargs: Any) -> Any:
        return self._answer(
            "SignedFirmwareStatusNotification", result16.SignedFirmwareStatusNotification
        )

    @on(enums16.Action.start_transaction)
    def on_start_transaction(self, id_tag: str, **kwargs: Any) -> Any:
        return self._answer(
            "StartTransaction",
            lambda: result16.StartTransaction(
                transaction_id=self.csms._next_transaction_id(),
                id_tag_info=self._auth16(id_tag, in_transaction=True),
            ),
        )

    @on(enums16.Action.status_notification)
    def on_status_notification(self, **kwargs: Any) -> Any:
        return self._answer("StatusNotification", result16.StatusNotification)

    @on(enums16.Action.stop_transaction)
    def on_stop_transaction(self, id_tag: str | None = None, **kwargs: Any) -> Any:
        return self._answer(
            "StopTransaction",
            lambda: result16.StopTransaction(
                id_tag_info=None if id_tag is None else self._auth16(id_tag, in_transaction=True)
            ),
        )


class _Station201(_StationMixin, ChargePoint201):
    """OCPP 2.0.1: every CS->CSMS action of the package."""

    def _auth201(self, id_token: Mapping[str, Any], *, in_transaction: bool) -> Any:
        status = self.csms.authorization_status(id_token.get("id_token"), in_transaction)
        return data201.IdTokenInfoType(status=enums201.AuthorizationStatusEnumType(status))

    @on(enums201.Action.authorize)
    def on_authorize(self, id_token: dict[str, Any], **kwargs: Any) -> Any:
        return self._answer(
            "Authorize",
            lambda: result201.Authorize(
                id_token_info=self._auth201(id_token, in_transaction=False)
            ),
        )

    @on(enums201.Action.boot_notification)
    def on_boot_notification(self, **kwargs: Any) -> Any:
        return self._answer(
            "BootNotification",
            lambda: result201.BootNotification(
                current_time=_now(),
                interval=self.csms.heartbeat_interval,
                status=enums201.RegistrationStatusEnumType(self.csms.registration),
            ),
        )

    @on(enums201.Action.cleared_charging_limit)
    def on_cleared_charging_limit(self, **kwargs: Any) -> Any:
        return self._answer("ClearedChargingLimit", result201.ClearedChargingLimit)

    @on(enums201.Action.data_transfer)
    def on_data_transfer(self, **kwargs: Any) -> Any:
        return self._answer(
            "DataTransfer",
            lambda: result201.DataTransfer(
                status=enums201.DataTransferStatusEnumType.unknown_vendor_id
            ),
        )

    @on(enums201.Action.firmware_status_notification)
    def on_firmware_status_notification(self, **kwargs: Any) -> Any:
        return self._answer("FirmwareStatusNotification", result201.FirmwareStatusNotification)

    @on(enums201.Action.get_15118_ev_certificate)
    def on_get_15118_ev_certificate(self, **kwargs: Any) -> Any:
        return self._answer(
            "Get15118EVCertificate",
            lambda: result201.Get15118EVCertificate(
                status=enums201.Iso15118EVCertificateStatusEnumType.failed, exi_response=""
            ),
        )

    @on(enums201.Action.get_certificate_status)
    def on_get_certificate_status(self, **kwargs: Any) -> Any:
        return self._answer(
            "GetCertificateStatus",
            lambda: result201.GetCertificateStatus(
                status=enums201.GetCertificateStatusEnumType.failed
            ),
        )

    @on(enums201.Action.heartbeat)
    def on_heartbeat(self, **kwargs: Any) -> Any:
        return self._answer("Heartbeat", lambda: result201.Heartbeat(current_time=_now()))

    @on(enums201.Action.log_status_notification)
    def on_log_status_notification(self, **kwargs: Any) -> Any:
        return self._answer("LogStatusNotification", result201.LogStatusNotification)

    @on(enums201.Action.meter_values)
    def on_meter_values(self, **kwargs: Any) -> Any:
        return self._answer("MeterValues", result201.MeterValues)

    @on(enums201.Action.notify_charging_limit)
    def on_notify_charging_limit(self, **kwargs: Any) -> Any:
        return self._answer("NotifyChargingLimit", result201.NotifyChargingLimit)

    @on(enums201.Action.notify_customer_information)
    def on_notify_customer_information(self, **kwargs: Any) -> Any:
        return self._answer("NotifyCustomerInformation", result201.NotifyCustomerInformation)

    @on(enums201.Action.notify_display_messages)
    def on_notify_display_messages(self, **kwargs: Any) -> Any:
        return self._answer("NotifyDisplayMessages", result201.NotifyDisplayMessages)

    @on(enums201.Action.notify_ev_charging_needs)
    def on_notify_ev_charging_needs(self, **kwargs: Any) -> Any:
        return self._answer(
            "NotifyEVChargingNeeds",
            lambda: result201.NotifyEVChargingNeeds(
                status=enums201.NotifyEVChargingNeedsStatusEnumType.rejected
            ),
        )

    @on(enums201.Action.notify_ev_charging_schedule)
    def on_notify_ev_charging_schedule(self, **kwargs: Any) -> Any:
        return self._answer(
            "NotifyEVChargingSchedule",
            lambda: result201.NotifyEVChargingSchedule(
                status=enums201.GenericStatusEnumType.rejected
            ),
        )

    @on(enums201.Action.notify_event)
    def on_notify_event(self, **kwargs: Any) -> Any:
        return self._answer("NotifyEvent", result201.NotifyEvent)

    @on(enums201.Action.notify_monitoring_report)
    def on_notify_monitoring_report(self, **kwargs: Any) -> Any:
        return self._answer("NotifyMonitoringReport", result201.NotifyMonitoringReport)

    @on(enums201.Action.notify_report)
    def on_notify_report(self, **kwargs: Any) -> Any:
        return self._answer("NotifyReport", result201.NotifyReport)

    @on(enums201.Action.publish_firmware_status_notification)
    def on_publish_firmware_status_notification(self, **kwargs: Any) -> Any:
        return self._answer(
            "PublishFirmwareStatusNotification", result201.PublishFirmwareStatusNotification
        )

    @on(enums201.Action.report_charging_profiles)
    def on_report_charging_profiles(self, **kwargs: Any) -> Any:
        return self._answer("ReportChargingProfiles", result201.ReportChargingProfiles)

    @on(enums201.Action.reservation_status_update)
    def on_reservation_status_update(self, **kwargs: Any) -> Any:
        return self._answer("ReservationStatusUpdate", result201.ReservationStatusUpdate)

    @on(enums201.Action.security_event_notification)
    def on_security_event_notification(self, **kwargs: Any) -> Any:
        return self._answer("SecurityEventNotification", result201.SecurityEventNotification)

    @on(enums201.Action.sign_certificate)
    def on_sign_certificate(self, **kwargs: Any) -> Any:
        return self._answer(
            "SignCertificate",
            lambda: result201.SignCertificate(status=enums201.GenericStatusEnumType.rejected),
        )

    @on(enums201.Action.status_notification)
    def on_status_notification(self, **kwargs: Any) -> Any:
        return self._answer("StatusNotification", result201.StatusNotification)

    @on(enums201.Action.transaction_event)
    def on_transaction_event(self, id_token: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self._answer(
            "TransactionEvent",
            lambda: result201.TransactionEvent(
                id_token_info=None
                if id_token is None
                else self._auth201(id_token, in_transaction=True)
            ),
        )


_STATION_CLASSES: dict[str, type[_StationMixin]] = {OCPP16: _Station16, OCPP201: _Station201}


class IndependentCsms:
    """`async with IndependentCsms(...) as csms:` serves `ws://127.0.0.1:<port>/<any>/<id>`.

    Args:
        registration: BootNotification status, "Accepted" | "Pending" | "Rejected"
            (attribute, may be changed while running).
        heartbeat_interval: `interval` of the BootNotification answer (attribute).
        tokens: id tags / id tokens answered Accepted (the mutable set `csms.tokens`).
        transactions_accept_any_token: if true (default), StartTransaction, StopTransaction
            and TransactionEvent answer Accepted for any token; Authorize always uses `tokens`.
        subprotocols: offered subprotocols, in the server's order of preference.
        response_timeout: seconds to wait for the answer to `csms.call()`.
    """

    def __init__(
        self,
        *,
        registration: str = "Accepted",
        heartbeat_interval: int = 300,
        tokens: Iterable[str] = (),
        transactions_accept_any_token: bool = True,
        subprotocols: Iterable[str] = (OCPP201, OCPP16),
        response_timeout: float = 10.0,
        host: str = "127.0.0.1",
        path: str = "/ocpp",
    ) -> None:
        self.registration = registration
        self.heartbeat_interval = heartbeat_interval
        self.tokens: set[str] = set(tokens)
        self.transactions_accept_any_token = transactions_accept_any_token
        self.response_timeout = response_timeout
        self._subprotocols = [Subprotocol(name) for name in subprotocols]
        unknown = set(self._subprotocols) - set(_STATION_CLASSES)
        if unknown:
            raise ValueError(f"unsupported subprotocols {sorted(unknown)}")
        self._host = host
        self._path = "/" + path.strip("/")
        self._server: Server | None = None
        self.port = 0
        #: station id -> [(action, payload)] of every CALL received, wire names, in order.
        self.received: dict[str, list[tuple[str, Payload]]] = _AutoDict()
        #: station id -> [(action, payload)] of our CALLRESULTs to those CALLs.
        self.replies: dict[str, list[tuple[str, Payload]]] = _AutoDict()
        #: station id -> [(action, errorCode, errorDescription)] of our CALLERRORs, plus
        #: ("", "FormatViolation", ...) for each frame that is no OCPP message (left unanswered).
        self.errors: dict[str, list[tuple[str, str, str]]] = _AutoDict()
        #: station id -> [("in" | "out", raw text frame)], every frame both ways.
        self.frames: dict[str, list[tuple[str, str | bytes]]] = _AutoDict()
        #: station id -> number of connections accepted so far.
        self.connection_count: dict[str, int] = _AutoDict(int)
        self._stations: dict[str, _StationMixin] = {}
        self._connections: dict[str, ServerConnection] = {}
        self._responses: dict[Any, ResponseSpec] = {}
        self._transaction_ids = itertools.count(1)
        self._event = asyncio.Event()

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> IndependentCsms:
        self._server = await serve(
            self._handle,
            self._host,
            0,
            subprotocols=self._subprotocols,
            process_request=self._check_path,
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()  # closes every connection (1001) and waits for the handlers
            await self._server.wait_closed()
            self._server = None

    @property
    def url(self) -> str:
        """Base URL; append `/<station id>`."""
        return f"ws://{self._host}:{self.port}{self._path}"

    # -- configuration -----------------------------------------------------------------------

    def set_response(
        self, action: str, response: ResponseSpec | None, *, subprotocol: str | None = None
    ) -> None:
        """Answer `action` with this wire-named payload (or `callable(station_id, request)`)
        instead of the default; `None` restores the default. Answers are still validated."""
        key = action if subprotocol is None else (subprotocol, action)
        if response is None:
            self._responses.pop(key, None)
        else:
            self._responses[key] = response

    def authorization_status(self, token: str | None, in_transaction: bool = False) -> str:
        if in_transaction and self.transactions_accept_any_token:
            return "Accepted"
        return "Accepted" if token in self.tokens else "Invalid"

    # -- state -------------------------------------------------------------------------------

    @property
    def connected(self) -> frozenset[str]:
        return frozenset(self._stations)

    def subprotocol(self, station_id: str) -> str:
        """The negotiated subprotocol of a connected station (KeyError if not connected)."""
        return self._stations[station_id].version

    def actions(self, station_id: str) -> list[str]:
        """The actions received from a station, in order."""
        return [action for action, _ in self.received.get(station_id, [])]

    def payloads(self, station_id: str, action: str) -> list[Payload]:
        return [p for a, p in self.received.get(station_id, []) if a == action]

    # -- waiting -----------------------------------------------------------------------------

    def _changed(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def _until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await self._event.wait()
        except TimeoutError:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}") from None

    async def wait_for(
        self, station_id: str, action: str, count: int = 1, timeout: float = 10.0
    ) -> list[Payload]:
        """Wait until `station_id` has sent `action` at least `count` times in total (each one
        answered); return all its payloads so far."""
        await self._until(
            lambda: len(self.payloads(station_id, action)) >= count,
            timeout,
            f"{count} x {action} from {station_id}; received {self.actions(station_id)}",
        )
        return self.payloads(station_id, action)

    async def wait_connected(self, station_id: str, timeout: float = 10.0) -> None:
        await self._until(lambda: station_id in self._stations, timeout, f"{station_id} to connect")

    async def wait_disconnected(self, station_id: str, timeout: float = 10.0) -> None:
        await self._until(
            lambda: station_id not in self._stations, timeout, f"{station_id} to disconnect"
        )

    # -- CSMS-initiated ----------------------------------------------------------------------

    async def call(
        self,
        station_id: str,
        action: str,
        payload: Payload | None = None,
        *,
        timeout: float | None = None,
    ) -> Payload:
        """Send a CALL (wire-named payload) and return the station's CALLRESULT payload as it
        arrived. Raises `ocpp.exceptions.OCPPError` on a CALLERROR or a schema-invalid
        request/answer, `TimeoutError` without an answer in time, `ConnectionError` if the
        station disconnects first, `KeyError` if it is not connected."""
        try:
            station = self._stations[station_id]
        except KeyError:
            raise KeyError(f"{station_id} is not connected") from None
        return await station.call_raw(action, payload or {}, timeout)

    async def disconnect(self, station_id: str, code: int = 1000, reason: str = "") -> None:
        """Close a station's connection from our side and wait until it is gone."""
        connection = self._connections.get(station_id)
        if connection is not None:
            await connection.close(code, reason)
            await self.wait_disconnected(station_id)

    # -- internals ---------------------------------------------------------------------------

    def _next_transaction_id(self) -> int:
        return next(self._transaction_ids)

    @staticmethod
    def _station_id(path: str) -> str:
        return unquote(urlsplit(path).path.rstrip("/").rpartition("/")[2])

    def _check_path(self, connection: ServerConnection, request: Request) -> Response | None:
        if not self._station_id(request.path):
            return connection.respond(HTTPStatus.NOT_FOUND, "no charge point id in the path\n")
        return None

    async def _handle(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        station_id = self._station_id(connection.request.path)
        version = connection.subprotocol
        if version not in _STATION_CLASSES:  # websockets already refuses a missing one
            await connection.close(1002, "no OCPP subprotocol")
            return
        previous = self._connections.get(station_id)
        if previous is not None:  # same id connects again: the newer connection wins
            await previous.close(1000, "replaced by a new connection")
        station = _STATION_CLASSES[version](station_id, connection, self, version)
        self._stations[station_id] = station
        self._connections[station_id] = connection
        self.connection_count[station_id] += 1
        self._changed()
        try:
            with contextlib.suppress(ConnectionClosed):
                await station.start()  # type: ignore[attr-defined]
        finally:
            station.closed.set()
            if self._stations.get(station_id) is station:
                del self._stations[station_id]
                del self._connections[station_id]
            self._changed()


class _AutoDict(dict[str, Any]):
    """A dict creating missing entries on access (like defaultdict), but printing as a dict."""

    def __init__(self, factory: Callable[[], Any] = list) -> None:
        super().__init__()
        self._factory = factory

    def __missing__(self, key: str) -> Any:
        value = self[key] = self._factory()
        return value
