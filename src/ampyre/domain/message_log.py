"""Every OCPP message in and out, as the message log keeps it (whatever the transport)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Direction(StrEnum):
    #: station → central system
    IN = "in"
    #: central system → station
    OUT = "out"


class FrameKind(StrEnum):
    CALL = "call"
    RESULT = "result"
    ERROR = "error"
    #: a frame that could not be read as any of the three
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class FrameInfo:
    """What the transport's wire format says about one frame."""

    kind: FrameKind
    message_id: str | None = None
    #: the CALL's action (answers get theirs from the CALL they answer)
    action: str | None = None
    #: a CALLERROR's code, as sent
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class LoggedMessage:
    station_id: str
    at: datetime
    direction: Direction
    kind: FrameKind
    message_id: str | None
    action: str | None
    #: the message as it went over the wire
    frame: str
    #: for an answer: milliseconds since the CALL it answers
    answer_ms: float | None = None
    error_code: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class MessageQuery:
    """Which logged messages to find; every given field must match. Newest first."""

    station_id: str | None = None
    action: str | None = None
    direction: Direction | None = None
    kind: FrameKind | None = None
    message_id: str | None = None
    #: a substring of the frame (case-insensitive)
    text: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    #: keyset pagination: only messages with a smaller id
    before_id: int | None = None
    limit: int = 50
