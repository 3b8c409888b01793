"""One exception class per OCPP CallError code.

A handler raises one of these to answer a CALL with a CALLERROR; the session spells the code
for the connection's version. Only the peer's faults become these; local misuse raises
ordinary Python exceptions.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ampyre.protocol.versions import ErrorCode


class OcppError(Exception):
    code: ClassVar[ErrorCode] = ErrorCode.GENERIC_ERROR

    def __init__(self, description: str = "", details: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.details: dict[str, Any] = details or {}


class FormatViolation(OcppError):
    code = ErrorCode.FORMAT_VIOLATION


class GenericError(OcppError):
    code = ErrorCode.GENERIC_ERROR


class InternalError(OcppError):
    code = ErrorCode.INTERNAL_ERROR


class MessageTypeNotSupported(OcppError):
    code = ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED


class NotImplementedAction(OcppError):
    """The action is not known (errorCode NotImplemented)."""

    code = ErrorCode.NOT_IMPLEMENTED


class NotSupported(OcppError):
    code = ErrorCode.NOT_SUPPORTED


class OccurrenceConstraintViolation(OcppError):
    code = ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION


class PropertyConstraintViolation(OcppError):
    code = ErrorCode.PROPERTY_CONSTRAINT_VIOLATION


class ProtocolError(OcppError):
    code = ErrorCode.PROTOCOL_ERROR


class RpcFrameworkError(OcppError):
    code = ErrorCode.RPC_FRAMEWORK_ERROR


class SecurityError(OcppError):
    code = ErrorCode.SECURITY_ERROR


class TypeConstraintViolation(OcppError):
    code = ErrorCode.TYPE_CONSTRAINT_VIOLATION


BY_CODE: dict[ErrorCode, type[OcppError]] = {
    cls.code: cls
    for cls in (
        FormatViolation,
        GenericError,
        InternalError,
        MessageTypeNotSupported,
        NotImplementedAction,
        NotSupported,
        OccurrenceConstraintViolation,
        PropertyConstraintViolation,
        ProtocolError,
        RpcFrameworkError,
        SecurityError,
        TypeConstraintViolation,
    )
}
