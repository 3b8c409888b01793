"""Id tokens (1.x idTag, 2.0.1 idToken with a type) and authorization outcomes."""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime


class AuthorizationStatus(enum.StrEnum):
    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    CONCURRENT_TX = "ConcurrentTx"


@dataclasses.dataclass(frozen=True, slots=True)
class IdToken:
    """A token as presented by a station. 1.x idTags have no type; they are stored as `None`."""

    value: str
    type: str | None = None


@dataclasses.dataclass(slots=True)
class IdTokenRecord:
    """A token the operator manages."""

    value: str
    type: str | None = None
    status: AuthorizationStatus = AuthorizationStatus.ACCEPTED
    expiry: datetime | None = None
    group_id: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class AuthorizationResult:
    status: AuthorizationStatus
    expiry: datetime | None = None
    group_id: str | None = None
