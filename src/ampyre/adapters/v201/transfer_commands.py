"""Firmware updates (L01), logs (N01) and customer information (N09/N10) → OCPP 2.0.1."""

from __future__ import annotations

from typing import Any

from ampyre.adapters.command_codec import Codecs, CommandCodec, refuse, status_reply
from ampyre.adapters.v201.security_commands import hash_data
from ampyre.domain.commands import CommandReply
from ampyre.domain.diagnostics import CustomerInformation, GetDiagnostics, GetLog
from ampyre.domain.firmware import UpdateFirmware
from ampyre.domain.security import CertificateId
from ampyre.messages.v201 import types as m


def _request_id(request_id: int | None) -> int:
    if request_id is None:
        raise ValueError("the command service fills request_id before sending")
    return request_id


def _update_firmware(command: UpdateFirmware) -> m.UpdateFirmwareRequest:
    return m.UpdateFirmwareRequest(
        requestId=_request_id(command.request_id),
        retries=command.retries,
        retryInterval=command.retry_interval,
        firmware=m.FirmwareType(
            location=command.location,
            retrieveDateTime=command.retrieve_at,
            installDateTime=command.install_at,
            signingCertificate=command.signing_certificate,
            signature=command.signature,
        ),
    )


def _get_log(command: GetLog) -> m.GetLogRequest:
    return m.GetLogRequest(
        requestId=_request_id(command.request_id),
        logType=m.LogEnumType(command.log_type.value),
        retries=command.retries,
        retryInterval=command.retry_interval,
        log=m.LogParametersType(
            remoteLocation=command.location,
            oldestTimestamp=command.since,
            latestTimestamp=command.until,
        ),
    )


def _log_reply(command: GetLog, answer: Any) -> CommandReply:
    return status_reply(answer, file_name=answer.filename)


def _customer_information(command: CustomerInformation) -> m.CustomerInformationRequest:
    token = None
    if command.id_token is not None:
        if command.token_type not in m.IdTokenEnumType.__members__:
            kinds = ", ".join(m.IdTokenEnumType.__members__)
            raise refuse(f"token_type {command.token_type!r} is not one of {kinds}")
        token = m.IdTokenType(idToken=command.id_token, type=m.IdTokenEnumType(command.token_type))
    certificate = None
    if command.customer_certificate is not None:
        certificate = hash_data(CertificateId(**command.customer_certificate))
    return m.CustomerInformationRequest(
        requestId=_request_id(command.request_id),
        report=command.report,
        clear=command.clear,
        idToken=token,
        customerIdentifier=command.customer_identifier,
        customerCertificate=certificate,
    )


CODECS: Codecs = {
    UpdateFirmware: CommandCodec("UpdateFirmware", _update_firmware),
    GetLog: CommandCodec("GetLog", _get_log, _log_reply),
    GetDiagnostics: CommandCodec("GetLog", _get_log, _log_reply),
    CustomerInformation: CommandCodec("CustomerInformation", _customer_information),
}
