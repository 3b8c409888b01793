"""Firmware updates, diagnostics and logs → OCPP 1.6 (core and security extension).

Core UpdateFirmware and GetDiagnostics carry no requestId and their answers no status: a
CALLRESULT is the station's acceptance (GetDiagnostics without fileName: nothing to upload).
"""

from __future__ import annotations

from typing import Any

from ampyre.adapters.command_codec import Codecs, CommandCodec, raw, refuse, status_reply
from ampyre.domain.commands import CommandReply
from ampyre.domain.diagnostics import GetDiagnostics, GetLog, LogKind
from ampyre.domain.firmware import UpdateFirmware
from ampyre.messages.v16 import types as m


def _request_id(request_id: int | None) -> int:
    if request_id is None:
        raise ValueError("the command service fills request_id before sending")
    return request_id


def _update_firmware(command: UpdateFirmware) -> m.UpdateFirmwareRequest:
    if command.install_at is not None:
        raise refuse("OCPP 1.6 core UpdateFirmware has no install time (sign the update)")
    return m.UpdateFirmwareRequest(
        location=command.location,
        retrieveDate=command.retrieve_at,
        retries=command.retries,
        retryInterval=command.retry_interval,
    )


def _signed_update_firmware(command: UpdateFirmware) -> m.SignedUpdateFirmwareRequest:
    if command.signing_certificate is None or command.signature is None:
        raise refuse("a signed 1.6 update needs both signing_certificate and signature")
    return m.SignedUpdateFirmwareRequest(
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


def _accepted(command: Any, answer: Any) -> CommandReply:
    return CommandReply(status="Accepted", details={}, raw=raw(answer))


def _diagnostics(command: GetLog) -> m.GetDiagnosticsRequest:
    return m.GetDiagnosticsRequest(
        location=command.location,
        retries=command.retries,
        retryInterval=command.retry_interval,
        startTime=command.since,
        stopTime=command.until,
    )


def _diagnostics_reply(command: GetLog, answer: Any) -> CommandReply:
    if answer.fileName is None:
        return CommandReply("Rejected", {"reason": "NoDiagnostics"}, raw(answer))
    return CommandReply("Accepted", {"file_name": answer.fileName}, raw(answer))


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


_SIGNED: CommandCodec[UpdateFirmware] = CommandCodec(
    "SignedUpdateFirmware", _signed_update_firmware
)


def _firmware_instead(command: UpdateFirmware) -> CommandCodec[UpdateFirmware] | None:
    return _SIGNED if command.signed else None


def _get_diagnostics(command: GetLog) -> m.GetDiagnosticsRequest:
    if command.log_type is not LogKind.DIAGNOSTICS:
        raise refuse("get-diagnostics uploads the diagnostics log: use get-log for others")
    return _diagnostics(command)


CODECS: Codecs = {
    UpdateFirmware: CommandCodec(
        "UpdateFirmware", _update_firmware, _accepted, instead=_firmware_instead
    ),
    GetDiagnostics: CommandCodec("GetDiagnostics", _get_diagnostics, _diagnostics_reply),
    GetLog: CommandCodec("GetLog", _get_log, _log_reply),
}
