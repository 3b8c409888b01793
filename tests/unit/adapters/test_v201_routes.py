"""The OCPP 2.0.1 routing table (dispatch/v201.py) over hand-written fake services.

No sockets and no database: each route gets a decoded request and a `StationContext` whose
services only record what they were asked; the answer must validate as the action's response.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any, cast

import msgspec
import pytest

from ampyre.dispatch.context import Services, StationContext
from ampyre.dispatch.v201 import ROUTES
from ampyre.domain.authorization import AuthorizationResult, AuthorizationStatus, IdToken
from ampyre.domain.availability import ConnectorStatus, StatusReport
from ampyre.domain.data_transfer import DataTransfer, DataTransferResult, DataTransferStatus
from ampyre.domain.metering import MeterValue
from ampyre.domain.reports import ReportKind, StationReport
from ampyre.domain.station import BootDecision, BootInfo, RegistrationStatus, Station
from ampyre.domain.transactions import (
    Transaction,
    TransactionOutcome,
    TransactionState,
    TransactionUpdate,
    UpdateKind,
)
from ampyre.leniency import Leniency
from ampyre.messages.v201.actions import CHARGE_POINT_INITIATED, REQUESTS, RESPONSES
from ampyre.protocol.versions import OcppVersion

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
T0 = "2025-03-01T10:00:00Z"
SCHEDULE = {
    "id": 1,
    "chargingRateUnit": "W",
    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.0}],
}

#: One valid request per charge-station-initiated action.
EXAMPLES: dict[str, dict[str, Any]] = {
    "Authorize": {"idToken": {"idToken": "TOKEN1", "type": "ISO14443"}},
    "BootNotification": {
        "reason": "PowerUp",
        "chargingStation": {"vendorName": "Acme", "model": "Volt-22"},
    },
    "ClearedChargingLimit": {"chargingLimitSource": "EMS", "evseId": 1},
    "DataTransfer": {"vendorId": "com.acme", "messageId": "Hello", "data": {"n": [1, 2]}},
    "FirmwareStatusNotification": {"status": "Installed", "requestId": 11},
    "Get15118EVCertificate": {
        "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
        "action": "Install",
        "exiRequest": "gAQ=",
    },
    "GetCertificateStatus": {
        "ocspRequestData": {
            "hashAlgorithm": "SHA256",
            "issuerNameHash": "a" * 64,
            "issuerKeyHash": "b" * 64,
            "serialNumber": "01AB",
            "responderURL": "http://ocsp.example.com",
        }
    },
    "Heartbeat": {},
    "LogStatusNotification": {"status": "Uploaded", "requestId": 12},
    "MeterValues": {
        "evseId": 0,
        "meterValue": [{"timestamp": T0, "sampledValue": [{"value": 4321.5}]}],
    },
    "NotifyChargingLimit": {"chargingLimit": {"chargingLimitSource": "SO"}, "evseId": 1},
    "NotifyCustomerInformation": {
        "data": "name: J. Doe",
        "seqNo": 0,
        "generatedAt": T0,
        "requestId": 13,
    },
    "NotifyDisplayMessages": {"requestId": 14},
    "NotifyEVChargingNeeds": {
        "evseId": 1,
        "chargingNeeds": {"requestedEnergyTransfer": "AC_three_phase"},
    },
    "NotifyEVChargingSchedule": {"timeBase": T0, "evseId": 1, "chargingSchedule": SCHEDULE},
    "NotifyEvent": {
        "generatedAt": T0,
        "seqNo": 0,
        "eventData": [
            {
                "eventId": 1,
                "timestamp": T0,
                "trigger": "Delta",
                "actualValue": "Occupied",
                "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
                "variable": {"name": "AvailabilityState"},
                "eventNotificationType": "HardWiredNotification",
            }
        ],
    },
    "NotifyMonitoringReport": {"requestId": 15, "seqNo": 0, "generatedAt": T0},
    "NotifyReport": {"requestId": 16, "seqNo": 0, "generatedAt": T0},
    "PublishFirmwareStatusNotification": {
        "status": "Published",
        "location": ["https://fw.example.com/a.bin"],
        "requestId": 17,
    },
    "ReportChargingProfiles": {
        "requestId": 18,
        "chargingLimitSource": "CSO",
        "evseId": 1,
        "chargingProfile": [
            {
                "id": 1,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": [SCHEDULE],
            }
        ],
    },
    "ReservationStatusUpdate": {"reservationId": 19, "reservationUpdateStatus": "Expired"},
    "SecurityEventNotification": {"type": "FirmwareUpdated", "timestamp": T0},
    "SignCertificate": {"csr": "-----BEGIN CERTIFICATE REQUEST-----"},
    "StatusNotification": {
        "timestamp": T0,
        "connectorStatus": "Occupied",
        "evseId": 1,
        "connectorId": 1,
    },
    "TransactionEvent": {
        "eventType": "Started",
        "timestamp": T0,
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "tx-1", "remoteStartId": 3},
        "evse": {"id": 1, "connectorId": 1},
        "idToken": {"idToken": "TOKEN1", "type": "ISO14443"},
        "meterValue": [
            {
                "timestamp": T0,
                "sampledValue": [
                    {"value": 1.25, "unitOfMeasure": {"unit": "kWh", "multiplier": 0}}
                ],
            }
        ],
    },
}


# --- fakes ---------------------------------------------------------------------------------


class FakeProvisioning:
    def __init__(self, status: RegistrationStatus = RegistrationStatus.ACCEPTED) -> None:
        self.status = status
        self.boots: list[tuple[str, str, BootInfo]] = []

    async def boot(
        self, station_id: str, ocpp_version: str, info: BootInfo, now: datetime
    ) -> tuple[BootDecision, Station]:
        self.boots.append((station_id, ocpp_version, info))
        interval = 300 if self.status is RegistrationStatus.ACCEPTED else 30
        station = Station(id=station_id, registration_status=self.status, boot=info)
        return BootDecision(self.status, interval, now), station


class FakeAvailability:
    def __init__(self) -> None:
        self.reports: list[StatusReport] = []

    async def report(self, report: StatusReport) -> None:
        self.reports.append(report)


class FakeAuthorization:
    def __init__(self) -> None:
        self.result = AuthorizationResult(AuthorizationStatus.ACCEPTED)
        self.tokens: list[IdToken] = []

    async def authorize(self, token: IdToken, now: datetime) -> AuthorizationResult:
        self.tokens.append(token)
        return self.result


class FakeTransactions:
    def __init__(self) -> None:
        self.updates: list[TransactionUpdate] = []
        self.readings: list[tuple[str, int, tuple[MeterValue, ...]]] = []
        self.result = AuthorizationResult(AuthorizationStatus.ACCEPTED)

    async def apply(self, update: TransactionUpdate) -> TransactionOutcome:
        self.updates.append(update)
        transaction = Transaction(
            id=1,
            station_id=update.station_id,
            ref=update.ref or "1",
            evse_id=update.evse_id or 0,
            connector_id=update.connector_id or 0,
            state=TransactionState.ACTIVE,
        )
        return TransactionOutcome(transaction, self.result if update.id_token else None)

    async def record_meter_values(
        self, station_id: str, evse_id: int, values: tuple[MeterValue, ...]
    ) -> None:
        self.readings.append((station_id, evse_id, values))


class FakeReports:
    def __init__(self) -> None:
        self.reports: list[StationReport] = []

    async def record(self, report: StationReport) -> None:
        self.reports.append(report)


class FakeDataTransfer:
    def __init__(self) -> None:
        self.received: list[DataTransfer] = []

    async def receive(self, message: DataTransfer) -> DataTransferResult:
        self.received.append(message)
        return DataTransferResult(DataTransferStatus.ACCEPTED, {"echo": message.data})


class FixedClock:
    def now(self) -> datetime:
        return NOW


@dataclasses.dataclass
class Fakes:
    provisioning: FakeProvisioning = dataclasses.field(default_factory=FakeProvisioning)
    availability: FakeAvailability = dataclasses.field(default_factory=FakeAvailability)
    authorization: FakeAuthorization = dataclasses.field(default_factory=FakeAuthorization)
    transactions: FakeTransactions = dataclasses.field(default_factory=FakeTransactions)
    reports: FakeReports = dataclasses.field(default_factory=FakeReports)
    data_transfer: FakeDataTransfer = dataclasses.field(default_factory=FakeDataTransfer)

    def context(self) -> StationContext:
        services = Services(
            provisioning=cast(Any, self.provisioning),
            availability=cast(Any, self.availability),
            authorization=cast(Any, self.authorization),
            transactions=cast(Any, self.transactions),
            reports=cast(Any, self.reports),
            data_transfer=cast(Any, self.data_transfer),
            clock=FixedClock(),
        )
        return StationContext("CS1", OcppVersion.V201, Station(id="CS1"), services, Leniency())


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


def request(action: str, payload: dict[str, Any] | None = None) -> Any:
    data = msgspec.json.encode(EXAMPLES[action] if payload is None else payload)
    return msgspec.json.decode(data, type=REQUESTS[action])


async def call(fakes: Fakes, action: str, payload: dict[str, Any] | None = None) -> Any:
    """Route one request; return the response as the station decodes it (schema-checked)."""
    response = await ROUTES[action](fakes.context(), request(action, payload))
    assert type(response) is RESPONSES[action]
    return msgspec.json.decode(msgspec.json.encode(response), type=RESPONSES[action])


# --- the table -----------------------------------------------------------------------------


def test_every_charge_station_action_is_routed() -> None:
    assert set(ROUTES) == CHARGE_POINT_INITIATED
    assert set(EXAMPLES) == CHARGE_POINT_INITIATED


@pytest.mark.parametrize("action", sorted(CHARGE_POINT_INITIATED))
async def test_every_route_answers_a_valid_response(fakes: Fakes, action: str) -> None:
    await call(fakes, action)


# --- core routes ---------------------------------------------------------------------------


async def test_boot_accepted_updates_the_context(fakes: Fakes) -> None:
    ctx = fakes.context()
    response = await ROUTES["BootNotification"](ctx, request("BootNotification"))
    assert response.status == "Accepted"
    assert response.interval == 300
    assert response.currentTime == NOW
    assert ctx.station.boot == BootInfo(vendor="Acme", model="Volt-22", reason="PowerUp")
    assert fakes.provisioning.boots == [("CS1", "2.0.1", ctx.station.boot)]


@pytest.mark.parametrize("status", [RegistrationStatus.PENDING, RegistrationStatus.REJECTED])
async def test_boot_not_accepted_gets_the_retry_interval(
    fakes: Fakes, status: RegistrationStatus
) -> None:
    fakes.provisioning.status = status
    response = await call(fakes, "BootNotification")
    assert response.status.value == status.value
    assert response.interval == 30


async def test_heartbeat(fakes: Fakes) -> None:
    response = await call(fakes, "Heartbeat")
    assert response.currentTime == NOW  # the router notes that the station was heard from


async def test_status_notification(fakes: Fakes) -> None:
    await call(fakes, "StatusNotification")
    (report,) = fakes.availability.reports
    assert (report.station_id, report.evse_id, report.connector_id) == ("CS1", 1, 1)
    assert report.status is ConnectorStatus.OCCUPIED


@pytest.mark.parametrize("status", list(AuthorizationStatus))
async def test_authorize(fakes: Fakes, status: AuthorizationStatus) -> None:
    fakes.authorization.result = AuthorizationResult(status, None, "GROUP")
    response = await call(fakes, "Authorize")
    assert fakes.authorization.tokens == [IdToken("TOKEN1", "ISO14443")]
    assert response.idTokenInfo.status.value == status.value
    assert response.idTokenInfo.groupIdToken.idToken == "GROUP"


async def test_transaction_event_with_token(fakes: Fakes) -> None:
    fakes.transactions.result = AuthorizationResult(AuthorizationStatus.BLOCKED)
    response = await call(fakes, "TransactionEvent")
    (update,) = fakes.transactions.updates
    assert update.kind is UpdateKind.STARTED
    assert update.ref == "tx-1"
    assert update.remote_start_id == 3
    assert response.idTokenInfo.status == "Blocked"


async def test_transaction_event_without_token_has_no_token_info(fakes: Fakes) -> None:
    payload = {
        "eventType": "Updated",
        "timestamp": T0,
        "triggerReason": "MeterValuePeriodic",
        "seqNo": 1,
        "offline": True,
        "transactionInfo": {"transactionId": "tx-1"},
    }
    response = await call(fakes, "TransactionEvent", payload)
    assert response.idTokenInfo is None
    assert fakes.transactions.updates[0].offline is True


async def test_transaction_event_no_authorization_has_no_token_info(fakes: Fakes) -> None:
    payload = dict(EXAMPLES["TransactionEvent"], idToken={"idToken": "", "type": "NoAuthorization"})
    response = await call(fakes, "TransactionEvent", payload)
    assert response.idTokenInfo is None
    assert fakes.transactions.updates[0].id_token is None


async def test_meter_values_outside_transactions(fakes: Fakes) -> None:
    await call(fakes, "MeterValues")
    (station_id, evse_id, values), *_ = fakes.transactions.readings
    assert (station_id, evse_id) == ("CS1", 0)
    assert values[0].samples[0].value == "4321.5"
    assert fakes.transactions.updates == []


async def test_data_transfer(fakes: Fakes) -> None:
    response = await call(fakes, "DataTransfer")
    (message,) = fakes.data_transfer.received
    assert (message.vendor_id, message.message_id, message.data) == (
        "com.acme",
        "Hello",
        {"n": [1, 2]},
    )
    assert response.status == "Accepted"
    assert response.data == {"echo": {"n": [1, 2]}}


# --- reports -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "kind", "status", "request_id"),
    [
        ("FirmwareStatusNotification", ReportKind.FIRMWARE_STATUS, "Installed", 11),
        ("PublishFirmwareStatusNotification", ReportKind.PUBLISH_FIRMWARE_STATUS, "Published", 17),
        ("LogStatusNotification", ReportKind.LOG_STATUS, "Uploaded", 12),
        ("SecurityEventNotification", ReportKind.SECURITY_EVENT, "FirmwareUpdated", None),
        ("NotifyEvent", ReportKind.DEVICE_EVENT, None, None),
        ("NotifyReport", ReportKind.DEVICE_REPORT, None, 16),
        ("NotifyMonitoringReport", ReportKind.MONITORING_REPORT, None, 15),
        ("NotifyChargingLimit", ReportKind.CHARGING_LIMIT, "SO", None),
        ("ClearedChargingLimit", ReportKind.CHARGING_LIMIT_CLEARED, "EMS", None),
        ("ReportChargingProfiles", ReportKind.CHARGING_PROFILES_REPORT, "CSO", 18),
        ("NotifyEVChargingNeeds", ReportKind.EV_CHARGING_NEEDS, "Rejected", None),
        ("NotifyEVChargingSchedule", ReportKind.EV_CHARGING_SCHEDULE, "Accepted", None),
        ("NotifyDisplayMessages", ReportKind.DISPLAY_MESSAGES, None, 14),
        ("NotifyCustomerInformation", ReportKind.CUSTOMER_INFORMATION, None, 13),
        ("ReservationStatusUpdate", ReportKind.RESERVATION_STATUS, "Expired", None),
        ("SignCertificate", ReportKind.CERTIFICATE_SIGNING_REQUEST, "Rejected", None),
        ("Get15118EVCertificate", ReportKind.CERTIFICATE_REQUEST, "Failed", None),
        ("GetCertificateStatus", ReportKind.CERTIFICATE_REQUEST, "Failed", None),
    ],
)
async def test_report_routes_store_the_message(
    fakes: Fakes, action: str, kind: ReportKind, status: str | None, request_id: int | None
) -> None:
    response = await call(fakes, action)
    (report,) = fakes.reports.reports
    assert report.station_id == "CS1"
    assert report.kind is kind
    assert report.received_at == NOW
    assert report.status == status
    assert report.status is None or type(report.status) is str
    assert report.request_id == request_id
    assert report.content == msgspec.json.decode(msgspec.json.encode(EXAMPLES[action]))
    answered = msgspec.to_builtins(response).get("status")
    if answered is not None:  # a request we answer with a status is stored with that answer
        assert answered == status


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("SignCertificate", "Rejected"),
        ("Get15118EVCertificate", "Failed"),
        ("GetCertificateStatus", "Failed"),
        ("NotifyEVChargingNeeds", "Rejected"),
        ("NotifyEVChargingSchedule", "Accepted"),
    ],
)
async def test_status_answers(fakes: Fakes, action: str, status: str) -> None:
    response = await call(fakes, action)
    assert response.status == status
