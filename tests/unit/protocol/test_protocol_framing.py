"""OCPP-J framing: `json_framing.parse`/`encode_*`, and the bad-input table of a CSMS session.

Every bad frame a station may send is answered with one CALLERROR (OCPP-J 1.6 and 2.0.1
section 4.2.3): the frame's MessageId when it can be read, "-1" otherwise, the code spelled
for the connection's version, a description of at most 255 characters, details an object.
"""

from __future__ import annotations

import copy
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
    call,
    csms,
    frame,
    reset,
    status,
)

from ampyre.protocol import errors
from ampyre.protocol import json_framing as framing
from ampyre.protocol.json_session import CallReceived, Dropped, Reply
from ampyre.protocol.rpc import UNREADABLE_MESSAGE_ID, MessageType
from ampyre.protocol.versions import ErrorCode, OcppVersion

FORMAT = ErrorCode.FORMAT_VIOLATION
RPC = ErrorCode.RPC_FRAMEWORK_ERROR
TYPE = ErrorCode.TYPE_CONSTRAINT_VIOLATION
PROPERTY = ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
OCCURRENCE = ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
NO_ID = UNREADABLE_MESSAGE_ID
ID_36 = "x" * 36
ID_37 = "x" * 37

# --- parse(): the frame reader ---------------------------------------------------------------


def test_parse_reads_a_call_and_keeps_the_payload_raw() -> None:
    parsed = framing.parse(b'[2, "19223201", "BootNotification", {"a": [1, 2]}]', 1000)
    assert isinstance(parsed, framing.CallFrame)
    assert parsed.message_id == "19223201"
    assert parsed.action == "BootNotification"
    assert isinstance(parsed.payload, msgspec.Raw)
    assert msgspec.json.decode(parsed.payload) == {"a": [1, 2]}


def test_parse_reads_a_callresult_from_text() -> None:
    parsed = framing.parse('[3,"19223201",{"currentTime":"2013-02-01T20:53:32.486Z"}]', 1000)
    assert isinstance(parsed, framing.CallResultFrame)
    assert parsed.message_id == "19223201"
    assert msgspec.json.decode(parsed.payload) == {"currentTime": "2013-02-01T20:53:32.486Z"}


def test_parse_reads_a_callerror() -> None:
    parsed = framing.parse('[4,"162376037","NotSupported","not here",{"k":[1]}]', 1000)
    assert parsed == framing.CallErrorFrame("162376037", "NotSupported", "not here", {"k": [1]})


@pytest.mark.parametrize("message_id", ["a", ID_36, "ü" * 36, "-1", " "])
def test_parse_accepts_ids_of_1_to_36_characters(message_id: str) -> None:
    parsed = framing.parse(frame(3, message_id, {}), 1000)
    assert isinstance(parsed, framing.CallResultFrame)
    assert parsed.message_id == message_id


def test_size_limit_counts_utf8_bytes_and_is_inclusive() -> None:
    text = '[3,"1",{"s":"' + "é" * 10 + '"}]'
    size = len(text.encode())
    assert size > len(text)
    assert isinstance(framing.parse(text, size), framing.CallResultFrame)
    assert isinstance(framing.parse(text.encode(), size), framing.CallResultFrame)
    too_big = framing.parse(text, size - 1)
    assert isinstance(too_big, framing.BadFrame)
    assert too_big.message_id == NO_ID
    assert isinstance(too_big.error, errors.FormatViolation)
    assert too_big.answerable


@pytest.mark.parametrize(
    "data",
    [
        frame(3, "1"),
        frame(3, "1", {}, {}),
        frame(4, "1", "GenericError", "d"),
        frame(4, "1", "GenericError", "d", {}, 1),
        frame(4, "1", 5, "d", {}),
        frame(4, "1", "GenericError", None, {}),
    ],
)
def test_a_malformed_answer_is_not_answerable(data: bytes) -> None:
    parsed = framing.parse(data, 1000)
    assert isinstance(parsed, framing.BadFrame)
    assert not parsed.answerable
    assert parsed.message_id == "1"


