"""`JsonSession` as a caller and as an answerer: one CALL in flight, deadlines, answers.

Sans-I/O: time is a float passed in; nothing here waits. The CSMS side sends what a CSMS
initiates (Reset, ...); answers to it arrive as CALLRESULT / CALLERROR frames.
"""

from __future__ import annotations

import datetime
from typing import Any

import msgspec
import pytest
from test_protocol_tables import (
    NOW,
    V16,
    V201,
    VERSIONS,
    assert_callerror,
    boot,
    boot_response,
    call,
    csms,
    frame,
    reset,
    reset_response,
    station,
)

from ampyre.messages.v16 import types as t16
from ampyre.messages.v201 import types as t201
from ampyre.protocol import errors
from ampyre.protocol.json_session import (
    CallReceived,
    Dropped,
    ErrorReceived,
    InvalidResult,
    ResultReceived,
)
from ampyre.protocol.rpc import CallInFlight, MessageType, PendingCall, PendingCalls
from ampyre.protocol.versions import ErrorCode, OcppVersion

RESET_RESPONSE_TYPE = {V16: t16.ResetResponse, V201: t201.ResetResponse}


def _called(version: OcppVersion, deadline: float = 30.0, **kwargs: Any) -> Any:
    """A CSMS session with a Reset in flight; returns (session, pending, frame)."""
    session = csms(version, **kwargs)
    pending, data = session.call("Reset", reset(version), deadline)
    return session, pending, data


# --- call() ----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_call_emits_a_call_frame_and_remembers_it(version: OcppVersion) -> None:
    session, pending, data = _called(version, deadline=12.5)
    assert pending == PendingCall("1", "Reset", 12.5)
    assert session.pending == pending
    assert msgspec.json.decode(data) == [MessageType.CALL, "1", "Reset", reset(version)]


@pytest.mark.parametrize("version", VERSIONS)
def test_call_accepts_a_typed_payload(version: OcppVersion) -> None:
    payload = (
        t16.ResetRequest(type=t16.ResetType.Soft)
        if version is V16
        else t201.ResetRequest(type=t201.ResetEnumType.OnIdle, evseId=2)
    )
    _, data = csms(version).call("Reset", payload, 1.0)
    sent = msgspec.json.decode(data)[3]
    assert sent == ({"type": "Soft"} if version is V16 else {"type": "OnIdle", "evseId": 2})


def test_ids_come_from_the_id_factory_or_count_up() -> None:
    ids = iter(["a-1", "a-2"])
    session = csms(V201, id_factory=lambda: next(ids))
    pending, data = session.call("Reset", reset(V201), 1.0)
    assert pending.message_id == "a-1"
    assert msgspec.json.decode(data)[1] == "a-1"
    session.receive(frame(3, "a-1", reset_response(V201)))
    assert session.call("Reset", reset(V201), 1.0)[0].message_id == "a-2"

    counting = csms(V16)
    seen = []
    for _ in range(3):
        pending, _ = counting.call("Reset", reset(V16), 1.0)
        seen.append(pending.message_id)
        counting.receive(frame(3, pending.message_id, reset_response(V16)))
    assert seen == ["1", "2", "3"]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"type": "Sideways"},
        {"type": 1},
        {"type": "Hard", "extra": True},
        {"type": "Immediate", "evseId": "one"},
    ],
)
def test_call_refuses_an_invalid_payload_and_keeps_nothing_pending(
    version: OcppVersion, payload: dict[str, Any]
) -> None:
    session = csms(version)
    with pytest.raises(ValueError, match="invalid Reset payload"):
        session.call("Reset", payload, 1.0)
    assert session.pending is None
    # nothing is in flight: a valid call goes ahead, with the first id
    pending, _ = session.call("Reset", reset(version), 1.0)
    assert pending.message_id == "1"


@pytest.mark.parametrize("version", VERSIONS)
def test_call_refuses_a_naive_date_time(version: OcppVersion) -> None:
    session = station(version)
    naive = datetime.datetime(2024, 5, 6, 12, 0)
    payload = {**_station_status(version), "timestamp": naive}
    with pytest.raises(ValueError):
        session.call("StatusNotification", payload, 1.0)
    aware = {**payload, "timestamp": naive.replace(tzinfo=datetime.UTC)}
    assert session.call("StatusNotification", aware, 1.0)[0].action == "StatusNotification"


