"""Messages shown on a station's display, in no version's words (2.0.1 display messages).

A message has an id of ours, a priority, content, and optionally when it is shown (state of
the station, a time window, a transaction). The station keeps it until cleared, replaced by
a message with its id, or (bound to a transaction) until that transaction ends.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import Any, ClassVar

from ampyre.domain.commands import Command


class MessagePriority(enum.StrEnum):
    ALWAYS_FRONT = "AlwaysFront"
    IN_FRONT = "InFront"
    NORMAL_CYCLE = "NormalCycle"


class MessageState(enum.StrEnum):
    """Show only while the station is in this state."""

    CHARGING = "Charging"
    FAULTED = "Faulted"
    IDLE = "Idle"
    UNAVAILABLE = "Unavailable"


class MessageFormat(enum.StrEnum):
    ASCII = "ASCII"
    HTML = "HTML"
    URI = "URI"
    UTF8 = "UTF8"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DisplayMessage:
    id: int
    priority: MessagePriority
    content: str
    format: MessageFormat = MessageFormat.UTF8
    language: str | None = None
    state: MessageState | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    #: the station's name for the transaction the message belongs to
    transaction_ref: str | None = None
    #: the display component, where the station has several
    display: str | None = None


def message_document(message: DisplayMessage) -> dict[str, Any]:
    """The message as JSON (stored, and shown by the API)."""
    return {
        "id": message.id,
        "priority": message.priority.value,
        "content": message.content,
        "format": message.format.value,
        "language": message.language,
        "state": None if message.state is None else message.state.value,
        "starts_at": None if message.starts_at is None else message.starts_at.isoformat(),
        "ends_at": None if message.ends_at is None else message.ends_at.isoformat(),
        "transaction_ref": message.transaction_ref,
        "display": message.display,
    }


def message_from_document(document: dict[str, Any]) -> DisplayMessage:
    state, starts, ends = document.get("state"), document.get("starts_at"), document.get("ends_at")
    return DisplayMessage(
        id=document["id"],
        priority=MessagePriority(document["priority"]),
        content=document["content"],
        format=MessageFormat(document["format"]),
        language=document.get("language"),
        state=None if state is None else MessageState(state),
        starts_at=None if starts is None else datetime.fromisoformat(starts),
        ends_at=None if ends is None else datetime.fromisoformat(ends),
        transaction_ref=document.get("transaction_ref"),
        display=document.get("display"),
    )


# --- the commands -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SetDisplayMessage(Command):
    name: ClassVar[str] = "set-display-message"
    message: DisplayMessage
    #: our id of the message's transaction (kept with it; the station gets its ref)
    transaction_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GetDisplayMessages(Command):
    """Ask the station for its messages (all, or by ids, priority, state); it sends them in
    NotifyDisplayMessages carrying the command id as requestId."""

    name: ClassVar[str] = "get-display-messages"
    ids: tuple[int, ...] = ()
    priority: MessagePriority | None = None
    state: MessageState | None = None
    request_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ClearDisplayMessage(Command):
    name: ClassVar[str] = "clear-display-message"
    message_id: int


# --- what is kept -----------------------------------------------------------------------------


class DisplayState(enum.StrEnum):
    SET = "set"
    CLEARED = "cleared"
    #: a later message with its id replaced it
    REPLACED = "replaced"
    #: its transaction is over (the station drops it then)
    ENDED = "ended"


@dataclasses.dataclass(slots=True)
class StoredDisplayMessage:
    station_id: str
    message: DisplayMessage
    state: DisplayState
    set_by: int
    set_at: datetime
    transaction_id: int | None = None
    ended_at: datetime | None = None
    ended_by: int | None = None
    #: the row's own id (0 until stored)
    id: int = 0