@pytest.mark.parametrize(
    "data",
    [
        frame(3),
        frame(4),
        frame(3, 17, {}),
        frame(3, None, {}),
        frame(3, "", {}),
        frame(3, ID_37, {}),
        frame(4, 17, "GenericError", "", {}),
        frame(4, ID_37, "GenericError", "", {}),
    ],
)
def test_an_answer_with_an_unreadable_id_is_not_answerable(data: bytes) -> None:
    parsed = framing.parse(data, 1000)
    assert isinstance(parsed, framing.BadFrame)
    assert not parsed.answerable


def test_encode_call_result_and_error() -> None:
    assert msgspec.json.decode(framing.encode_call("7", "Heartbeat", {})) == [
        2,
        "7",
        "Heartbeat",
        {},
    ]
    assert msgspec.json.decode(framing.encode_result("7", {"a": 1})) == [3, "7", {"a": 1}]
    data = framing.encode_error("7", errors.FormatViolation("bad", {"at": "$"}), V16)
    assert msgspec.json.decode(data) == [4, "7", "FormationViolation", "bad", {"at": "$"}]


@pytest.mark.parametrize("version", VERSIONS)
def test_encode_error_cuts_the_description_to_255_characters(version: OcppVersion) -> None:
    data = framing.encode_error("7", errors.GenericError("é" * 1000), version)
    parts = assert_callerror(data, version)
    assert parts[3] == "é" * 255


# --- a CSMS session fed bad frames -----------------------------------------------------------

# (case id, frame, expected code, expected MessageId in the CALLERROR, expected Reply.action)
FRAMING_CASES: list[tuple[str, str | bytes, ErrorCode, str, str | None]] = [
    ("not-json", "this is not JSON", FORMAT, NO_ID, None),
    ("not-json-bytes", b"\xff\xfe[2]", FORMAT, NO_ID, None),
    ("truncated-json", '[2,"1","Heartbeat",{}', FORMAT, NO_ID, None),
    ("trailing-garbage", '[2,"1","Heartbeat",{}] x', FORMAT, NO_ID, None),
    ("empty-text", "", FORMAT, NO_ID, None),
    ("json-object", '{"2": "1"}', FORMAT, NO_ID, None),
    ("json-string", '"[2,\\"1\\",\\"Heartbeat\\",{}]"', FORMAT, NO_ID, None),
    ("json-number", "2", FORMAT, NO_ID, None),
    ("json-null", "null", FORMAT, NO_ID, None),
    ("empty-array", "[]", FORMAT, NO_ID, None),
    ("type-is-string", '["2","1","Heartbeat",{}]', FORMAT, NO_ID, None),
    ("type-is-float", '[2.0,"1","Heartbeat",{}]', FORMAT, NO_ID, None),
    ("type-is-bool", '[true,"1","Heartbeat",{}]', FORMAT, NO_ID, None),
    ("type-7", '[7,"m-7",{}]', ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED, "m-7", None),
    ("type-0", '[0,"m-0","Heartbeat",{}]', ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED, "m-0", None),
    ("type-5-wamp", '[5,"m-5"]', ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED, "m-5", None),
    ("type-huge", '[99999999999999999999999,"m"]', ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED, "m", None),
    ("type-7-no-id", "[7]", RPC, NO_ID, None),
    ("call-no-id", "[2]", RPC, NO_ID, None),
    ("id-is-int", '[2,19223201,"Heartbeat",{}]', RPC, NO_ID, None),
    ("id-is-null", '[2,null,"Heartbeat",{}]', RPC, NO_ID, None),
    ("id-is-object", '[2,{"id":"1"},"Heartbeat",{}]', RPC, NO_ID, None),
    ("id-empty", '[2,"","Heartbeat",{}]', RPC, NO_ID, None),
    ("id-37-chars", f'[2,"{ID_37}","Heartbeat",{{}}]', RPC, NO_ID, None),
    ("call-3-elements", '[2,"m-3","Heartbeat"]', FORMAT, "m-3", None),
    ("call-2-elements", '[2,"m-2"]', FORMAT, "m-2", None),
    ("call-5-elements", '[2,"m-5","Heartbeat",{},{}]', FORMAT, "m-5", None),
    ("action-not-string", '[2,"m-a",7,{}]', FORMAT, "m-a", None),
    ("action-null", '[2,"m-a",null,{}]', FORMAT, "m-a", None),
    ("unknown-action", '[2,"m-u","FooBar",{}]', ErrorCode.NOT_IMPLEMENTED, "m-u", "FooBar"),
    ("lowercase-action", '[2,"m-u","heartbeat",{}]', ErrorCode.NOT_IMPLEMENTED, "m-u", "heartbeat"),
    (
        "suffixed-action",
        '[2,"m-u","HeartbeatRequest",{}]',
        ErrorCode.NOT_IMPLEMENTED,
        "m-u",
        "HeartbeatRequest",
    ),
    ("empty-action", '[2,"m-u","",{}]', ErrorCode.NOT_IMPLEMENTED, "m-u", ""),
    ("payload-null", '[2,"m-p","Heartbeat",null]', TYPE, "m-p", "Heartbeat"),
    ("payload-array", '[2,"m-p","Heartbeat",[]]', TYPE, "m-p", "Heartbeat"),
    ("payload-string", '[2,"m-p","Heartbeat","{}"]', TYPE, "m-p", "Heartbeat"),
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("data", "code", "message_id", "action"),
    [pytest.param(*case[1:], id=case[0]) for case in FRAMING_CASES],
)
def test_bad_frames_are_answered_with_a_callerror(
    version: OcppVersion,
    data: str | bytes,
    code: ErrorCode,
    message_id: str,
    action: str | None,
) -> None:
    session = csms(version)
    event = session.receive(data)
    assert isinstance(event, Reply), event
    assert event.error.code is code
    assert event.action == action
    parts = assert_callerror(event.frame, version)
    assert parts[1] == message_id
    assert parts[2] == code.spell(version)
    assert session.pending is None