def _station_status(version: OcppVersion) -> dict[str, Any]:
    if version is V16:
        return {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
    return {"connectorStatus": "Available", "evseId": 1, "connectorId": 1}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("action", ["BootNotification", "Heartbeat", "StatusNotification"])
def test_the_csms_may_not_send_what_a_station_initiates(version: OcppVersion, action: str) -> None:
    session = csms(version)
    with pytest.raises(ValueError, match="cannot be sent by this side"):
        session.call(action, {}, 1.0)
    assert session.pending is None


@pytest.mark.parametrize("version", VERSIONS)
def test_a_station_may_not_send_what_a_csms_initiates(version: OcppVersion) -> None:
    with pytest.raises(ValueError, match="cannot be sent by this side"):
        station(version).call("Reset", reset(version), 1.0)


@pytest.mark.parametrize("version", VERSIONS)
def test_call_refuses_an_unknown_action(version: OcppVersion) -> None:
    with pytest.raises(ValueError):
        csms(version).call("Explode", {}, 1.0)


@pytest.mark.parametrize("version", VERSIONS)
def test_data_transfer_may_be_sent_by_both_sides(version: OcppVersion) -> None:
    for session in (csms(version), station(version)):
        pending, _ = session.call("DataTransfer", {"vendorId": "com.example"}, 1.0)
        assert pending.action == "DataTransfer"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_second_call_while_one_is_pending_raises_call_in_flight(version: OcppVersion) -> None:
    session, pending, _ = _called(version)
    with pytest.raises(CallInFlight, match="Reset"):
        session.call("Reset", reset(version), 99.0)
    with pytest.raises(CallInFlight):
        session.call("DataTransfer", {"vendorId": "v"}, 99.0)
    assert session.pending == pending
    assert issubclass(CallInFlight, RuntimeError)


@pytest.mark.parametrize("version", VERSIONS)
def test_an_invalid_second_call_is_refused_as_invalid_first(version: OcppVersion) -> None:
    session, pending, _ = _called(version)
    with pytest.raises(ValueError):
        session.call("Reset", {}, 99.0)
    assert session.pending == pending


@pytest.mark.parametrize("version", VERSIONS)
def test_a_call_may_be_received_while_ours_is_pending(version: OcppVersion) -> None:
    # OCPP-J 4.1.1: CALLs of both sides may cross; only our own CALLs are one at a time.
    session, pending, _ = _called(version)
    event = session.receive(call("BootNotification", boot(version), "1"))
    assert isinstance(event, CallReceived)
    assert session.pending == pending


# --- expire() --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_expire_only_at_or_after_the_deadline(version: OcppVersion) -> None:
    session, pending, _ = _called(version, deadline=100.0)
    assert session.expire(0.0) is None
    assert session.expire(99.999) is None
    assert session.pending == pending
    assert session.expire(100.0) == pending
    assert session.pending is None
    assert session.expire(1000.0) is None


@pytest.mark.parametrize("version", VERSIONS)
def test_expire_without_a_pending_call_is_none(version: OcppVersion) -> None:
    assert csms(version).expire(1e18) is None


@pytest.mark.parametrize("version", VERSIONS)
def test_after_expiry_a_new_call_may_start_and_the_late_result_is_dropped(
    version: OcppVersion,
) -> None:
    session, first, _ = _called(version, deadline=5.0)
    assert session.expire(6.0) == first
    second, _ = session.call("Reset", reset(version), 20.0)
    assert second.message_id != first.message_id
    late = session.receive(frame(3, first.message_id, reset_response(version)))
    assert isinstance(late, Dropped)
    assert first.message_id in late.reason
    assert "late" in late.reason
    assert session.pending == second
    on_time = session.receive(frame(3, second.message_id, reset_response(version)))
    assert isinstance(on_time, ResultReceived)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_late_callerror_is_dropped(version: OcppVersion) -> None:
    session, pending, _ = _called(version, deadline=5.0)
    session.expire(5.0)
    event = session.receive(frame(4, pending.message_id, "InternalError", "", {}))
    assert isinstance(event, Dropped)


# --- CALLRESULT / CALLERROR for our CALL -----------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_a_result_for_the_pending_call_is_typed(version: OcppVersion) -> None:
    session, pending, _ = _called(version)
    event = session.receive(frame(3, pending.message_id, reset_response(version)))
    assert isinstance(event, ResultReceived)
    assert event.message_id == pending.message_id
    assert event.action == "Reset"
    assert isinstance(event.payload, RESET_RESPONSE_TYPE[version])
    assert event.payload.status == "Accepted"
    assert event.relaxed == ()
    assert session.pending is None
    # the same answer again is a duplicate nobody waits for
    assert isinstance(session.receive(frame(3, pending.message_id, {})), Dropped)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_result_from_bytes_or_text_is_the_same(version: OcppVersion) -> None:
    data = frame(3, "1", reset_response(version))
    first, _, _ = _called(version)
    second, _, _ = _called(version)
    assert first.receive(data) == second.receive(data.decode())


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("other_id", ["2", "01", "1 ", "-1", "x" * 36])
def test_a_result_with_an_unknown_id_is_dropped_and_the_call_still_waits(
    version: OcppVersion, other_id: str
) -> None:
    session, pending, _ = _called(version)
    event = session.receive(frame(3, other_id, reset_response(version)))
    assert isinstance(event, Dropped)
    assert "unknown" in event.reason
    assert session.pending == pending


@pytest.mark.parametrize("version", VERSIONS)
def test_a_result_when_nothing_is_pending_is_dropped(version: OcppVersion) -> None:
    assert isinstance(csms(version).receive(frame(3, "1", {"status": "Accepted"})), Dropped)
    assert isinstance(csms(version).receive(frame(4, "1", "GenericError", "", {})), Dropped)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({}, ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION),
        ({"status": "Maybe"}, ErrorCode.PROPERTY_CONSTRAINT_VIOLATION),
        ({"status": 1}, ErrorCode.TYPE_CONSTRAINT_VIOLATION),
        ({"status": "Accepted", "extra": 1}, ErrorCode.FORMAT_VIOLATION),
        (None, ErrorCode.TYPE_CONSTRAINT_VIOLATION),
    ],
)
def test_an_invalid_result_is_reported_not_answered(
    version: OcppVersion, payload: Any, code: ErrorCode
) -> None:
    session, pending, _ = _called(version)
    event = session.receive(frame(3, pending.message_id, payload))
    assert isinstance(event, InvalidResult)
    assert event.message_id == pending.message_id
    assert event.action == "Reset"
    assert event.error.code is code
    # the CALL is answered (badly): it no longer blocks the next one
    assert session.pending is None


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("wire", "code"),
    [
        ("FormationViolation", ErrorCode.FORMAT_VIOLATION),
        ("FormatViolation", ErrorCode.FORMAT_VIOLATION),
        ("OccurenceConstraintViolation", ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION),
        ("OccurrenceConstraintViolation", ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION),
        ("NotSupported", ErrorCode.NOT_SUPPORTED),
        ("RpcFrameworkError", ErrorCode.RPC_FRAMEWORK_ERROR),
        ("NoSuchCode", None),
        ("", None),
    ],
)
def test_a_callerror_for_the_pending_call_is_parsed(
    version: OcppVersion, wire: str, code: ErrorCode | None
) -> None:
    session, pending, _ = _called(version)
    event = session.receive(frame(4, pending.message_id, wire, "it broke", {"why": ["x"]}))
    assert isinstance(event, ErrorReceived)
    assert event.message_id == pending.message_id
    assert event.action == "Reset"
    error = event.error
    assert error.message_id == pending.message_id
    assert error.code is code
    assert error.wire_code == wire
    assert error.description == "it broke"
    assert error.details == {"why": ["x"]}
    assert session.pending is None


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("details", [None, [], "text", 5])
def test_callerror_details_that_are_no_object_read_as_empty(
    version: OcppVersion, details: Any
) -> None:
    session, pending, _ = _called(version)
    event = session.receive(frame(4, pending.message_id, "GenericError", "", details))
    assert isinstance(event, ErrorReceived)
    assert event.error.details == {}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "data",
    [
        frame(3, "1"),
        frame(3, "1", {}, {}),
        frame(4, "1", "GenericError", ""),
        frame(4, "1", "GenericError", "", {}, {}),
        frame(4, "1", 404, "", {}),
        frame(4, "1", "GenericError", 5, {}),
    ],
)
def test_malformed_answers_to_the_pending_call_are_dropped(
    version: OcppVersion, data: bytes
) -> None:
    session, pending, _ = _called(version)
    event = session.receive(data)
    assert isinstance(event, Dropped)
    # nothing was resolved: a proper answer still finds the call
    assert session.pending == pending
    assert isinstance(session.receive(frame(3, "1", reset_response(version))), ResultReceived)


