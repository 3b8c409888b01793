"""OCPP versions Ampyre knows, their WebSocket subprotocol names and error-code spelling."""

from __future__ import annotations

import enum


class OcppVersion(enum.StrEnum):
    """A protocol generation, as stored on a station record (data; only adapters branch on it)."""

    V15 = "1.5"
    V16 = "1.6"
    V201 = "2.0.1"

    @property
    def subprotocol(self) -> str:
        """The WebSocket subprotocol name of the OCPP-J binding (Sec-WebSocket-Protocol)."""
        return _SUBPROTOCOLS[self]

    @classmethod
    def from_subprotocol(cls, name: str) -> OcppVersion | None:
        for version, sub in _SUBPROTOCOLS.items():
            if sub == name:
                return version
        return None


_SUBPROTOCOLS = {
    OcppVersion.V15: "ocpp1.5",
    OcppVersion.V16: "ocpp1.6",
    OcppVersion.V201: "ocpp2.0.1",
}

#: Versions spoken over OCPP-J (JSON over WebSocket), most preferred first.
JSON_VERSIONS: tuple[OcppVersion, ...] = (OcppVersion.V201, OcppVersion.V16)


class ErrorCode(enum.StrEnum):
    """Version-neutral CallError codes; `spell()` gives the wire spelling of a version.

    OCPP-J 1.6 spells two codes differently from 2.0.1 (FormationViolation,
    OccurenceConstraintViolation) and lacks RpcFrameworkError and MessageTypeNotSupported.
    """

    FORMAT_VIOLATION = "FormatViolation"
    GENERIC_ERROR = "GenericError"
    INTERNAL_ERROR = "InternalError"
    MESSAGE_TYPE_NOT_SUPPORTED = "MessageTypeNotSupported"
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    OCCURRENCE_CONSTRAINT_VIOLATION = "OccurrenceConstraintViolation"
    PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
    PROTOCOL_ERROR = "ProtocolError"
    RPC_FRAMEWORK_ERROR = "RpcFrameworkError"
    SECURITY_ERROR = "SecurityError"
    TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"

    def spell(self, version: OcppVersion) -> str:
        """The code as the given version writes it on the wire."""
        if version is OcppVersion.V201:
            return self.value
        return _V16_SPELLING.get(self, self.value)

    @classmethod
    def parse(cls, wire: str) -> ErrorCode | None:
        """Read a code in any version's spelling; None when it is not an OCPP code."""
        try:
            return cls(wire)
        except ValueError:
            return _V16_READING.get(wire)


_V16_SPELLING = {
    ErrorCode.FORMAT_VIOLATION: "FormationViolation",
    ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION: "OccurenceConstraintViolation",
    # 1.6 has neither of these: a frame it cannot read "does not conform the PDU structure".
    ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED: "FormationViolation",
    ErrorCode.RPC_FRAMEWORK_ERROR: "FormationViolation",
}
_V16_READING = {
    "FormationViolation": ErrorCode.FORMAT_VIOLATION,
    "OccurenceConstraintViolation": ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
}