@pytest.mark.parametrize(
    ("version", "wire"),
    [(V16, "FormationViolation"), (V201, "MessageTypeNotSupported")],
)
def test_an_unknown_message_type_is_spelled_per_version(version: OcppVersion, wire: str) -> None:
    event = csms(version).receive('[7,"19223201",{}]')
    assert isinstance(event, Reply)
    assert assert_callerror(event.frame, version)[1:3] == ["19223201", wire]


@pytest.mark.parametrize(
    ("version", "wire"), [(V16, "FormationViolation"), (V201, "RpcFrameworkError")]
)
@pytest.mark.parametrize("bad_id", [None, 12, "", ID_37, ["1"]])
def test_an_unreadable_message_id_is_answered_with_minus_one(
    version: OcppVersion, wire: str, bad_id: Any
) -> None:
    event = csms(version).receive(frame(2, bad_id, "Heartbeat", {}))
    assert isinstance(event, Reply)
    assert assert_callerror(event.frame, version)[1:3] == ["-1", wire]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_36_character_id_is_read_and_echoed(version: OcppVersion) -> None:
    event = csms(version).receive(frame(2, ID_36, "Heartbeat", {}))
    assert isinstance(event, CallReceived)
    assert event.message_id == ID_36


@pytest.mark.parametrize(
    ("version", "action"),
    [
        (V16, "Reset"),
        (V16, "RemoteStartTransaction"),
        (V16, "GetLog"),
        (V201, "Reset"),
        (V201, "SetVariables"),
        (V201, "GetLog"),
    ],
)
def test_an_action_the_csms_initiates_is_not_supported_from_a_station(
    version: OcppVersion, action: str
) -> None:
    session = csms(version)
    assert action in session.table.requests
    assert action in session.table.outbound
    # the payload is not even read: a valid one and an empty one get the same answer
    payload = reset(version) if action == "Reset" else {}
    event = session.receive(call(action, payload, "m-r"))
    assert isinstance(event, Reply)
    assert event.error.code is ErrorCode.NOT_SUPPORTED
    assert event.action == action
    assert assert_callerror(event.frame, version)[1:3] == ["m-r", "NotSupported"]


@pytest.mark.parametrize("version", VERSIONS)
def test_an_action_of_the_other_version_is_not_implemented(version: OcppVersion) -> None:
    other = "TransactionEvent" if version is V16 else "StartTransaction"
    event = csms(version).receive(call(other, {}))
    assert isinstance(event, Reply)
    assert event.error.code is ErrorCode.NOT_IMPLEMENTED


