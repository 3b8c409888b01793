"""What happened on the network, as operators subscribe to it (event stream, webhooks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    STATION_CONNECTED = "station.connected"
    STATION_DISCONNECTED = "station.disconnected"
    STATUS_CHANGED = "status.changed"
    TRANSACTION_STARTED = "transaction.started"
    TRANSACTION_UPDATED = "transaction.updated"
    TRANSACTION_ENDED = "transaction.ended"
    COMMAND_RESULT = "command.result"
    SECURITY_EVENT = "security.event"


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    station_id: str
    at: datetime
    #: JSON-ready details (ids, statuses, the command's outcome, ...)
    data: dict[str, Any] = field(default_factory=dict)
