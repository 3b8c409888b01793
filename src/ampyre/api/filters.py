"""Query parameters several lists share: a time range."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query

from ampyre.api.problems import Problem


def as_utc(value: datetime | None) -> datetime | None:
    """A time without an offset is taken as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class TimeRange:
    """`since <= t < until`, both optional (ISO 8601; no offset means UTC)."""

    def __init__(
        self,
        since: Annotated[datetime | None, Query(description="at or after (ISO 8601)")] = None,
        until: Annotated[datetime | None, Query(description="before (ISO 8601)")] = None,
    ) -> None:
        self.since = as_utc(since)
        self.until = as_utc(until)
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise Problem(422, "`until` must be later than `since`", title="Invalid request")
