"""Commands → OCPP 1.6 requests, and 1.6 replies → neutral replies.

1.x has no EVSEs: EVSE n is connector n, and EVSE 0 (or none) is the whole station.
The same codecs serve 1.5 stations over SOAP (their link converts 1.6 types to 1.5).
"""

from __future__ import annotations

import json
from typing import Any

from ampyre.adapters.command_codec import Codecs, CommandCodec, refuse, status_reply
from ampyre.adapters.v16 import (
    authorization_commands,
    configuration_commands,
    security_commands,
    smart_charging_commands,
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
    ResetKind,
    TriggerMessage,
    UnlockConnector,
)
from ampyre.messages.v16 import types as m

_RESET = {ResetKind.ON_IDLE: m.ResetType.Soft, ResetKind.IMMEDIATE: m.ResetType.Hard}
#: 2.0.1 spells the certificate request trigger differently
_EXTENDED = {"SignChargingStationCertificate": "SignChargePointCertificate"}


def _connector(evse_id: int | None, connector_id: int | None) -> int:
    if connector_id not in (None, 1) and evse_id:
        raise refuse("OCPP 1.x has one connector per EVSE: leave connector_id out or set it to 1")
    return evse_id or 0


def _remote_start(command: RemoteStart) -> m.RemoteStartTransactionRequest:
    return m.RemoteStartTransactionRequest(idTag=command.id_token, connectorId=command.evse_id)


def _remote_stop(command: RemoteStop) -> m.RemoteStopTransactionRequest:
    try:
        return m.RemoteStopTransactionRequest(transactionId=int(command.transaction_ref))
    except ValueError:
        raise refuse(
            f"OCPP 1.x numbers sessions; {command.transaction_ref!r} is not a 1.x session id"
        ) from None


def _reset(command: Reset) -> m.ResetRequest:
    if command.evse_id:
        raise refuse("OCPP 1.x resets the whole station only: leave evse_id out")
    return m.ResetRequest(type=_RESET[command.kind])


def _unlock(command: UnlockConnector) -> m.UnlockConnectorRequest:
    return m.UnlockConnectorRequest(connectorId=_connector(command.evse_id, command.connector_id))


def _availability(command: ChangeAvailability) -> m.ChangeAvailabilityRequest:
    return m.ChangeAvailabilityRequest(
        connectorId=_connector(command.evse_id, command.connector_id),
        type=m.AvailabilityType(command.operational.value),
    )


def _trigger(command: TriggerMessage) -> m.TriggerMessageRequest:
    message = command.message.value
    if message not in m.MessageTrigger.__members__:
        raise refuse(f"OCPP 1.6 TriggerMessage cannot ask for {message}")
    return m.TriggerMessageRequest(
        requestedMessage=m.MessageTrigger(message),
        connectorId=_connector(command.evse_id, command.connector_id) or None,
    )


def _extended_trigger(command: TriggerMessage) -> m.ExtendedTriggerMessageRequest:
    message = _EXTENDED.get(command.message.value, command.message.value)
    if message not in m.MessageTriggerEnumType.__members__:
        raise refuse(f"OCPP 1.6 cannot trigger {command.message.value}")
    return m.ExtendedTriggerMessageRequest(
        requestedMessage=m.MessageTriggerEnumType(message),
        connectorId=_connector(command.evse_id, command.connector_id) or None,
    )


def _data_transfer(command: DataTransfer) -> m.DataTransferRequest:
    data = command.data
    if data is not None and not isinstance(data, str):
        data = json.dumps(data, separators=(",", ":"))  # 1.6 carries data as a string
    return m.DataTransferRequest(
        vendorId=command.vendor_id, messageId=command.message_id, data=data
    )


def _data_transfer_reply(command: DataTransfer, answer: Any) -> CommandReply:
    return status_reply(answer, data=answer.data)


_EXTENDED_TRIGGER: CommandCodec[TriggerMessage] = CommandCodec(
    "ExtendedTriggerMessage", _extended_trigger
)


def _trigger_instead(command: TriggerMessage) -> CommandCodec[TriggerMessage] | None:
    """Core TriggerMessage for what it can ask for, the security extension's for the rest."""
    return None if command.message.value in m.MessageTrigger.__members__ else _EXTENDED_TRIGGER


CODECS: Codecs = {
    RemoteStart: CommandCodec("RemoteStartTransaction", _remote_start),
    RemoteStop: CommandCodec("RemoteStopTransaction", _remote_stop),
    Reset: CommandCodec("Reset", _reset),
    UnlockConnector: CommandCodec("UnlockConnector", _unlock),
    ChangeAvailability: CommandCodec("ChangeAvailability", _availability),
    TriggerMessage: CommandCodec("TriggerMessage", _trigger, instead=_trigger_instead),
    ClearCache: CommandCodec("ClearCache", lambda command: m.ClearCacheRequest()),
    DataTransfer: CommandCodec("DataTransfer", _data_transfer, _data_transfer_reply),
}

# the commands of other functional blocks, each in its own module
CODECS.update(smart_charging_commands.CODECS)
# the commands that keep state on our side (configuration, reservations, local list)
CODECS.update(configuration_commands.CODECS)
CODECS.update(authorization_commands.CODECS)
CODECS.update(transfer_commands.CODECS)
CODECS.update(security_commands.CODECS)
