"""Validation and leniency: `validation.classify`, `error_field`, `relaxed`, and `Relaxation`.

A session is strict by default. A `Relaxation` lets a known-broken station through: with
`fields`, only length/bound/unknown-field breaches of fields with those names; with
`actions`, every such breach of those actions. Types, enums and required fields stay
enforced either way, and whatever was let through is named in the event's `relaxed` note.
"""

from __future__ import annotations

import datetime
from typing import Any

import msgspec
import pytest
from test_protocol_tables import (
    V16,
    V201,
    VERSIONS,
    assert_callerror,
    boot,
    call,
    csms,
    frame,
    reset,
    status,
)

from ampyre.messages.v16 import types as t16
from ampyre.messages.v201 import types as t201
from ampyre.protocol import validation
from ampyre.protocol.json_session import CallReceived, Reply, ResultReceived
from ampyre.protocol.validation import STRICT, Relaxation, classify, error_field, relaxed
from ampyre.protocol.versions import ErrorCode, OcppVersion

LONG_SERIAL = "S" * 30  # chargePointSerialNumber allows 25
LONG_VENDOR = "V" * 30  # chargePointVendor allows 20
NAIVE = "2024-05-06T12:00:00"


def _fields(*names: str) -> Relaxation:
    return Relaxation(fields=frozenset(names))


def _actions(*names: str) -> Relaxation:
    return Relaxation(actions=frozenset(names))


def _boot16(**fields: Any) -> dict[str, Any]:
    return {**boot(V16), **fields}


# --- Relaxation ------------------------------------------------------------------------------


def test_relaxation_is_falsy_only_when_empty() -> None:
    assert not STRICT
    assert not Relaxation()
    assert _fields("x")
    assert _actions("Heartbeat")


@pytest.mark.parametrize("version", VERSIONS)
def test_sessions_are_strict_by_default(version: OcppVersion) -> None:
    session = csms(version)
    assert session.relaxation == STRICT
    payload = boot(version)
    if version is V16:
        payload["chargePointSerialNumber"] = LONG_SERIAL
    else:
        payload["chargingStation"]["serialNumber"] = LONG_SERIAL
    event = session.receive(call("BootNotification", payload))
    assert isinstance(event, Reply)
    assert event.error.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION


def test_strict_events_carry_no_relaxed_note() -> None:
    event = csms(V16, relaxation=_fields("chargePointSerialNumber")).receive(
        call("BootNotification", _boot16(chargePointSerialNumber="S" * 25))
    )
    assert isinstance(event, CallReceived)
    assert event.relaxed == ()


# --- relax by field name ---------------------------------------------------------------------


def test_a_relaxed_field_may_be_over_long() -> None:
    session = csms(V16, relaxation=_fields("chargePointSerialNumber"))
    event = session.receive(call("BootNotification", _boot16(chargePointSerialNumber=LONG_SERIAL)))
    assert isinstance(event, CallReceived), event
    assert event.payload.chargePointSerialNumber == LONG_SERIAL
    assert event.payload.chargePointVendor == "VendorX"
    assert len(event.relaxed) == 1
    assert event.relaxed[0].startswith("BootNotification: ")
    assert "chargePointSerialNumber" in event.relaxed[0]


def test_a_relaxed_field_does_not_relax_its_neighbours() -> None:
    session = csms(V16, relaxation=_fields("chargePointSerialNumber"))
    for payload in (
        _boot16(chargePointVendor=LONG_VENDOR),
        _boot16(chargePointVendor=LONG_VENDOR, chargePointSerialNumber=LONG_SERIAL),
        # JSON order decides which breach msgspec meets first: both orders are refused
        {"chargePointSerialNumber": LONG_SERIAL, **_boot16(chargePointVendor=LONG_VENDOR)},
    ):
        event = session.receive(call("BootNotification", payload, "b"))
        assert isinstance(event, Reply), payload
        assert event.error.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
        assert "chargePointVendor" in event.error.description
        assert assert_callerror(event.frame, V16)[1:3] == ["b", "PropertyConstraintViolation"]


