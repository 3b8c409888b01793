"""OCPP 2.0.1 requests → domain values (adapters/v201/inbound.py).

Requests are decoded from JSON with the generated types, as the session does, so the
examples are checked against the schema constraints too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec
import pytest

from ampyre.adapters.content import station_report
from ampyre.adapters.v201 import inbound
from ampyre.domain.authorization import IdToken
from ampyre.domain.availability import ConnectorStatus
from ampyre.domain.metering import ENERGY_REGISTER, register_readings_wh
from ampyre.domain.reports import ReportKind
from ampyre.domain.transactions import UpdateKind
from ampyre.messages.v201 import types as m
from ampyre.protocol.validation import relaxed

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:15:00+01:00"

T = TypeVar("T")


def decode(payload: dict[str, Any], cls: type[T]) -> T:
    return msgspec.json.decode(msgspec.json.encode(payload), type=cls)


# --- BootNotification -------------------------------------------------------------------


def test_boot_full() -> None:
    req = decode(
        {
            "reason": "FirmwareUpdate",
            "chargingStation": {
                "vendorName": "Acme",
                "model": "Volt-22",
                "serialNumber": "SN-0001",
                "firmwareVersion": "4.2.0",
                "modem": {"iccid": "8931000000000000001", "imsi": "204080000000001"},
            },
        },
        m.BootNotificationRequest,
    )
    info = inbound.boot_info(req)
    assert info.vendor == "Acme"
    assert info.model == "Volt-22"
    assert info.serial_number == "SN-0001"
    assert info.firmware_version == "4.2.0"
    assert info.reason == "FirmwareUpdate"
    assert type(info.reason) is str
    assert info.iccid == "8931000000000000001"
    assert info.imsi == "204080000000001"
    assert info.meter_type is None
    assert info.modem_serial_number is None


def test_boot_minimal() -> None:
    req = decode(
        {"reason": "PowerUp", "chargingStation": {"vendorName": "Acme", "model": "V"}},
        m.BootNotificationRequest,
    )
    info = inbound.boot_info(req)
    assert (info.vendor, info.model, info.reason) == ("Acme", "V", "PowerUp")
    assert info.serial_number is None
    assert info.firmware_version is None
    assert info.iccid is None
    assert info.imsi is None


def test_boot_modem_without_fields() -> None:
    req = decode(
        {"reason": "Watchdog", "chargingStation": {"vendorName": "A", "model": "B", "modem": {}}},
        m.BootNotificationRequest,
    )
    info = inbound.boot_info(req)
    assert info.iccid is None
    assert info.imsi is None


# --- StatusNotification -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "domain"),
    [
        ("Available", ConnectorStatus.AVAILABLE),
        ("Occupied", ConnectorStatus.OCCUPIED),
        ("Reserved", ConnectorStatus.RESERVED),
        ("Unavailable", ConnectorStatus.UNAVAILABLE),
        ("Faulted", ConnectorStatus.FAULTED),
    ],
)
def test_status_notification(wire: str, domain: ConnectorStatus) -> None:
    req = decode(
        {"timestamp": T1, "connectorStatus": wire, "evseId": 2, "connectorId": 3},
        m.StatusNotificationRequest,
    )
    report = inbound.status_report("CS1", req)
    assert report.station_id == "CS1"
    assert (report.evse_id, report.connector_id) == (2, 3)  # EVSE-first: taken as sent
    assert report.status is domain
    assert report.timestamp == datetime(2025, 3, 1, 9, 15, tzinfo=UTC)
    assert report.timestamp.tzinfo is UTC
    assert report.error_code is None


def test_every_wire_connector_status_is_mapped() -> None:
    for status in m.ConnectorStatusEnumType:
        req = m.StatusNotificationRequest(
            timestamp=NOW, connectorStatus=status, evseId=1, connectorId=1
        )
        assert inbound.status_report("CS1", req).status.value == status.value


# --- Authorize ---------------------------------------------------------------------------


def test_id_token_keeps_type() -> None:
    req = decode({"idToken": {"idToken": "04A2B3C4", "type": "ISO14443"}}, m.AuthorizeRequest)
    token = inbound.id_token(req.idToken)
    assert token == IdToken("04A2B3C4", "ISO14443")
    assert type(token.type) is str


def test_presented_token_no_authorization_is_no_token() -> None:
    token = m.IdTokenType(idToken="", type=m.IdTokenEnumType.NoAuthorization)
    assert inbound.presented_token(token) is None
    assert inbound.presented_token(None) is None
    central = m.IdTokenType(idToken="X", type=m.IdTokenEnumType.Central)
    assert inbound.presented_token(central) == IdToken("X", "Central")


# --- TransactionEvent --------------------------------------------------------------------


def _event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventType": "Started",
        "timestamp": T0,
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "tx-42", "chargingState": "EVConnected"},
    }
    event.update(overrides)
    return event


def test_transaction_started() -> None:
    req = decode(
        _event(
            evse={"id": 1, "connectorId": 2},
            idToken={"idToken": "TOKEN1", "type": "ISO14443"},
            reservationId=5,
            transactionInfo={
                "transactionId": "tx-42",
                "chargingState": "EVConnected",
                "remoteStartId": 77,
            },
            meterValue=[
                {
                    "timestamp": T0,
                    "sampledValue": [
                        {
                            "value": 12.345,
                            "context": "Transaction.Begin",
                            "measurand": "Energy.Active.Import.Register",
                            "unitOfMeasure": {"unit": "kWh", "multiplier": 0},
                        }
                    ],
                }
            ],
        ),
        m.TransactionEventRequest,
    )
    update = inbound.transaction_update("CS1", req)
    assert update.station_id == "CS1"
    assert update.kind is UpdateKind.STARTED
    assert update.timestamp == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    assert update.ref == "tx-42"
    assert update.seq_no == 0
    assert (update.evse_id, update.connector_id) == (1, 2)
    assert update.id_token == IdToken("TOKEN1", "ISO14443")
    assert update.trigger_reason == "Authorized"
    assert update.charging_state == "EVConnected"
    assert update.remote_start_id == 77
    assert update.reservation_id == 5
    assert update.offline is False
    assert update.stop_reason is None
    assert update.meter_start_wh is None
    assert update.meter_stop_wh is None
    assert register_readings_wh(update.meter_values) == [pytest.approx(12345.0)]
    sample = update.meter_values[0].samples[0]
    assert sample.context == "Transaction.Begin"
    assert sample.unit == "kWh"


def test_transaction_updated_offline_without_evse_or_token() -> None:
    req = decode(
        _event(
            eventType="Updated",
            seqNo=3,
            offline=True,
            triggerReason="MeterValuePeriodic",
            transactionInfo={"transactionId": "tx-42", "chargingState": "Charging"},
            meterValue=[
                {
                    "timestamp": T1,
                    "sampledValue": [
                        # no unitOfMeasure and no measurand: the energy register in Wh
                        {"value": 1500},
                        {
                            "value": 7.2,
                            "measurand": "Power.Active.Import",
                            "unitOfMeasure": {"unit": "kW", "multiplier": 0},
                        },
                        {"value": 16, "measurand": "Current.Import", "phase": "L1"},
                    ],
                }
            ],
        ),
        m.TransactionEventRequest,
    )
    update = inbound.transaction_update("CS1", req)
    assert update.kind is UpdateKind.UPDATED
    assert update.offline is True
    assert update.seq_no == 3
    assert update.evse_id is None
    assert update.connector_id is None
    assert update.id_token is None
    assert update.trigger_reason == "MeterValuePeriodic"
    assert update.charging_state == "Charging"
    (value,) = update.meter_values
    assert value.timestamp == datetime(2025, 3, 1, 9, 15, tzinfo=UTC)
    energy, power, current = value.samples
    assert (energy.measurand, energy.unit, energy.multiplier) == (ENERGY_REGISTER, "Wh", 0)
    assert energy.value == "1500.0"
    assert energy.number == 1500.0
    assert (power.measurand, power.unit) == ("Power.Active.Import", "kW")
    assert (current.measurand, current.unit, current.phase) == ("Current.Import", None, "L1")
    assert register_readings_wh(update.meter_values) == [1500.0]


def test_transaction_ended_with_kwh_register_and_multiplier() -> None:
    req = decode(
        _event(
            eventType="Ended",
            seqNo=9,
            triggerReason="EVCommunicationLost",
            transactionInfo={
                "transactionId": "tx-42",
                "stoppedReason": "EVDisconnected",
                "chargingState": "Idle",
                "remoteStartId": 77,
            },
            idToken={"idToken": "TOKEN1", "type": "ISO14443"},
            meterValue=[
                {
                    "timestamp": T0,
                    "sampledValue": [
                        # 12.5 kWh written as 12.5 x 10^3 Wh ... and as 0.0125 x 10^3 kWh
                        {
                            "value": 12.5,
                            "context": "Transaction.End",
                            "unitOfMeasure": {"unit": "Wh", "multiplier": 3},
                        },
                        {
                            "value": 0.0125,
                            "context": "Transaction.End",
                            "measurand": "Energy.Active.Import.Register",
                            "unitOfMeasure": {"unit": "kWh", "multiplier": 3},
                        },
                    ],
                }
            ],
        ),
        m.TransactionEventRequest,
    )
    update = inbound.transaction_update("CS1", req)
    assert update.kind is UpdateKind.ENDED
    assert update.stop_reason == "EVDisconnected"
    assert update.charging_state == "Idle"
    assert update.remote_start_id == 77
    assert update.id_token == IdToken("TOKEN1", "ISO14443")
    first, second = update.meter_values[0].samples
    assert (first.value, first.unit, first.multiplier) == ("12.5", "Wh", 3)
    assert (second.value, second.unit, second.multiplier) == ("0.0125", "kWh", 3)
    assert register_readings_wh(update.meter_values) == [
        pytest.approx(12500.0),
        pytest.approx(12500.0),
    ]


def test_transaction_ended_without_reason_is_local() -> None:
    req = decode(
        _event(eventType="Ended", triggerReason="StopAuthorized"), m.TransactionEventRequest
    )
    assert inbound.transaction_update("CS1", req).stop_reason == "Local"


def test_transaction_no_authorization_token_is_no_token() -> None:
    req = decode(
        _event(idToken={"idToken": "", "type": "NoAuthorization"}), m.TransactionEventRequest
    )
    assert inbound.transaction_update("CS1", req).id_token is None


@pytest.mark.parametrize("number", [0.0, 1.0, 123456789.0, 2.0**53, 0.1, 1e-7, 1.5e20, -3.25])
def test_sampled_value_text_reads_back_exactly(number: float) -> None:
    value = m.MeterValueType(timestamp=NOW, sampledValue=[m.SampledValueType(value=number)])
    (converted,) = inbound.meter_values([value])
    assert float(converted.samples[0].value) == number


def test_large_integer_register_keeps_every_digit() -> None:
    req = decode(
        {"evseId": 1, "meterValue": [{"timestamp": T0, "sampledValue": [{"value": 987654321}]}]},
        m.MeterValuesRequest,
    )
    (value,) = inbound.meter_values(req.meterValue)
    assert value.samples[0].value == "987654321.0"
    assert register_readings_wh([value]) == [987654321.0]


def test_signed_meter_value_is_flagged() -> None:
    sample = {
        "value": 10,
        "signedMeterValue": {
            "signedMeterData": "AAAA",
            "signingMethod": "ECDSA-secp256r1-SHA256",
            "encodingMethod": "OCMF",
            "publicKey": "BBBB",
        },
    }
    req = decode(
        {"evseId": 1, "meterValue": [{"timestamp": T0, "sampledValue": [sample]}]},
        m.MeterValuesRequest,
    )
    assert inbound.meter_values(req.meterValue)[0].samples[0].signed is True


def test_meter_values_none_is_empty() -> None:
    assert inbound.meter_values(None) == ()


# --- DataTransfer and reports ------------------------------------------------------------


@pytest.mark.parametrize("data", [None, "text", 42, [1, "a"], {"nested": {"x": [True, None]}}])
def test_data_transfer_passes_any_json(data: Any) -> None:
    payload: dict[str, Any] = {"vendorId": "com.acme", "messageId": "Tariff"}
    if data is not None:
        payload["data"] = data
    req = decode(payload, m.DataTransferRequest)
    transfer = inbound.data_transfer("CS1", req, NOW)
    assert transfer.station_id == "CS1"
    assert transfer.received_at == NOW
    assert transfer.vendor_id == "com.acme"
    assert transfer.message_id == "Tariff"
    assert transfer.data == data


def test_station_report_keeps_content_status_and_request_id() -> None:
    req = decode({"status": "Installed", "requestId": 12}, m.FirmwareStatusNotificationRequest)
    report = station_report("CS1", ReportKind.FIRMWARE_STATUS, req, NOW, req.status, req.requestId)
    assert report.station_id == "CS1"
    assert report.kind is ReportKind.FIRMWARE_STATUS
    assert report.received_at == NOW
    assert report.status == "Installed"
    assert type(report.status) is str
    assert report.request_id == 12
    assert report.content == {"status": "Installed", "requestId": 12}


def test_station_report_content_is_plain_json() -> None:
    req = decode(
        {"type": "StartupOfTheDevice", "timestamp": T0}, m.SecurityEventNotificationRequest
    )
    report = station_report("CS1", ReportKind.SECURITY_EVENT, req, NOW, req.type)
    assert report.status == "StartupOfTheDevice"
    assert report.request_id is None
    assert report.content == {"type": "StartupOfTheDevice", "timestamp": "2025-03-01T10:00:00Z"}


def test_relaxed_request_of_a_lenient_station() -> None:
    """Lenient stations are decoded into relaxed copies of the types (no lengths, no zones)."""
    cls = relaxed(m.TransactionEventRequest, None)
    payload = _event(timestamp="2025-03-01T10:00:00", transactionInfo={"transactionId": "x" * 40})
    req = msgspec.json.decode(msgspec.json.encode(payload), type=cls)
    update = inbound.transaction_update("CS1", req)
    assert update.timestamp == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    assert update.ref == "x" * 40
