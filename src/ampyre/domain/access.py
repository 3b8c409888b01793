"""Who may use the operator API: bearer tokens with a role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    #: may read everything, change nothing
    READER = "reader"
    #: may also change records and send commands to stations
    OPERATOR = "operator"

    def allows(self, needed: Role) -> bool:
        return self is Role.OPERATOR or needed is Role.READER


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    name: str
    role: Role
    #: the first characters of the secret, to tell tokens apart in listings
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None
