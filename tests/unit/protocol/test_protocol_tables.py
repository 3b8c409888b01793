"""The action tables of both sides of an OCPP-J connection, and what the protocol tests share.

The CSMS table takes what a charge point initiates and sends what a CSMS initiates; the
station table (`ampyre.simulator.tables`) is its mirror. The other `test_protocol_*` modules
import the helpers below (sample payloads, session builders, a CALLERROR checker).
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest

from ampyre.messages.v16 import actions as a16
from ampyre.messages.v201 import actions as a201
from ampyre.protocol.json_session import ActionTable, JsonSession
from ampyre.protocol.rpc import MAX_MESSAGE_ID_LENGTH, MessageType
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.tables import STATION_TABLES

V16 = OcppVersion.V16
V201 = OcppVersion.V201
VERSIONS = (V16, V201)

CSMS_TABLES: dict[OcppVersion, ActionTable] = {
    V16: ActionTable(
        V16,
        a16.REQUESTS,
        a16.RESPONSES,
        inbound=a16.CHARGE_POINT_INITIATED,
        outbound=a16.CSMS_INITIATED,
    ),
    V201: ActionTable(
        V201,
        a201.REQUESTS,
        a201.RESPONSES,
        inbound=a201.CHARGE_POINT_INITIATED,
        outbound=a201.CSMS_INITIATED,
    ),
}

#: Every CallError code a version may put on the wire (OCPP-J 1.6 table 7, 2.0.1 table 8).
WIRE_CODES: dict[OcppVersion, frozenset[str]] = {
    V16: frozenset(
        {
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
    ),
    V201: frozenset(
        {
            "FormatViolation",
            "GenericError",
            "InternalError",
            "MessageTypeNotSupported",
            "NotImplemented",
            "NotSupported",
            "OccurrenceConstraintViolation",
            "PropertyConstraintViolation",
            "ProtocolError",
            "RpcFrameworkError",
            "SecurityError",
            "TypeConstraintViolation",
        }
    ),
}

NOW = "2024-05-06T12:00:00Z"

_BOOT: dict[OcppVersion, dict[str, Any]] = {
    V16: {"chargePointVendor": "VendorX", "chargePointModel": "SingleSocket"},
    V201: {
        "reason": "PowerUp",
        "chargingStation": {"model": "SingleSocketCharger", "vendorName": "VendorX"},
    },
}
_BOOT_RESPONSE: dict[OcppVersion, dict[str, Any]] = {
    V16: {"status": "Accepted", "currentTime": NOW, "interval": 300},
    V201: {"status": "Accepted", "currentTime": NOW, "interval": 300},
}
_STATUS: dict[OcppVersion, dict[str, Any]] = {
    V16: {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": NOW},
    V201: {"timestamp": NOW, "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
}
_RESET: dict[OcppVersion, dict[str, Any]] = {
    V16: {"type": "Hard"},
    V201: {"type": "Immediate"},
}
_RESET_RESPONSE: dict[OcppVersion, dict[str, Any]] = {
    V16: {"status": "Accepted"},
    V201: {"status": "Accepted"},
}


def boot(version: OcppVersion) -> dict[str, Any]:
    """A valid BootNotification request payload (a fresh copy to mutate)."""
    return copy.deepcopy(_BOOT[version])


def boot_response(version: OcppVersion) -> dict[str, Any]:
    return copy.deepcopy(_BOOT_RESPONSE[version])


def status(version: OcppVersion) -> dict[str, Any]:
    """A valid StatusNotification request payload."""
    return copy.deepcopy(_STATUS[version])


def reset(version: OcppVersion) -> dict[str, Any]:
    return copy.deepcopy(_RESET[version])


def reset_response(version: OcppVersion) -> dict[str, Any]:
    return copy.deepcopy(_RESET_RESPONSE[version])


def csms(version: OcppVersion, **kwargs: Any) -> JsonSession:
    """A session on the CSMS side of a connection."""
    return JsonSession(CSMS_TABLES[version], **kwargs)


def station(version: OcppVersion, **kwargs: Any) -> JsonSession:
    """A session on the charge point side of a connection."""
    return JsonSession(STATION_TABLES[version], **kwargs)


def frame(*parts: Any) -> bytes:
    """An OCPP-J frame with exactly these elements."""
    return msgspec.json.encode(list(parts))


def call(action: str, payload: Any, message_id: str = "m-1") -> bytes:
    return frame(MessageType.CALL, message_id, action, payload)


def assert_callerror(data: bytes, version: OcppVersion) -> list[Any]:
    """`data` is a well-formed CALLERROR for `version`; its elements are returned."""
    parts = msgspec.json.decode(data)
    assert isinstance(parts, list)
    assert len(parts) == 5, parts
    type_id, message_id, code, description, details = parts
    assert type_id == MessageType.CALL_ERROR
    assert type(type_id) is int
    assert isinstance(message_id, str)
    assert 1 <= len(message_id) <= MAX_MESSAGE_ID_LENGTH
    assert code in WIRE_CODES[version], code
    assert isinstance(description, str)
    assert len(description) <= 255
    assert isinstance(details, dict)
    return parts


# --- the tables themselves -----------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_station_table_mirrors_the_csms_table(version: OcppVersion) -> None:
    ours, theirs = CSMS_TABLES[version], STATION_TABLES[version]
    assert theirs.version is version
    assert theirs.inbound == ours.outbound
    assert theirs.outbound == ours.inbound
    assert theirs.requests is ours.requests or dict(theirs.requests) == dict(ours.requests)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_action_has_a_request_a_response_and_a_direction(version: OcppVersion) -> None:
    table = CSMS_TABLES[version]
    assert set(table.requests) == set(table.responses)
    assert table.inbound | table.outbound == set(table.requests)


@pytest.mark.parametrize("version", VERSIONS)
def test_only_data_transfer_goes_both_ways(version: OcppVersion) -> None:
    table = CSMS_TABLES[version]
    assert table.inbound & table.outbound == {"DataTransfer"}
    assert "BootNotification" in table.inbound
    assert "Reset" in table.outbound


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("action", "kind", "sample"),
    [
        ("BootNotification", "requests", boot),
        ("BootNotification", "responses", boot_response),
        ("StatusNotification", "requests", status),
        ("Reset", "requests", reset),
        ("Reset", "responses", reset_response),
    ],
)
def test_sample_payloads_are_valid(
    version: OcppVersion, action: str, kind: str, sample: Any
) -> None:
    cls = getattr(CSMS_TABLES[version], kind)[action]
    msgspec.json.decode(msgspec.json.encode(sample(version)), type=cls)
