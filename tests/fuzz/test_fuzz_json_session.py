"""Fuzz `JsonSession.receive` (and `answer`) with hypothesis, for both OCPP-J versions and sides.

Bad input may only ever produce an event: `receive` never raises; a `Reply` carries a
well-formed CALLERROR whose code is one the connection's version knows; a strict session's
`CallReceived`/`ResultReceived` payload re-validates against its schema type; `answer`
never emits a CALLRESULT its schema rejects.

Payloads are generated from the generated message types themselves (`msgspec.inspect`), so
every action of both versions is exercised, valid and mutated.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import event as note
from hypothesis import strategies as st

from ampyre.messages.v16 import actions as a16
from ampyre.messages.v201 import actions as a201
from ampyre.protocol import json_framing as framing
from ampyre.protocol.json_session import (
    ActionTable,
    CallReceived,
    Dropped,
    ErrorReceived,
    Event,
    InvalidResult,
    JsonSession,
    Reply,
    ResultReceived,
)
from ampyre.protocol.rpc import MAX_MESSAGE_ID_LENGTH, UNREADABLE_MESSAGE_ID
from ampyre.protocol.validation import Relaxation
from ampyre.protocol.versions import ErrorCode, OcppVersion
from ampyre.simulator.tables import STATION_TABLES

V16, V201 = OcppVersion.V16, OcppVersion.V201

CSMS_TABLES = {
    V16: ActionTable(
        V16, a16.REQUESTS, a16.RESPONSES, a16.CHARGE_POINT_INITIATED, a16.CSMS_INITIATED
    ),
    V201: ActionTable(
        V201, a201.REQUESTS, a201.RESPONSES, a201.CHARGE_POINT_INITIATED, a201.CSMS_INITIATED
    ),
}
TABLES = {"csms": CSMS_TABLES, "station": STATION_TABLES}
#: A CALL each side may always start (its payload is valid in both versions).
OPENER = {"csms": ("ClearCache", {}), "station": ("Heartbeat", {})}
PENDING_ID = "1"

EVENT_TYPES = (CallReceived, ResultReceived, ErrorReceived, InvalidResult, Reply, Dropped)
V16_CODES = {
    "NotImplemented",
    "NotSupported",
    "InternalError",
    "ProtocolError",
    "SecurityError",
    "FormationViolation",
    "PropertyConstraintViolation",
    "OccurenceConstraintViolation",
    "TypeConstraintViolation",
    "GenericError",
}
WIRE_CODES = {V16: frozenset(V16_CODES), V201: frozenset(code.value for code in ErrorCode)}

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SIDES = pytest.mark.parametrize(
    ("version", "side"),
    [(V16, "csms"), (V16, "station"), (V201, "csms"), (V201, "station")],
)

# --- strategies ------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)

_OFFSETS = st.sampled_from([0, 60, -300, 330, 840, -720]).map(
    lambda minutes: datetime.timezone(datetime.timedelta(minutes=minutes))
)
_DATE_TIMES = st.datetimes(
    min_value=datetime.datetime(1971, 1, 1), max_value=datetime.datetime(2199, 12, 31)
)


def _date_times(tz: bool | None) -> st.SearchStrategy[str]:
    if tz is False:
        return _DATE_TIMES.map(datetime.datetime.isoformat)
    return st.builds(lambda d, z: d.replace(tzinfo=z).isoformat(), _DATE_TIMES, _OFFSETS)


def _strings(t: mi.StrType) -> st.SearchStrategy[str]:
    low = t.min_length or 0
    high = t.max_length
    short = st.text(min_size=low, max_size=max(low, min(high or 30, 30)))
    if high is not None and high <= 2000:
        return short | st.text(min_size=high, max_size=high)
    return short


def _numbers(t: mi.IntType | mi.FloatType) -> st.SearchStrategy[Any]:
    low = t.ge if t.ge is not None else (t.gt + 1 if t.gt is not None else None)
    high = t.le if t.le is not None else (t.lt - 1 if t.lt is not None else None)
    if isinstance(t, mi.IntType):
        ints = st.integers(min_value=low, max_value=high)
        return ints.map(lambda i: i * t.multiple_of) if t.multiple_of else ints
    return st.floats(
        min_value=low, max_value=high, allow_nan=False, allow_infinity=False
    ) | st.integers(
        min_value=None if low is None else int(low) + 1,
        max_value=None if high is None else int(high) - 1,
    )


def wire_values(t: mi.Type) -> st.SearchStrategy[Any]:
    """JSON values (as Python) that the type `t` accepts."""
    if isinstance(t, mi.StructType):
        return _struct_values(t.cls)
    if isinstance(t, mi.UnionType):
        return st.one_of([wire_values(member) for member in t.types])
    if isinstance(t, mi.ListType):
        low = t.min_length or 0
        high = min(t.max_length if t.max_length is not None else low + 3, low + 3)
        return st.lists(wire_values(t.item_type), min_size=low, max_size=high)
    if isinstance(t, mi.StrType):
        return _strings(t)
    if isinstance(t, mi.IntType | mi.FloatType):
        return _numbers(t)
    if isinstance(t, mi.BoolType):
        return st.booleans()
    if isinstance(t, mi.NoneType):
        return st.none()
    if isinstance(t, mi.EnumType):
        return st.sampled_from([member.value for member in t.cls])
    if isinstance(t, mi.DateTimeType):
        return _date_times(t.tz)
    if isinstance(t, mi.DictType):
        return st.dictionaries(st.text(max_size=10), json_values, max_size=3)
    if isinstance(t, mi.AnyType):
        return json_values
    raise AssertionError(f"no strategy for {t!r}")


@functools.cache
def _struct_values(cls: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    required = {f.encode_name: wire_values(f.type) for f in info.fields if f.required}
    optional = {f.encode_name: wire_values(f.type) for f in info.fields if not f.required}
    return st.fixed_dictionaries(required, optional=optional)


def valid(cls: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Payloads (as Python) of the generated message class `cls`."""
    return _struct_values(cls)


