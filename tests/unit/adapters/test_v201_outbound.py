"""Domain values → OCPP 2.0.1 responses (adapters/v201/outbound.py).

Every response is encoded and decoded back with its generated type: decoding runs the
schema constraints (required fields, enums, lengths, time zones) that building does not.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar

import msgspec
import pytest

from ampyre.adapters.v201 import outbound
from ampyre.domain.authorization import AuthorizationResult, AuthorizationStatus
from ampyre.domain.data_transfer import DataTransferResult, DataTransferStatus
from ampyre.domain.station import BootDecision, RegistrationStatus
from ampyre.domain.transactions import Transaction, TransactionOutcome, TransactionState
from ampyre.messages.v201 import types as m

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

S = TypeVar("S", bound=msgspec.Struct)


def wire(response: S) -> tuple[S, dict[str, Any]]:
    """The response as the station reads it: validated by its type, and as plain JSON."""
    data = msgspec.json.encode(response)
    return msgspec.json.decode(data, type=type(response)), msgspec.json.decode(data)


# --- BootNotification ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "interval"),
    [
        (RegistrationStatus.ACCEPTED, 300),
        (RegistrationStatus.PENDING, 30),
        (RegistrationStatus.REJECTED, 60),
    ],
)
def test_boot_response(status: RegistrationStatus, interval: int) -> None:
    decoded, raw = wire(outbound.boot_response(BootDecision(status, interval, NOW)))
    assert decoded.status.value == status.value
    assert decoded.interval == interval
    assert decoded.currentTime == NOW
    assert raw == {"currentTime": "2025-03-01T12:00:00Z", "interval": interval, "status": status}


def test_boot_response_time_is_utc() -> None:
    local = datetime(2025, 3, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    decision = BootDecision(RegistrationStatus.ACCEPTED, 300, local)
    _, raw = wire(outbound.boot_response(decision))
    assert raw["currentTime"] == "2025-03-01T12:00:00Z"


# --- Authorize ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(AuthorizationStatus))
def test_authorize_each_status(status: AuthorizationStatus) -> None:
    decoded, raw = wire(outbound.authorize_response(AuthorizationResult(status)))
    assert decoded.idTokenInfo.status.value == status.value
    assert raw == {"idTokenInfo": {"status": status.value}}


def test_authorize_expiry_and_group() -> None:
    expiry = datetime(2025, 12, 31, 23, 59, tzinfo=UTC)
    result = AuthorizationResult(AuthorizationStatus.ACCEPTED, expiry, "FLEET-7")
    decoded, raw = wire(outbound.authorize_response(result))
    info = decoded.idTokenInfo
    assert info.cacheExpiryDateTime == expiry
    assert info.groupIdToken == m.IdTokenType(idToken="FLEET-7", type=m.IdTokenEnumType.Central)
    assert raw["idTokenInfo"] == {
        "status": "Accepted",
        "cacheExpiryDateTime": "2025-12-31T23:59:00Z",
        "groupIdToken": {"idToken": "FLEET-7", "type": "Central"},
    }


def test_naive_expiry_is_sent_as_utc() -> None:
    result = AuthorizationResult(AuthorizationStatus.BLOCKED, datetime(2025, 1, 1))
    decoded, _ = wire(outbound.authorize_response(result))
    assert decoded.idTokenInfo.cacheExpiryDateTime == datetime(2025, 1, 1, tzinfo=UTC)


def test_long_group_id_fits_the_schema() -> None:
    result = AuthorizationResult(AuthorizationStatus.ACCEPTED, None, "G" * 50)
    decoded, _ = wire(outbound.authorize_response(result))
    assert decoded.idTokenInfo.groupIdToken is not None
    assert decoded.idTokenInfo.groupIdToken.idToken == "G" * 36


# --- TransactionEvent ---------------------------------------------------------------------


def _outcome(auth: AuthorizationResult | None) -> TransactionOutcome:
    transaction = Transaction(
        id=1, station_id="CS1", ref="tx-1", evse_id=1, connector_id=1, state=TransactionState.ACTIVE
    )
    return TransactionOutcome(transaction, auth)


def test_transaction_event_without_token_is_empty() -> None:
    _, raw = wire(outbound.transaction_event_response(_outcome(None), token_shown=False))
    assert raw == {}


@pytest.mark.parametrize("status", list(AuthorizationStatus))
def test_transaction_event_answers_the_token(status: AuthorizationStatus) -> None:
    response = outbound.transaction_event_response(
        _outcome(AuthorizationResult(status)), token_shown=True
    )
    _, raw = wire(response)
    assert raw == {"idTokenInfo": {"status": status.value}}


def test_transaction_event_token_without_decision_is_accepted() -> None:
    _, raw = wire(outbound.transaction_event_response(_outcome(None), token_shown=True))
    assert raw == {"idTokenInfo": {"status": "Accepted"}}


# --- DataTransfer -------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(DataTransferStatus))
@pytest.mark.parametrize("data", [None, "text", 3, {"a": [1, 2]}])
def test_data_transfer(status: DataTransferStatus, data: Any) -> None:
    decoded, raw = wire(outbound.data_transfer_response(DataTransferResult(status, data)))
    assert decoded.status.value == status.value
    assert decoded.data == data
    assert raw.get("data") == data


# --- requests we cannot serve yet ---------------------------------------------------------


def test_sign_certificate_rejected() -> None:
    decoded, raw = wire(outbound.sign_certificate_response())
    assert decoded.status is m.GenericStatusEnumType.Rejected
    assert raw["statusInfo"]["reasonCode"] == "UnsupportedRequest"


def test_get_15118_ev_certificate_failed() -> None:
    decoded, raw = wire(outbound.get_15118_ev_certificate_response())
    assert decoded.status is m.Iso15118EVCertificateStatusEnumType.Failed
    assert raw["exiResponse"] == ""


def test_get_certificate_status_failed() -> None:
    decoded, raw = wire(outbound.get_certificate_status_response())
    assert decoded.status is m.GetCertificateStatusEnumType.Failed
    assert "ocspResult" not in raw


def test_ev_charging_needs_rejected() -> None:
    decoded, _ = wire(outbound.ev_charging_needs_response())
    assert decoded.status is m.NotifyEVChargingNeedsStatusEnumType.Rejected


def test_ev_charging_schedule_accepted() -> None:
    decoded, raw = wire(outbound.ev_charging_schedule_response())
    assert decoded.status is m.GenericStatusEnumType.Accepted
    assert raw == {"status": "Accepted"}
