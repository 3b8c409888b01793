"""A station-side session and a CSMS-side session talk to each other through their frames only.

No sockets: the bytes one session emits are the bytes the other receives.
"""

from __future__ import annotations

import datetime

import msgspec
import pytest
from test_protocol_tables import (
    V16,
    V201,
    VERSIONS,
    boot,
    boot_response,
    csms,
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
    Reply,
    ResultReceived,
)
from ampyre.protocol.versions import ErrorCode, OcppVersion

NOW = datetime.datetime(2024, 5, 6, 12, tzinfo=datetime.UTC)
BOOT_TYPES = {
    V16: (t16.BootNotificationRequest, t16.BootNotificationResponse),
    V201: (t201.BootNotificationRequest, t201.BootNotificationResponse),
}


@pytest.mark.parametrize("version", VERSIONS)
def test_boot_notification_round_trip(version: OcppVersion) -> None:
    cp, central = station(version), csms(version)
    request_type, response_type = BOOT_TYPES[version]

    pending, data = cp.call("BootNotification", boot(version), deadline=30.0)
    received = central.receive(data)
    assert isinstance(received, CallReceived)
    assert received.message_id == pending.message_id
    assert received.action == "BootNotification"
    assert isinstance(received.payload, request_type)
    assert received.payload == msgspec.convert(boot(version), request_type)

    answer = central.answer(received.message_id, received.action, boot_response(version))
    result = cp.receive(answer)
    assert isinstance(result, ResultReceived)
    assert result.message_id == pending.message_id
    assert result.action == "BootNotification"
    assert isinstance(result.payload, response_type)
    assert result.payload.currentTime == NOW
    assert result.payload.interval == 300
    assert result.payload.status == "Accepted"
    assert cp.pending is None


@pytest.mark.parametrize("version", VERSIONS)
def test_typed_boot_notification_round_trip(version: OcppVersion) -> None:
    cp, central = station(version), csms(version)
    request_type, response_type = BOOT_TYPES[version]
    request = msgspec.convert(boot(version), request_type)
    _, data = cp.call("BootNotification", request, deadline=1.0)
    received = central.receive(data)
    assert isinstance(received, CallReceived)
    assert received.payload == request
    response = msgspec.convert(boot_response(version), response_type)
    result = cp.receive(central.answer(received.message_id, "BootNotification", response))
    assert isinstance(result, ResultReceived)
    assert result.payload == response


@pytest.mark.parametrize("version", VERSIONS)
def test_reset_round_trip_from_the_csms(version: OcppVersion) -> None:
    cp, central = station(version), csms(version)
    pending, data = central.call("Reset", reset(version), deadline=30.0)
    received = cp.receive(data)
    assert isinstance(received, CallReceived)
    assert received.action == "Reset"
    result = central.receive(cp.answer(received.message_id, "Reset", reset_response(version)))
    assert isinstance(result, ResultReceived)
    assert result.message_id == pending.message_id
    assert result.payload.status == "Accepted"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_refused_call_round_trip(version: OcppVersion) -> None:
    cp, central = station(version), csms(version)
    pending, data = cp.call("Heartbeat", {}, deadline=30.0)
    received = central.receive(data)
    assert isinstance(received, CallReceived)
    assert received.message_id == pending.message_id
    refusal = central.answer_error(received.message_id, errors.SecurityError("not yet", {"a": 1}))
    result = cp.receive(refusal)
    assert isinstance(result, ErrorReceived)
    assert result.action == "Heartbeat"
    assert result.error.code is ErrorCode.SECURITY_ERROR
    assert result.error.description == "not yet"
    assert result.error.details == {"a": 1}
    assert cp.pending is None


@pytest.mark.parametrize("version", VERSIONS)
def test_a_bad_call_is_answered_and_the_station_reads_the_code(version: OcppVersion) -> None:
    cp, central = station(version), csms(version)
    pending, _ = cp.call("Heartbeat", {}, deadline=30.0)
    # The station's frame is replaced by a broken one with the same id and a missing field.
    reply = central.receive(msgspec.json.encode([2, pending.message_id, "BootNotification", {}]))
    assert isinstance(reply, Reply)
    event = cp.receive(reply.frame)
    assert isinstance(event, ErrorReceived)
    assert event.error.code is ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
    wire = "OccurenceConstraintViolation" if version is V16 else "OccurrenceConstraintViolation"
    assert event.error.wire_code == wire


@pytest.mark.parametrize("version", VERSIONS)
def test_calls_that_cross_are_both_answered(version: OcppVersion) -> None:
    cp = station(version, id_factory=lambda: "cp-1")
    central = csms(version, id_factory=lambda: "cs-1")
    _, from_cp = cp.call("BootNotification", boot(version), deadline=30.0)
    _, from_cs = central.call("Reset", reset(version), deadline=30.0)

    at_cs = central.receive(from_cp)
    at_cp = cp.receive(from_cs)
    assert isinstance(at_cs, CallReceived) and isinstance(at_cp, CallReceived)

    cp_result = cp.receive(central.answer("cp-1", "BootNotification", boot_response(version)))
    cs_result = central.receive(cp.answer("cs-1", "Reset", reset_response(version)))
    assert isinstance(cp_result, ResultReceived) and cp_result.action == "BootNotification"
    assert isinstance(cs_result, ResultReceived) and cs_result.action == "Reset"
    assert cp.pending is None and central.pending is None


@pytest.mark.parametrize("version", VERSIONS)
def test_a_callerror_about_a_bad_frame_is_never_answered_back(version: OcppVersion) -> None:
    cp, central = station(version), csms(version)
    cp.call("Heartbeat", {}, deadline=30.0)
    reply = central.receive("not json")
    assert isinstance(reply, Reply)
    # the station has nothing pending under "-1": the CALLERROR is dropped, not answered
    assert isinstance(cp.receive(reply.frame), Dropped)
    assert cp.pending is not None