_BAD_LEAVES = st.sampled_from(
    [
        None,
        "",
        "Bogus",
        "x" * 21,
        "x" * 26,
        "x" * 51,
        "x" * 256,
        "x" * 1001,
        -1,
        0,
        101,
        2**31,
        2**63,
        2**64,
        -(2**70),
        1.5,
        -0.0,
        1e300,
        True,
        [],
        {},
        [None],
        "2024-05-06T12:00:00",
        "2024-13-01T00:00:00Z",
        "2024-05-06",
    ]
)


@st.composite
def mutated(draw: st.DrawFn, value: Any) -> Any:
    """`value` with one change somewhere: a field dropped, added or replaced."""

    def change(node: Any, depth: int) -> Any:
        if isinstance(node, dict) and node and depth < 8 and draw(st.integers(0, 2)):
            key = draw(st.sampled_from(sorted(node)))
            return {**node, key: change(node[key], depth + 1)}
        if isinstance(node, list) and node and depth < 8 and draw(st.integers(0, 2)):
            index = draw(st.integers(0, len(node) - 1))
            return [*node[:index], change(node[index], depth + 1), *node[index + 1 :]]
        how = draw(st.sampled_from(["leaf", "json", "drop", "add"]))
        if how == "drop" and isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node)))
            return {k: v for k, v in node.items() if k != key}
        if how == "add" and isinstance(node, dict):
            return {**node, draw(st.text(min_size=1, max_size=12)): draw(json_values)}
        if how == "json":
            return draw(json_values)
        return draw(_BAD_LEAVES)

    return change(value, 0)


def payloads(cls: type[Any]) -> st.SearchStrategy[Any]:
    """Valid, near-valid and arbitrary payloads for `cls`."""
    return valid(cls) | valid(cls).flatmap(mutated) | json_values


_ODD_TYPE_IDS = st.sampled_from([-1, 0, 1, 5, 6, 7, 8, 99, 2**63, 2**64 + 2]) | json_values
_MESSAGE_IDS = (
    st.just(PENDING_ID)
    | st.text(max_size=MAX_MESSAGE_ID_LENGTH + 4)
    | st.sampled_from(["", "-1", "x" * 36, "x" * 37, "ü" * 36])
    | json_values
)
_ALL_CODES = sorted(WIRE_CODES[V16] | WIRE_CODES[V201])