@pytest.mark.parametrize("version", VERSIONS)
def test_a_huge_unknown_action_gets_a_short_description(version: OcppVersion) -> None:
    event = csms(version).receive(call("A" * 5000, {}))
    assert isinstance(event, Reply)
    assert event.error.code is ErrorCode.NOT_IMPLEMENTED
    assert len(assert_callerror(event.frame, version)[3]) == 255


# --- schema violations -----------------------------------------------------------------------


_GONE = object()
NAIVE = "2024-05-06T12:00:00"


def _with(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """`payload` with the field at dotted `path` set to `value` (deleted when value is _GONE)."""
    *parents, last = path.split(".")
    node = payload
    for key in parents:
        node = node.setdefault(key, {})
    if value is _GONE:
        del node[last]
    else:
        node[last] = value
    return payload


def _needs() -> dict[str, Any]:
    """A valid 2.0.1 NotifyEVChargingNeeds (its stateOfCharge has a minimum and a maximum)."""
    dc = {"evMaxCurrent": 32, "evMaxVoltage": 400, "stateOfCharge": 50}
    return {
        "evseId": 1,
        "chargingNeeds": {"requestedEnergyTransfer": "DC", "dcChargingParameters": dc},
    }


_SOC = "chargingNeeds.dcChargingParameters.stateOfCharge"

# (case id, action, valid payload, field path, bad value or _GONE, code)
SCHEMA_CASES: dict[OcppVersion, list[tuple[str, str, dict[str, Any], str, Any, ErrorCode]]] = {
    V16: [
        ("missing-required", "BootNotification", boot(V16), "chargePointModel", _GONE, OCCURRENCE),
        ("wrong-type-str", "BootNotification", boot(V16), "chargePointVendor", 5, TYPE),
        ("wrong-type-int", "StatusNotification", status(V16), "connectorId", "1", TYPE),
        ("float-for-int", "StatusNotification", status(V16), "connectorId", 1.5, TYPE),
        ("bool-for-int", "StatusNotification", status(V16), "connectorId", True, TYPE),
        ("null-for-required", "StatusNotification", status(V16), "connectorId", None, TYPE),
        ("object-for-str", "BootNotification", boot(V16), "chargePointModel", {}, TYPE),
        ("over-long", "BootNotification", boot(V16), "chargePointVendor", "v" * 21, PROPERTY),
        ("over-long-optional", "BootNotification", boot(V16), "iccid", "1" * 21, PROPERTY),
        ("enum-not-in-list", "StatusNotification", status(V16), "status", "Bogus", PROPERTY),
        ("enum-wrong-case", "StatusNotification", status(V16), "errorCode", "noError", PROPERTY),
        ("unknown-field", "BootNotification", boot(V16), "reason", "PowerUp", FORMAT),
        ("date-time-without-zone", "StatusNotification", status(V16), "timestamp", NAIVE, FORMAT),
        ("date-time-malformed", "StatusNotification", status(V16), "timestamp", "noon", FORMAT),
        (
            "date-time-month-13",
            "StatusNotification",
            status(V16),
            "timestamp",
            "2024-13-01T00:00:00Z",
            FORMAT,
        ),
        (
            "empty-required-array",
            "MeterValues",
            {
                "connectorId": 1,
                "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": "1"}]}],
            },
            "meterValue",
            [],
            OCCURRENCE,
        ),
    ],
    V201: [
        ("missing-required", "BootNotification", boot(V201), "reason", _GONE, OCCURRENCE),
        (
            "missing-nested",
            "BootNotification",
            boot(V201),
            "chargingStation.vendorName",
            _GONE,
            OCCURRENCE,
        ),
        ("wrong-type-str", "BootNotification", boot(V201), "chargingStation.model", 5, TYPE),
        ("wrong-type-int", "StatusNotification", status(V201), "evseId", "1", TYPE),
        ("wrong-type-object", "BootNotification", boot(V201), "chargingStation", "cs", TYPE),
        (
            "over-long",
            "BootNotification",
            boot(V201),
            "chargingStation.model",
            "m" * 21,
            PROPERTY,
        ),
        (
            "over-long-nested",
            "BootNotification",
            boot(V201),
            "chargingStation.modem.iccid",
            "1" * 21,
            PROPERTY,
        ),
        ("enum-not-in-list", "BootNotification", boot(V201), "reason", "Nope", PROPERTY),
        ("below-minimum", "NotifyEVChargingNeeds", _needs(), _SOC, -1, PROPERTY),
        ("above-maximum", "NotifyEVChargingNeeds", _needs(), _SOC, 101, PROPERTY),
        ("unknown-field", "BootNotification", boot(V201), "chargePointVendor", "v", FORMAT),
        ("unknown-nested-field", "BootNotification", boot(V201), "chargingStation.x", 1, FORMAT),
        ("date-time-without-zone", "StatusNotification", status(V201), "timestamp", NAIVE, FORMAT),
        (
            "date-time-malformed",
            "StatusNotification",
            status(V201),
            "timestamp",
            "2024-05-06",
            FORMAT,
        ),
        (
            "empty-required-array",
            "MeterValues",
            {"evseId": 1, "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": 1.5}]}]},
            "meterValue",
            [],
            OCCURRENCE,
        ),
    ],
}

