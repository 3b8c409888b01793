"""Message content as plain JSON values, for reports stored as the station sent them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from ampyre.domain.reports import ReportKind, StationReport


def content(message: object) -> dict[str, Any]:
    value = msgspec.to_builtins(message)
    return value if isinstance(value, dict) else {"value": value}


def station_report(
    station_id: str,
    kind: ReportKind,
    message: object,
    now: datetime,
    status: str | None = None,
    request_id: int | None = None,
) -> StationReport:
    """Any message kept as sent, with its status (or summary) and requestId."""
    return StationReport(
        station_id=station_id,
        kind=kind,
        received_at=now,
        status=None if status is None else str(status),
        request_id=request_id,
        content=content(message),
    )
