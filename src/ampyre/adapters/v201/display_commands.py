"""Display message commands → OCPP 2.0.1 requests (O01-O06); 1.x has none (409)."""

from __future__ import annotations

from ampyre.adapters.command_codec import Codecs, CommandCodec
from ampyre.domain.display import (
    ClearDisplayMessage,
    DisplayMessage,
    GetDisplayMessages,
    SetDisplayMessage,
)
from ampyre.messages.v201 import types as m


def message_info(message: DisplayMessage) -> m.MessageInfoType:
    return m.MessageInfoType(
        id=message.id,
        priority=m.MessagePriorityEnumType(message.priority.value),
        state=None if message.state is None else m.MessageStateEnumType(message.state.value),
        startDateTime=message.starts_at,
        endDateTime=message.ends_at,
        transactionId=message.transaction_ref,
        display=None if message.display is None else m.ComponentType(name=message.display),
        message=m.MessageContentType(
            format=m.MessageFormatEnumType(message.format.value),
            language=message.language,
            content=message.content,
        ),
    )


def _get(command: GetDisplayMessages) -> m.GetDisplayMessagesRequest:
    if command.request_id is None:
        raise ValueError("GetDisplayMessages needs its requestId (the command id)")
    return m.GetDisplayMessagesRequest(
        requestId=command.request_id,
        id=list(command.ids) or None,
        priority=None
        if command.priority is None
        else m.MessagePriorityEnumType(command.priority.value),
        state=None if command.state is None else m.MessageStateEnumType(command.state.value),
    )


CODECS: Codecs = {
    SetDisplayMessage: CommandCodec(
        "SetDisplayMessage", lambda c: m.SetDisplayMessageRequest(message=message_info(c.message))
    ),
    GetDisplayMessages: CommandCodec("GetDisplayMessages", _get),
    ClearDisplayMessage: CommandCodec(
        "ClearDisplayMessage", lambda c: m.ClearDisplayMessageRequest(id=c.message_id)
    ),
}
