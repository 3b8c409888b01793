"""Every OCPP message in and out, as the message log keeps it (whatever the transport)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple, TypedDict


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


class FrameInfo(NamedTuple):
    """What the transport's wire format says about one frame.

    A named tuple, not a frozen dataclass: one is made per frame on the stations' path, and
    a frozen dataclass's `__init__` costs ~4 times as much (it sets each field through
    `object.__setattr__`).
    """

    kind: FrameKind
    message_id: str | None = None
    #: the CALL's action (answers get theirs from the CALL they answer)
    action: str | None = None
    #: a CALLERROR's code, as sent
    error_code: str | None = None


class RecordedFrame(TypedDict):
    """A frame on its way into the log: what observers see and what one row stores.

    A plain dict keyed by the log's column names, not a `LoggedMessage`: the recorder makes
    one per frame on the event loop, observers read it and the repository inserts the batch
    as it is (a frozen dataclass plus a dict per row cost ~1 µs a frame more).
    """

    station_id: str
    at: datetime
    #: a `Direction` value
    direction: str
    #: a `FrameKind` value
    kind: str
    message_id: str | None
    action: str | None
    error_code: str | None
    #: for an answer: milliseconds since the CALL it answers
    answer_ms: float | None
    #: the message as it went over the wire
    frame: str


#: one frame as the metrics count it: action, direction, kind, error code, answer ms
FrameCount = tuple[str | None, str, str, str | None, float | None]


def frame_counts(frames: Sequence[RecordedFrame]) -> list[FrameCount]:
    """What the metrics count of each frame (here, or sent on by a worker process)."""
    return [
        (f["action"], f["direction"], f["kind"], f["error_code"], f["answer_ms"]) for f in frames
    ]


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
