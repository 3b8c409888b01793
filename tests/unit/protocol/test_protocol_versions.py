"""OCPP versions: subprotocol names, CallError code spelling per version, exception classes."""

from __future__ import annotations

import pytest
from test_protocol_tables import V16, V201, WIRE_CODES

from ampyre.protocol import errors
from ampyre.protocol.versions import JSON_VERSIONS, ErrorCode, OcppVersion


@pytest.mark.parametrize(
    ("version", "name"),
    [(OcppVersion.V15, "ocpp1.5"), (V16, "ocpp1.6"), (V201, "ocpp2.0.1")],
)
def test_subprotocol_names(version: OcppVersion, name: str) -> None:
    assert version.subprotocol == name
    assert OcppVersion.from_subprotocol(name) is version


@pytest.mark.parametrize("name", ["", "ocpp2.1", "ocpp2.0", "OCPP1.6", "ocpp1.6 ", "1.6", "wamp"])
def test_unknown_subprotocols_map_to_none(name: str) -> None:
    assert OcppVersion.from_subprotocol(name) is None


def test_version_values_and_json_preference() -> None:
    assert [v.value for v in OcppVersion] == ["1.5", "1.6", "2.0.1"]
    assert JSON_VERSIONS == (V201, V16)


@pytest.mark.parametrize(
    ("code", "v16", "v201"),
    [
        (ErrorCode.FORMAT_VIOLATION, "FormationViolation", "FormatViolation"),
        (
            ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
            "OccurenceConstraintViolation",
            "OccurrenceConstraintViolation",
        ),
        (ErrorCode.RPC_FRAMEWORK_ERROR, "FormationViolation", "RpcFrameworkError"),
        (ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED, "FormationViolation", "MessageTypeNotSupported"),
        (ErrorCode.GENERIC_ERROR, "GenericError", "GenericError"),
        (ErrorCode.INTERNAL_ERROR, "InternalError", "InternalError"),
        (ErrorCode.NOT_IMPLEMENTED, "NotImplemented", "NotImplemented"),
        (ErrorCode.NOT_SUPPORTED, "NotSupported", "NotSupported"),
        (
            ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
            "PropertyConstraintViolation",
            "PropertyConstraintViolation",
        ),
        (ErrorCode.PROTOCOL_ERROR, "ProtocolError", "ProtocolError"),
        (ErrorCode.SECURITY_ERROR, "SecurityError", "SecurityError"),
        (ErrorCode.TYPE_CONSTRAINT_VIOLATION, "TypeConstraintViolation", "TypeConstraintViolation"),
    ],
)
def test_spelling_per_version(code: ErrorCode, v16: str, v201: str) -> None:
    assert code.spell(V16) == v16
    assert code.spell(V201) == v201


@pytest.mark.parametrize("version", [V16, V201])
def test_every_code_is_spelled_with_a_code_of_that_version(version: OcppVersion) -> None:
    spelled = {code.spell(version) for code in ErrorCode}
    assert spelled <= WIRE_CODES[version]
    # 1.6 folds the two 2.0.1-only codes into FormationViolation; nothing else is lost.
    assert spelled == WIRE_CODES[version]


@pytest.mark.parametrize(
    ("wire", "code"),
    [
        ("FormationViolation", ErrorCode.FORMAT_VIOLATION),
        ("FormatViolation", ErrorCode.FORMAT_VIOLATION),
        ("OccurenceConstraintViolation", ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION),
        ("OccurrenceConstraintViolation", ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION),
        ("RpcFrameworkError", ErrorCode.RPC_FRAMEWORK_ERROR),
        ("MessageTypeNotSupported", ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED),
        ("NotImplemented", ErrorCode.NOT_IMPLEMENTED),
        ("GenericError", ErrorCode.GENERIC_ERROR),
    ],
)
def test_parse_reads_both_spellings(wire: str, code: ErrorCode) -> None:
    assert ErrorCode.parse(wire) is code


@pytest.mark.parametrize(
    "wire", ["", "Bogus", "formatviolation", "FORMATVIOLATION", "FormatViolation ", "Occurence"]
)
def test_parse_returns_none_for_what_no_version_spells(wire: str) -> None:
    assert ErrorCode.parse(wire) is None


@pytest.mark.parametrize("version", [V16, V201])
@pytest.mark.parametrize("code", list(ErrorCode))
def test_spelling_survives_a_parse(version: OcppVersion, code: ErrorCode) -> None:
    wire = code.spell(version)
    parsed = ErrorCode.parse(wire)
    assert parsed is not None
    assert parsed.spell(version) == wire
    if version is V201:
        assert parsed is code


def test_one_exception_class_per_code() -> None:
    assert set(errors.BY_CODE) == set(ErrorCode)
    for code, cls in errors.BY_CODE.items():
        assert cls.code is code
        assert issubclass(cls, errors.OcppError)
    assert errors.OcppError.code is ErrorCode.GENERIC_ERROR
    assert errors.NotImplementedAction.code is ErrorCode.NOT_IMPLEMENTED


def test_exception_details_default_to_a_fresh_object() -> None:
    first, second = errors.NotSupported("a"), errors.NotSupported()
    assert first.description == "a" and str(first) == "a"
    assert second.description == ""
    assert first.details == {} and second.details == {}
    first.details["x"] = 1
    assert second.details == {}
    assert errors.GenericError("d", {"k": "v"}).details == {"k": "v"}