def test_a_relaxed_field_keeps_its_type() -> None:
    session = csms(V16, relaxation=_fields("chargePointSerialNumber"))
    event = session.receive(call("BootNotification", _boot16(chargePointSerialNumber=42)))
    assert isinstance(event, Reply)
    assert event.error.code is ErrorCode.TYPE_CONSTRAINT_VIOLATION


def test_a_relaxed_field_is_not_made_optional() -> None:
    session = csms(V16, relaxation=_fields("chargePointVendor"))
    payload = boot(V16)
    del payload["chargePointVendor"]
    event = session.receive(call("BootNotification", payload))
    assert isinstance(event, Reply)
    assert event.error.code is ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION


def test_a_relaxed_field_does_not_let_unknown_fields_in() -> None:
    session = csms(V16, relaxation=_fields("chargePointSerialNumber"))
    payload = {"chargePointSerialNumber": LONG_SERIAL, **boot(V16), "smuggled": 1}
    event = session.receive(call("BootNotification", payload))
    assert isinstance(event, Reply)
    assert event.error.code is ErrorCode.FORMAT_VIOLATION


def test_a_relaxed_field_is_found_at_any_depth() -> None:
    session = csms(V201, relaxation=_fields("serialNumber"))
    payload = boot(V201)
    payload["chargingStation"]["serialNumber"] = "N" * 40
    event = session.receive(call("BootNotification", payload))
    assert isinstance(event, CallReceived), event
    assert event.payload.chargingStation.serialNumber == "N" * 40
    assert "chargingStation.serialNumber" in event.relaxed[0]
    payload["chargingStation"]["model"] = "M" * 40
    assert isinstance(session.receive(call("BootNotification", payload)), Reply)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_relaxed_timestamp_may_lack_its_zone(version: OcppVersion) -> None:
    session = csms(version, relaxation=_fields("timestamp"))
    event = session.receive(call("StatusNotification", {**status(version), "timestamp": NAIVE}))
    assert isinstance(event, CallReceived), event
    assert event.payload.timestamp == datetime.datetime(2024, 5, 6, 12, 0)
    assert event.payload.timestamp.tzinfo is None
    assert "timezone" in event.relaxed[0]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_relaxed_timestamp_must_still_be_a_date_time(version: OcppVersion) -> None:
    session = csms(version, relaxation=_fields("timestamp"))
    event = session.receive(call("StatusNotification", {**status(version), "timestamp": "noon"}))
    assert isinstance(event, Reply)
    assert event.error.code is ErrorCode.FORMAT_VIOLATION


# --- relax whole actions ---------------------------------------------------------------------


def test_a_relaxed_action_lets_any_length_and_unknown_field_through() -> None:
    session = csms(V16, relaxation=_actions("BootNotification"))
    payload = _boot16(
        chargePointVendor=LONG_VENDOR,
        chargePointSerialNumber=LONG_SERIAL,
        firmwareVersion="F" * 200,
        vendorSpecific={"nested": [1, 2]},
    )
    event = session.receive(call("BootNotification", payload))
    assert isinstance(event, CallReceived), event
    assert event.payload.chargePointVendor == LONG_VENDOR
    assert event.payload.firmwareVersion == "F" * 200
    assert event.relaxed and event.relaxed[0].startswith("BootNotification: ")


