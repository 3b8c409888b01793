"""What an OCPP-J frame is (CALL, CALLRESULT, CALLERROR), for the wiretap.

The link knows most of its frames already: what its session made of a received frame, the
CALLs it sends, the answers it builds. Those go to the tap described (`received`,
`answered`); the rest (frames the session refused or dropped, answers that are CALLERRORs)
go bare and `describe_json_frame` parses them later, off the stations' path.
"""

from __future__ import annotations

from ampyre.domain.message_log import FrameInfo, FrameKind
from ampyre.protocol import json_framing as framing
from ampyre.protocol.json_session import (
    CallReceived,
    ErrorReceived,
    Event,
    InvalidResult,
    ResultReceived,
)
from ampyre.protocol.rpc import UNREADABLE_MESSAGE_ID

#: how `json_framing.encode_result` starts every CALLRESULT it writes
_RESULT_START = b"[3,"


def describe_json_frame(text: str) -> FrameInfo:
    """Kind, message id, action (CALL) and error code (CALLERROR) of an OCPP-J frame."""
    frame = framing.parse(text, len(text.encode()) + 1)
    if isinstance(frame, framing.CallFrame):
        return FrameInfo(FrameKind.CALL, frame.message_id, frame.action)
    if isinstance(frame, framing.CallResultFrame):
        return FrameInfo(FrameKind.RESULT, frame.message_id)
    if isinstance(frame, framing.CallErrorFrame):
        return FrameInfo(FrameKind.ERROR, frame.message_id, error_code=frame.code)
    message_id = None if frame.message_id == UNREADABLE_MESSAGE_ID else frame.message_id
    return FrameInfo(FrameKind.INVALID, message_id)


def received(event: Event) -> FrameInfo | None:
    """The received frame as the session read it; None when the session refused or dropped it."""
    if isinstance(event, CallReceived):
        return FrameInfo(FrameKind.CALL, event.message_id, event.action)
    if isinstance(event, ResultReceived | InvalidResult):
        return FrameInfo(FrameKind.RESULT, event.message_id, event.action)
    if isinstance(event, ErrorReceived):
        return FrameInfo(FrameKind.ERROR, event.message_id, event.action, event.error.wire_code)
    return None


def answered(frame: bytes, call: CallReceived) -> FrameInfo | None:
    """Our answer `frame` to `call` when it is a CALLRESULT; None for a CALLERROR."""
    if frame.startswith(_RESULT_START):
        return FrameInfo(FrameKind.RESULT, call.message_id, call.action)
    return None