@st.composite
def near_valid_frames(draw: st.DrawFn, table: ActionTable, pending_action: str) -> bytes:
    """A frame with a well-formed envelope and a near-valid payload, or one envelope fault."""
    type_id = draw(st.sampled_from([2, 2, 2, 3, 3, 4]))
    message_id = draw(st.just(PENDING_ID) | st.text(min_size=1, max_size=MAX_MESSAGE_ID_LENGTH))
    if type_id == 3:
        parts: list[Any] = [type_id, message_id, draw(payloads(table.responses[pending_action]))]
    elif type_id == 4:
        code = draw(st.sampled_from(_ALL_CODES) | st.text(max_size=30))
        description = draw(st.text(max_size=300))
        details = draw(st.dictionaries(st.text(max_size=8), json_values, max_size=3) | json_values)
        parts = [type_id, message_id, code, description, details]
    else:
        action = draw(
            st.sampled_from(sorted(table.inbound)) | st.sampled_from(sorted(table.requests))
        )
        parts = [type_id, message_id, action, draw(payloads(table.requests[action]))]
    fault = draw(st.sampled_from(["none"] * 6 + ["type", "id", "action", "cut", "extend"]))
    if fault == "type":
        parts[0] = draw(_ODD_TYPE_IDS)
    elif fault == "id":
        parts[1] = draw(_MESSAGE_IDS)
    elif fault == "action" and type_id == 2:
        parts[2] = draw(st.text(max_size=30) | json_values)
    elif fault == "cut":
        parts = parts[: draw(st.integers(0, len(parts) - 1))]
    elif fault == "extend":
        parts = [*parts, draw(json_values)]
    return msgspec.json.encode(parts)


# --- checks ----------------------------------------------------------------------------------


def _session(version: OcppVersion, side: str, pending: bool, **kwargs: Any) -> JsonSession:
    session = JsonSession(TABLES[side][version], **kwargs)
    if pending:
        action, payload = OPENER[side]
        started, _ = session.call(action, payload, deadline=10.0)
        assert started.message_id == PENDING_ID
    return session


def check(session: JsonSession, event: Event, *, strict: bool = True) -> None:
    """What every event a session returns must satisfy."""
    assert isinstance(event, EVENT_TYPES), event
    note(type(event).__name__ + (f" {event.error.code}" if isinstance(event, Reply) else ""))
    version = session.version
    if isinstance(event, Reply):
        parts = msgspec.json.decode(event.frame)
        assert isinstance(parts, list) and len(parts) == 5, parts
        type_id, message_id, code, description, details = parts
        assert type_id == 4
        assert isinstance(message_id, str) and 1 <= len(message_id) <= MAX_MESSAGE_ID_LENGTH
        assert code in WIRE_CODES[version], code
        assert code == event.error.code.spell(version)
        assert isinstance(description, str) and len(description) <= 255
        assert isinstance(details, dict)
    elif isinstance(event, CallReceived):
        assert event.action in session.table.inbound
        if strict:
            assert event.relaxed == ()
            _revalidates(event.payload, session.table.requests[event.action])
    elif isinstance(event, ResultReceived):
        if strict:
            assert event.relaxed == ()
            _revalidates(event.payload, session.table.responses[event.action])
    elif isinstance(event, InvalidResult | ErrorReceived):
        assert event.action in session.table.outbound
    if isinstance(event, ErrorReceived):
        assert isinstance(event.error.details, dict)
        assert event.error.code is ErrorCode.parse(event.error.wire_code)


def _revalidates(payload: Any, cls: type[Any]) -> None:
    assert type(payload) is cls
    again = msgspec.json.decode(msgspec.json.encode(payload), type=cls)
    assert again == payload


# --- fuzz tests ------------------------------------------------------------------------------


@SIDES
@FUZZ
@given(data=st.text(max_size=300))
def test_arbitrary_text(version: OcppVersion, side: str, data: str) -> None:
    session = _session(version, side, pending=False)
    check(session, session.receive(data))


@SIDES
@FUZZ
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes(version: OcppVersion, side: str, data: bytes) -> None:
    session = _session(version, side, pending=True)
    check(session, session.receive(data))


@SIDES
@FUZZ
@given(value=json_values, pending=st.booleans())
def test_arbitrary_json_values(version: OcppVersion, side: str, value: Any, pending: bool) -> None:
    session = _session(version, side, pending)
    event = session.receive(msgspec.json.encode(value))
    check(session, event)
    if not isinstance(value, list) or not value:
        assert isinstance(event, Reply)
        assert msgspec.json.decode(event.frame)[1] == UNREADABLE_MESSAGE_ID


@SIDES
@FUZZ
@given(data=st.data(), pending=st.booleans())
def test_near_valid_frames(
    version: OcppVersion, side: str, data: st.DataObject, pending: bool
) -> None:
    session = _session(version, side, pending)
    frame = data.draw(near_valid_frames(session.table, OPENER[side][0]))
    event = session.receive(frame)
    check(session, event)
    if not pending:
        assert not isinstance(event, ResultReceived | ErrorReceived | InvalidResult)


