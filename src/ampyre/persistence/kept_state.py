"""Per-station state a station accepted, kept with a lifecycle: live until a later command
ends it (cleared, replaced). Charging profiles, display messages and variable monitors keep
theirs in tables of the same shape: `id`, `station_id`, `state`, `ended_at`, `ended_by`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, select, update

from ampyre.persistence.executor import Executor


async def station_rows(
    db: Executor, table: Table, station_id: str, live: str | None
) -> list[Row[Any]]:
    """The station's rows in the order they were kept; only those in state `live` if given."""
    statement = select(table).where(table.c.station_id == station_id)
    if live is not None:
        statement = statement.where(table.c.state == live)
    return list(await db.execute(statement.order_by(table.c.id)))


async def end_rows(
    db: Executor, table: Table, row_ids: Sequence[int], state: str, at: datetime, by: int
) -> None:
    """End the rows `row_ids` in `state`, at `at`, by command `by`."""
    if not row_ids:
        return
    await db.execute(
        update(table).where(table.c.id.in_(row_ids)).values(state=state, ended_at=at, ended_by=by)
    )