SCHEMA_PARAMS = [
    pytest.param(version, *case[1:], id=f"{version}-{case[0]}")
    for version, cases in SCHEMA_CASES.items()
    for case in cases
]


@pytest.mark.parametrize(("version", "action", "valid", "path", "value", "code"), SCHEMA_PARAMS)
def test_schema_violations_are_answered_with_their_code(
    version: OcppVersion,
    action: str,
    valid: dict[str, Any],
    path: str,
    value: Any,
    code: ErrorCode,
) -> None:
    session = csms(version)
    # the payload before the mutation is accepted: the mutation alone is the fault
    assert isinstance(session.receive(call(action, valid)), CallReceived)
    bad = _with(copy.deepcopy(valid), path, value)
    event = session.receive(call(action, bad, "m-s"))
    assert isinstance(event, Reply), event
    assert event.error.code is code, event.error
    assert event.action == action
    parts = assert_callerror(event.frame, version)
    assert parts[1:3] == ["m-s", code.spell(version)]


@pytest.mark.parametrize("version", VERSIONS)
def test_an_empty_payload_misses_the_required_fields(version: OcppVersion) -> None:
    event = csms(version).receive(call("BootNotification", {}))
    assert isinstance(event, Reply)
    assert event.error.code is OCCURRENCE


@pytest.mark.parametrize(
    ("version", "wire"),
    [(V16, "OccurenceConstraintViolation"), (V201, "OccurrenceConstraintViolation")],
)
def test_a_missing_required_field_is_spelled_per_version(version: OcppVersion, wire: str) -> None:
    payload = boot(version)
    payload.pop("chargePointVendor" if version is V16 else "chargingStation")
    event = csms(version).receive(call("BootNotification", payload))
    assert isinstance(event, Reply)
    assert assert_callerror(event.frame, version)[2] == wire
    field = "chargePointVendor" if version is V16 else "chargingStation"
    assert field in event.error.description


@pytest.mark.parametrize(
    ("version", "wire"), [(V16, "FormationViolation"), (V201, "FormatViolation")]
)
def test_an_unknown_field_is_spelled_per_version(version: OcppVersion, wire: str) -> None:
    event = csms(version).receive(call("Heartbeat", {"hello": "world"}))
    assert isinstance(event, Reply)
    assert assert_callerror(event.frame, version)[2] == wire
    assert "hello" in event.error.description


@pytest.mark.parametrize("version", VERSIONS)
def test_a_date_time_with_an_offset_or_fraction_is_accepted(version: OcppVersion) -> None:
    session = csms(version)
    for stamp in ("2024-05-06T12:00:00+02:00", "2024-05-06T12:00:00.123Z", "2024-05-06t12:00:00z"):
        payload = _with(status(version), "timestamp", stamp)
        event = session.receive(call("StatusNotification", payload))
        assert isinstance(event, CallReceived), (stamp, event)
        assert event.payload.timestamp.tzinfo is not None


@pytest.mark.parametrize("version", VERSIONS)
def test_a_date_time_without_zone_is_rejected_strictly(version: OcppVersion) -> None:
    payload = _with(status(version), "timestamp", NAIVE)
    event = csms(version).receive(call("StatusNotification", payload))
    assert isinstance(event, Reply)
    assert event.error.code in {TYPE, FORMAT}