def test_a_relaxed_action_is_relaxed_at_every_depth() -> None:
    session = csms(V201, relaxation=_actions("BootNotification"))
    payload = boot(V201)
    payload["chargingStation"].update(model="M" * 40, modem={"iccid": "1" * 40}, extra=True)
    event = session.receive(call("BootNotification", payload))
    assert isinstance(event, CallReceived), event
    assert event.payload.chargingStation.modem.iccid == "1" * 40


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"chargePointVendor": LONG_VENDOR}, ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION),
        (_boot16(chargePointVendor=5), ErrorCode.TYPE_CONSTRAINT_VIOLATION),
        (_boot16(chargePointModel=None), ErrorCode.TYPE_CONSTRAINT_VIOLATION),
        (_boot16(iccid=["1"]), ErrorCode.TYPE_CONSTRAINT_VIOLATION),
    ],
)
def test_a_relaxed_action_still_needs_required_fields_and_types(
    payload: dict[str, Any], code: ErrorCode
) -> None:
    session = csms(V16, relaxation=_actions("BootNotification"))
    event = session.receive(call("BootNotification", payload))
    assert isinstance(event, Reply)
    assert event.error.code is code


@pytest.mark.parametrize("version", VERSIONS)
def test_a_relaxed_action_still_checks_enums(version: OcppVersion) -> None:
    session = csms(version, relaxation=_actions("StatusNotification"))
    key = "status" if version is V16 else "connectorStatus"
    event = session.receive(call("StatusNotification", {**status(version), key: "Bogus"}))
    assert isinstance(event, Reply)
    assert event.error.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION


@pytest.mark.parametrize("version", VERSIONS)
def test_a_relaxed_action_accepts_a_date_time_without_zone(version: OcppVersion) -> None:
    session = csms(version, relaxation=_actions("StatusNotification"))
    event = session.receive(call("StatusNotification", {**status(version), "timestamp": NAIVE}))
    assert isinstance(event, CallReceived), event
    assert event.payload.timestamp.tzinfo is None


@pytest.mark.parametrize("version", VERSIONS)
def test_other_actions_stay_strict(version: OcppVersion) -> None:
    session = csms(version, relaxation=_actions("BootNotification"))
    event = session.receive(call("Heartbeat", {"unknown": 1}))
    assert isinstance(event, Reply)
    assert event.error.code is ErrorCode.FORMAT_VIOLATION
    event = session.receive(call("StatusNotification", {**status(version), "timestamp": NAIVE}))
    assert isinstance(event, Reply)


@pytest.mark.parametrize("version", VERSIONS)
def test_relaxation_does_not_help_with_invalid_json_or_frames(version: OcppVersion) -> None:
    session = csms(version, relaxation=_actions("BootNotification", "Heartbeat"))
    assert isinstance(session.receive('[2,"1","Heartbeat",{'), Reply)
    assert isinstance(session.receive('[2,"1","Heartbeat"]'), Reply)
    event = session.receive(call("Reset", reset(version)))
    assert isinstance(event, Reply)
    assert event.error.code is ErrorCode.NOT_SUPPORTED


@pytest.mark.parametrize("version", VERSIONS)
def test_relaxation_applies_to_results_of_our_calls(version: OcppVersion) -> None:
    session = csms(version, relaxation=_actions("Reset"))
    pending, _ = session.call("Reset", reset(version), 10.0)
    event = session.receive(frame(3, pending.message_id, {"status": "Accepted", "vendor": "x"}))
    assert isinstance(event, ResultReceived), event
    assert event.payload.status == "Accepted"
    assert event.relaxed and "vendor" in event.relaxed[0]


@pytest.mark.parametrize("version", VERSIONS)
def test_relaxation_does_not_apply_to_what_we_send(version: OcppVersion) -> None:
    session = csms(version, relaxation=_actions("Reset", "BootNotification"))
    with pytest.raises(ValueError):
        session.call("Reset", {**reset(version), "extra": 1}, 1.0)
    data = session.answer("b", "BootNotification", {"status": "Accepted", "interval": 1})
    assert assert_callerror(data, version)[2] == "InternalError"


# --- classify() and error_field() ------------------------------------------------------------


def _error(cls: type[Any], data: bytes) -> msgspec.ValidationError | msgspec.DecodeError:
    try:
        msgspec.json.decode(data, type=cls)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        return exc
    raise AssertionError(f"{data!r} is a valid {cls.__name__}")


