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


#: the token types of OCPP 2.0.1 (IdTokenEnumType); a 1.x idTag has none
ID_TOKEN_TYPES = (
    "Central",
    "eMAID",
    "ISO14443",
    "ISO15693",
    "KeyCode",
    "Local",
    "MacAddress",
    "NoAuthorization",
)

#: the statuses an operator gives a token (ConcurrentTx is decided per request, never stored)
STORED_STATUSES = (
    AuthorizationStatus.ACCEPTED,
    AuthorizationStatus.BLOCKED,
    AuthorizationStatus.EXPIRED,
    AuthorizationStatus.INVALID,
)

#: printable ASCII without spaces and '/', at most 255 characters
ID_TOKEN_PATTERN = r"^[!-.0-~]+$"
MAX_ID_TOKEN_LENGTH = 255


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


@dataclasses.dataclass(frozen=True, slots=True)
class IdTokenQuery:
    """Which id tokens to list, by value; every given field must match."""

    status: AuthorizationStatus | None = None
    group_id: str | None = None
    type: str | None = None
    #: keyset pagination: only tokens with a greater value
    after_value: str | None = None
    limit: int = 50