@pytest.mark.parametrize("version", VERSIONS)
def test_an_explicit_null_for_an_optional_field_is_read_as_absent(version: OcppVersion) -> None:
    payload = boot(version)
    if version is V16:
        payload["iccid"] = None
    else:
        payload["chargingStation"]["serialNumber"] = None
    event = csms(version).receive(call("BootNotification", payload))
    assert isinstance(event, CallReceived)


# --- size limit ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_an_oversized_frame_is_a_format_error_without_id(version: OcppVersion) -> None:
    data = call("DataTransfer", {"vendorId": "v", "data": "x" * 2000}, "m-big")
    session = csms(version, max_frame_bytes=len(data) - 1)
    event = session.receive(data)
    assert isinstance(event, Reply)
    assert event.error.code is FORMAT
    assert assert_callerror(event.frame, version)[1:3] == ["-1", FORMAT.spell(version)]
    roomy = csms(version, max_frame_bytes=len(data))
    assert isinstance(roomy.receive(data), CallReceived)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_default_limit_is_64_kib(version: OcppVersion) -> None:
    session = csms(version)
    assert session.max_frame_bytes == 65536
    event = session.receive(call("DataTransfer", {"vendorId": "v", "data": "x" * 70000}))
    assert isinstance(event, Reply)
    assert event.error.code is FORMAT


@pytest.mark.parametrize("version", VERSIONS)
def test_an_oversized_answer_is_answered_too(version: OcppVersion) -> None:
    # Size is checked before anything is read, so even an oversized answer gets a CALLERROR "-1".
    event = csms(version, max_frame_bytes=10).receive(frame(3, "1", {"a": "b" * 20}))
    assert isinstance(event, Reply)
    assert assert_callerror(event.frame, version)[1] == "-1"


# --- what no peer may make us do -------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "data",
    [frame(3, "1"), frame(3, "1", {}, 1), frame(4, "1", "GenericError"), frame(4, "1", 5, "", {})],
)
def test_a_malformed_answer_is_dropped_not_answered(version: OcppVersion, data: bytes) -> None:
    event = csms(version).receive(data)
    assert isinstance(event, Dropped)
    assert "malformed" in event.reason


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "data",
    [frame(3), frame(3, 17, {}), frame(3, ID_37, {}), frame(4, None, "GenericError", "", {})],
)
def test_an_answer_with_an_unreadable_id_is_dropped(version: OcppVersion, data: bytes) -> None:
    assert isinstance(csms(version).receive(data), Dropped)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "data",
    [
        _nested(20000),
        '[2,"1","DataTransfer",{"vendorId":"v","data":' + _nested(20000) + "}]",
        '[4,"1","GenericError","",' + _nested(20000) + "]",
    ],
    ids=["frame", "payload", "details"],
)
def test_deeply_nested_json_is_a_format_error(version: OcppVersion, data: str) -> None:
    session = csms(version)
    assert len(data) < session.max_frame_bytes
    event = session.receive(data)
    assert isinstance(event, Reply | Dropped)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_lone_surrogate_in_text_is_a_format_error(version: OcppVersion) -> None:
    event = csms(version).receive('[2,"1","Heartbeat",{"customData":"\ud800"}]')
    assert isinstance(event, Reply)
    assert event.error.code is FORMAT


@pytest.mark.parametrize("version", VERSIONS)
def test_an_escaped_lone_surrogate_is_a_format_error(version: OcppVersion) -> None:
    event = csms(version).receive('[2,"1","DataTransfer",{"vendorId":"\\ud800"}]')
    assert isinstance(event, Reply)
    assert event.error.code is FORMAT


@pytest.mark.parametrize("version", VERSIONS)
def test_frames_are_answered_independently(version: OcppVersion) -> None:
    session = csms(version)
    assert isinstance(session.receive("garbage"), Reply)
    assert isinstance(session.receive(call("Heartbeat", {}, "m-ok")), CallReceived)
    assert isinstance(session.receive('[2,"m-bad","Heartbeat",{"x":1}]'), Reply)
    assert isinstance(session.receive(call("BootNotification", boot(version))), CallReceived)


def test_message_type_values() -> None:
    assert [int(t) for t in MessageType] == [2, 3, 4]
