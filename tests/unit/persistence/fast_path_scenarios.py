"""Scenarios both fast paths (SQLite's compiled statements, PostgreSQL's) must pass."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import bindparam, select

from ampyre.domain.station import Station
from ampyre.persistence import Database
from ampyre.persistence.tables import stations


async def one_off_and_expanding_stay_on_sqlalchemy(
    database: Database, fast: Callable[[], int]
) -> None:
    """A statement run once, and one with an expanding IN, never take the fast path;
    `fast()` counts the executions that did."""
    async with database.unit_of_work() as uow:
        for name in ("A", "B", "C"):
            await uow.stations.save(Station(id=name))
        await uow.commit()
    executor = database.executor()
    await executor.enter()
    try:
        before = fast()
        one_off = await executor.execute(select(stations.c.id).where(stations.c.id == "B"))
        assert one_off.scalar_one() == "B"
        expanding = select(stations.c.id).where(stations.c.id.in_(bindparam("ids", expanding=True)))
        for _ in range(2):
            rows = await executor.execute(expanding, {"ids": ["A", "C"]})
            assert sorted(rows.scalars()) == ["A", "C"]
        assert fast() == before
    finally:
        await executor.leave(failing=False)