# --- answer() and answer_error() -------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_answer_emits_a_valid_callresult(version: OcppVersion) -> None:
    session = csms(version)
    received = session.receive(call("BootNotification", boot(version), "boot-1"))
    assert isinstance(received, CallReceived)
    data = session.answer(received.message_id, received.action, boot_response(version))
    parts = msgspec.json.decode(data)
    assert parts == [MessageType.CALL_RESULT, "boot-1", boot_response(version)]
    response_type = session.table.responses["BootNotification"]
    msgspec.json.decode(msgspec.json.encode(parts[2]), type=response_type)


@pytest.mark.parametrize("version", VERSIONS)
def test_answer_accepts_a_typed_payload(version: OcppVersion) -> None:
    now = datetime.datetime(2024, 5, 6, 12, tzinfo=datetime.UTC)
    if version is V16:
        payload: Any = t16.BootNotificationResponse(
            status=t16.RegistrationStatus.Accepted, currentTime=now, interval=60
        )
    else:
        payload = t201.BootNotificationResponse(
            status=t201.RegistrationStatusEnumType.Pending, currentTime=now, interval=60
        )
    data = csms(version).answer("b", "BootNotification", payload)
    parts = msgspec.json.decode(data)
    assert parts[:2] == [3, "b"]
    assert parts[2]["currentTime"] == NOW
    assert parts[2]["interval"] == 60


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "change",
    [
        {"status": "Maybe"},
        {"interval": "300"},
        {"currentTime": "2024-05-06T12:00:00"},
        {"currentTime": datetime.datetime(2024, 5, 6, 12)},
        {"unexpected": 1},
        {"status": None},
    ],
)
def test_an_invalid_answer_becomes_an_internal_error(
    version: OcppVersion, change: dict[str, Any]
) -> None:
    payload = {**boot_response(version), **change}
    data = csms(version).answer("boot-1", "BootNotification", payload)
    parts = assert_callerror(data, version)
    assert parts[1:3] == ["boot-1", "InternalError"]
    assert "BootNotification" in parts[3]


