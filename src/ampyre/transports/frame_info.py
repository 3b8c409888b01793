"""What an OCPP-J frame is (CALL, CALLRESULT, CALLERROR), for the wiretap's describer."""

from __future__ import annotations

from ampyre.domain.message_log import FrameInfo, FrameKind
from ampyre.protocol import json_framing as framing
from ampyre.protocol.rpc import UNREADABLE_MESSAGE_ID


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