@SIDES
@FUZZ
@given(data=st.data(), pending=st.booleans())
def test_near_valid_frames_to_a_lenient_session(
    version: OcppVersion, side: str, data: st.DataObject, pending: bool
) -> None:
    table = TABLES[side][version]
    relax = Relaxation(
        actions=frozenset(data.draw(st.sets(st.sampled_from(sorted(table.requests)), max_size=8))),
        fields=frozenset({"timestamp", "idTag", "vendorId", "model", "serialNumber", "value"}),
    )
    session = _session(version, side, pending, relaxation=relax)
    event = session.receive(data.draw(near_valid_frames(table, OPENER[side][0])))
    check(session, event, strict=False)
    if isinstance(event, CallReceived | ResultReceived):
        msgspec.json.encode(event.payload)


@SIDES
@FUZZ
@given(data=st.data())
def test_valid_calls_are_received(version: OcppVersion, side: str, data: st.DataObject) -> None:
    session = _session(version, side, pending=False)
    action = data.draw(st.sampled_from(sorted(session.table.requests)))
    payload = data.draw(valid(session.table.requests[action]))
    message_id = data.draw(st.text(min_size=1, max_size=MAX_MESSAGE_ID_LENGTH))
    event = session.receive(msgspec.json.encode([2, message_id, action, payload]))
    check(session, event)
    if action in session.table.inbound:
        assert isinstance(event, CallReceived), event
        assert event.message_id == message_id
    else:
        assert isinstance(event, Reply)
        assert event.error.code is ErrorCode.NOT_SUPPORTED


@SIDES
@FUZZ
@given(data=st.data())
def test_valid_calls_can_be_sent_and_answered(
    version: OcppVersion, side: str, data: st.DataObject
) -> None:
    session = _session(version, side, pending=False)
    table = session.table
    action = data.draw(st.sampled_from(sorted(table.outbound)))
    pending, frame = session.call(action, data.draw(valid(table.requests[action])), 1.0)
    assert msgspec.json.decode(frame)[:3] == [2, pending.message_id, action]
    result = data.draw(payloads(table.responses[action]))
    event = session.receive(msgspec.json.encode([3, pending.message_id, result]))
    check(session, event)
    assert isinstance(event, ResultReceived | InvalidResult)
    assert session.pending is None


@SIDES
@FUZZ
@given(data=st.data())
def test_answer_never_emits_an_invalid_result(
    version: OcppVersion, side: str, data: st.DataObject
) -> None:
    session = _session(version, side, pending=False)
    action = data.draw(st.sampled_from(sorted(session.table.inbound)))
    response_type = session.table.responses[action]
    out = session.answer("m-1", action, data.draw(payloads(response_type)))
    parts = msgspec.json.decode(out)
    if parts[0] == 3:
        assert len(parts) == 3 and parts[1] == "m-1"
        msgspec.json.decode(msgspec.json.encode(parts[2]), type=response_type)
    else:
        assert parts[:3] == [4, "m-1", "InternalError"]
        assert len(parts[3]) <= 255 and parts[4] == {}


@SIDES
@FUZZ
@given(data=st.data())
@example(data=None)
def test_answers_are_never_answered(version: OcppVersion, side: str, data: Any) -> None:
    session = _session(version, side, pending=True)
    if data is None:  # the explicit example: a CALLRESULT whose id is a number
        frame = msgspec.json.encode([3, 1, {}])
    else:
        type_id = data.draw(st.sampled_from([3, 4]))
        frame = msgspec.json.encode([type_id, *data.draw(st.lists(json_values, max_size=5))])
    event = session.receive(frame)
    check(session, event)
    assert not isinstance(event, Reply), event


@FUZZ
@given(
    data=st.data(),
    version=st.sampled_from([V16, V201]),
    side=st.sampled_from(["csms", "station"]),
)
def test_the_one_decode_call_path_reads_as_the_general_path(
    data: st.DataObject, version: OcppVersion, side: str
) -> None:
    """`parse` reads a well-formed CALL in one decode; whatever the frame, its result is what
    the element-by-element path gives (the same frame or the same fault)."""
    frame = data.draw(
        near_valid_frames(TABLES[side][version], OPENER[side][0])
        | json_values.map(msgspec.json.encode)
        | st.binary(max_size=100)
    )
    assert _comparable(framing.parse(frame, 65536)) == _comparable(framing._parse_parts(frame))


def _comparable(frame: framing.Frame) -> Any:
    """A frame as a value (a BadFrame's error is an exception: equal only to itself)."""
    if isinstance(frame, framing.BadFrame):
        return (frame.message_id, type(frame.error), str(frame.error), frame.answerable)
    return frame