@pytest.mark.parametrize(
    ("cls", "data", "code", "field"),
    [
        (t16.ResetRequest, b"{", ErrorCode.FORMAT_VIOLATION, None),
        (t16.ResetRequest, b"{}", ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION, "type"),
        (t16.ResetRequest, b'{"type":"Hard","x":1}', ErrorCode.FORMAT_VIOLATION, "x"),
        (t16.ResetRequest, b'{"type":"Lukewarm"}', ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, "type"),
        (t16.ResetRequest, b'{"type":1}', ErrorCode.TYPE_CONSTRAINT_VIOLATION, "type"),
        (t16.ResetRequest, b"[]", ErrorCode.TYPE_CONSTRAINT_VIOLATION, None),
        (
            t16.AuthorizeRequest,
            b'{"idTag":"' + b"t" * 21 + b'"}',
            ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
            "idTag",
        ),
        (
            t16.HeartbeatResponse,
            b'{"currentTime":"2024-02-30T00:00:00Z"}',
            ErrorCode.FORMAT_VIOLATION,
            "currentTime",
        ),
        (
            t16.MeterValuesRequest,
            b'{"connectorId":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z",'
            b'"sampledValue":[]}]}',
            ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
            "sampledValue",
        ),
        (
            t16.MeterValuesRequest,
            b'{"connectorId":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z",'
            b'"sampledValue":[{"value":"1","unit":"Parsecs"}]}]}',
            ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
            "unit",
        ),
        (
            t16.MeterValuesRequest,
            b'{"connectorId":1,"meterValue":[7]}',
            ErrorCode.TYPE_CONSTRAINT_VIOLATION,
            None,
        ),
        (
            t201.GetVariablesRequest,
            b'{"getVariableData":[]}',
            ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
            "getVariableData",
        ),
    ],
)
def test_classify_and_error_field(
    cls: type[Any], data: bytes, code: ErrorCode, field: str | None
) -> None:
    exc = _error(cls, data)
    error = classify(exc)
    assert error.code is code, str(exc)
    if isinstance(exc, msgspec.ValidationError):
        assert error_field(exc) == field
    assert error.description


def test_classify_names_the_path_of_a_missing_field() -> None:
    error = classify(_error(t16.ResetRequest, b"{}"))
    assert "type" in error.description
    nested = classify(
        _error(t201.BootNotificationRequest, b'{"reason":"PowerUp","chargingStation":{}}')
    )
    assert "$.chargingStation" in nested.description


# --- relaxed() -------------------------------------------------------------------------------


def test_relaxed_types_are_cached_and_keep_wire_names() -> None:
    first = relaxed(t16.BootNotificationRequest, None)
    assert relaxed(t16.BootNotificationRequest, None) is first
    assert relaxed(t16.BootNotificationRequest, frozenset({"iccid"})) is not first
    assert first is not t16.BootNotificationRequest
    assert first.__name__ == "BootNotificationRequest"
    names = [f.encode_name for f in msgspec.structs.fields(first)]
    assert names == [f.encode_name for f in msgspec.structs.fields(t16.BootNotificationRequest)]


def test_relaxed_values_encode_like_the_strict_ones() -> None:
    data = b'{"chargePointVendor":"VendorX","chargePointModel":"M"}'
    loose = msgspec.json.decode(data, type=relaxed(t16.BootNotificationRequest, None))
    strict = msgspec.json.decode(data, type=t16.BootNotificationRequest)
    assert msgspec.json.encode(loose) == msgspec.json.encode(strict)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_message_type_can_be_relaxed(version: OcppVersion) -> None:
    table = csms(version).table
    for kind in (table.requests, table.responses):
        for cls in kind.values():
            assert relaxed(cls, None) is not None
            assert relaxed(cls, frozenset({"timestamp", "idTag"})) is not None


def test_decoders_are_cached() -> None:
    assert validation.decoder(t16.ResetRequest) is validation.decoder(t16.ResetRequest)
