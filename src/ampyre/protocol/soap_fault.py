"""SOAP 1.2 faults as OCPP-S uses them (OCPP-S 1.6, chapter 4, with its errata)."""

from __future__ import annotations

import enum


class FaultCode(enum.StrEnum):
    """soap:Code/soap:Value (namespace http://www.w3.org/2003/05/soap-envelope)."""

    SENDER = "Sender"
    RECEIVER = "Receiver"
    MUST_UNDERSTAND = "MustUnderstand"
    VERSION_MISMATCH = "VersionMismatch"


class SubCode(enum.StrEnum):
    """The OCPP subcodes (in the OCPP service namespace); peers may send others."""

    SECURITY_ERROR = "SecurityError"
    IDENTITY_MISMATCH = "IdentityMismatch"
    PROTOCOL_ERROR = "ProtocolError"
    INTERNAL_ERROR = "InternalError"
    NOT_SUPPORTED = "NotSupported"


class SoapFault(Exception):
    """A fault to answer with (raised by the codec for peer faults), or one we received."""

    def __init__(self, code: FaultCode | str, subcode: SubCode | str | None, reason: str) -> None:
        super().__init__(f"{code}{'/' + subcode if subcode else ''}: {reason}")
        self.code = str(code)
        self.subcode = None if subcode is None else str(subcode)
        self.reason = reason
