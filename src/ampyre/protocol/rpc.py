"""OCPP-J RPC values (CALL, CALLRESULT, CALLERROR) and the one-in-flight pending-call book.

Sans-I/O: no sockets, no asyncio, no clock reads. Times are floats passed in by the caller.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from ampyre.protocol.versions import ErrorCode

MAX_MESSAGE_ID_LENGTH = 36
#: The message id a CALLERROR carries when the offending frame's id could not be read.
UNREADABLE_MESSAGE_ID = "-1"


class MessageType(enum.IntEnum):
    CALL = 2
    CALL_RESULT = 3
    CALL_ERROR = 4


class CallInFlight(RuntimeError):
    """Local misuse: a second CALL was started before the first was answered or timed out."""


@dataclasses.dataclass(frozen=True, slots=True)
class PendingCall:
    message_id: str
    action: str
    deadline: float


@dataclasses.dataclass(frozen=True, slots=True)
class CallError:
    """A CALLERROR as received: `code` is None when the peer sent a code no OCPP version has."""

    message_id: str
    code: ErrorCode | None
    wire_code: str
    description: str
    details: Any


class PendingCalls:
    """The CALL we sent and wait for: at most one per direction per connection (OCPP-J 4.1.1)."""

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending: PendingCall | None = None

    @property
    def current(self) -> PendingCall | None:
        return self._pending

    def start(self, message_id: str, action: str, deadline: float) -> PendingCall:
        if self._pending is not None:
            raise CallInFlight(
                f"{self._pending.action} ({self._pending.message_id}) still waits for its answer"
            )
        self._pending = PendingCall(message_id, action, deadline)
        return self._pending

    def resolve(self, message_id: str) -> PendingCall | None:
        """The pending call this answer belongs to, or None for a late or unknown answer."""
        pending = self._pending
        if pending is None or pending.message_id != message_id:
            return None
        self._pending = None
        return pending

    def expire(self, now: float) -> PendingCall | None:
        """The pending call whose deadline has passed at `now`; it is forgotten."""
        pending = self._pending
        if pending is None or pending.deadline > now:
            return None
        self._pending = None
        return pending