@pytest.mark.parametrize("version", VERSIONS)
def test_an_answer_missing_a_field_becomes_an_internal_error(version: OcppVersion) -> None:
    payload = boot_response(version)
    del payload["interval"]
    parts = assert_callerror(csms(version).answer("b", "BootNotification", payload), version)
    assert parts[2] == "InternalError"


@pytest.mark.parametrize("version", VERSIONS)
def test_answer_does_not_touch_the_pending_call(version: OcppVersion) -> None:
    session, pending, _ = _called(version)
    session.answer("1", "BootNotification", boot_response(version))
    session.answer("1", "BootNotification", {})
    assert session.pending == pending


@pytest.mark.parametrize(
    ("version", "error", "wire"),
    [
        (V16, errors.FormatViolation("x"), "FormationViolation"),
        (V201, errors.FormatViolation("x"), "FormatViolation"),
        (V16, errors.OccurrenceConstraintViolation("x"), "OccurenceConstraintViolation"),
        (V201, errors.OccurrenceConstraintViolation("x"), "OccurrenceConstraintViolation"),
        (V16, errors.NotSupported("x"), "NotSupported"),
        (V201, errors.SecurityError("x"), "SecurityError"),
        (V16, errors.RpcFrameworkError("x"), "FormationViolation"),
    ],
)
def test_answer_error_spells_the_code_for_the_version(
    version: OcppVersion, error: errors.OcppError, wire: str
) -> None:
    data = csms(version).answer_error("call-9", error)
    assert assert_callerror(data, version)[1:3] == ["call-9", wire]


@pytest.mark.parametrize("version", VERSIONS)
def test_answer_error_carries_description_and_details(version: OcppVersion) -> None:
    error = errors.GenericError("d" * 300, {"field": "idTag"})
    parts = assert_callerror(csms(version).answer_error("c", error), version)
    assert parts[3] == "d" * 255
    assert parts[4] == {"field": "idTag"}


# --- the pending-call book on its own --------------------------------------------------------


def test_pending_calls_book() -> None:
    book = PendingCalls()
    assert book.current is None
    assert book.resolve("1") is None
    started = book.start("1", "Reset", 10.0)
    assert book.current is started
    with pytest.raises(CallInFlight):
        book.start("2", "Reset", 10.0)
    assert book.resolve("2") is None
    assert book.expire(9.0) is None
    assert book.resolve("1") is started
    assert book.current is None
    book.start("3", "GetLog", 1.0)
    assert book.expire(1.0) is not None
    assert book.resolve("3") is None
