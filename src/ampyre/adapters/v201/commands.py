"""Commands → OCPP 2.0.1 requests, and 2.0.1 replies → neutral replies."""

from __future__ import annotations

from typing import Any

from ampyre.adapters.command_codec import Codecs, CommandCodec, refuse, status_reply
from ampyre.adapters.v201 import (
    authorization_commands,
    configuration_commands,
    device_model_commands,
    display_commands,
    security_commands,
    smart_charging_commands,
    tariff_cost_commands,
    transfer_commands,
)
from ampyre.domain.commands import (
    ChangeAvailability,
    ClearCache,
    CommandReply,
    DataTransfer,
    RemoteStart,
    RemoteStop,
    Reset,
    TriggerMessage,
    UnlockConnector,
)
from ampyre.messages.v201 import types as m


def _evse(evse_id: int | None, connector_id: int | None) -> m.EVSEType | None:
    if not evse_id:
        if connector_id is not None:
            raise refuse("a connector_id needs the evse_id it belongs to")
        return None
    return m.EVSEType(id=evse_id, connectorId=connector_id)


def _remote_start(command: RemoteStart) -> m.RequestStartTransactionRequest:
    if command.remote_start_id is None:
        raise ValueError("a 2.0.1 remote start needs its remoteStartId (the command id)")
    if command.token_type not in m.IdTokenEnumType.__members__:
        kinds = ", ".join(m.IdTokenEnumType.__members__)
        raise refuse(f"token_type {command.token_type!r} is not one of {kinds}")
    return m.RequestStartTransactionRequest(
        idToken=m.IdTokenType(idToken=command.id_token, type=m.IdTokenEnumType(command.token_type)),
        remoteStartId=command.remote_start_id,
        evseId=command.evse_id or None,
    )


def _remote_start_reply(command: RemoteStart, answer: Any) -> CommandReply:
    # a session already running (authorized before the command) is named at once
    return status_reply(answer, transaction_ref=answer.transactionId)


def _remote_stop(command: RemoteStop) -> m.RequestStopTransactionRequest:
    return m.RequestStopTransactionRequest(transactionId=command.transaction_ref)


def _reset(command: Reset) -> m.ResetRequest:
    return m.ResetRequest(type=m.ResetEnumType(command.kind.value), evseId=command.evse_id or None)


def _unlock(command: UnlockConnector) -> m.UnlockConnectorRequest:
    return m.UnlockConnectorRequest(evseId=command.evse_id, connectorId=command.connector_id)


def _availability(command: ChangeAvailability) -> m.ChangeAvailabilityRequest:
    return m.ChangeAvailabilityRequest(
        operationalStatus=m.OperationalStatusEnumType(command.operational.value),
        evse=_evse(command.evse_id, command.connector_id),
    )


def _trigger(command: TriggerMessage) -> m.TriggerMessageRequest:
    message = command.message.value
    if message not in m.MessageTriggerEnumType.__members__:
        raise refuse(f"OCPP 2.0.1 TriggerMessage cannot ask for {message}")
    return m.TriggerMessageRequest(
        requestedMessage=m.MessageTriggerEnumType(message),
        evse=_evse(command.evse_id, command.connector_id),
    )


def _data_transfer(command: DataTransfer) -> m.DataTransferRequest:
    return m.DataTransferRequest(
        vendorId=command.vendor_id, messageId=command.message_id, data=command.data
    )


def _data_transfer_reply(command: DataTransfer, answer: Any) -> CommandReply:
    return status_reply(answer, data=answer.data)


CODECS: Codecs = {
    RemoteStart: CommandCodec("RequestStartTransaction", _remote_start, _remote_start_reply),
    RemoteStop: CommandCodec("RequestStopTransaction", _remote_stop),
    Reset: CommandCodec("Reset", _reset),
    UnlockConnector: CommandCodec("UnlockConnector", _unlock),
    ChangeAvailability: CommandCodec("ChangeAvailability", _availability),
    TriggerMessage: CommandCodec("TriggerMessage", _trigger),
    ClearCache: CommandCodec("ClearCache", lambda command: m.ClearCacheRequest()),
    DataTransfer: CommandCodec("DataTransfer", _data_transfer, _data_transfer_reply),
}

# the commands of other functional blocks, each in its own module
CODECS.update(smart_charging_commands.CODECS)
# the commands that keep state on our side (configuration, reservations, local list)
CODECS.update(configuration_commands.CODECS)
CODECS.update(authorization_commands.CODECS)
CODECS.update(device_model_commands.CODECS)
CODECS.update(display_commands.CODECS)
CODECS.update(tariff_cost_commands.CODECS)
CODECS.update(transfer_commands.CODECS)
CODECS.update(security_commands.CODECS)
