"""Scenarios both fast paths (SQLite's compiled statements, PostgreSQL's) must pass."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from persistence_builders import at, meter_value, transaction
from sqlalchemy import bindparam, select

from ampyre.domain.station import Station
from ampyre.domain.transactions import TransactionState
from ampyre.persistence import Database
from ampyre.persistence.tables import stations


async def same_results_on_the_fast_path(database: Database, fast: Callable[[], int]) -> None:
    """Every hot repository path twice: first on SQLAlchemy's path, then (the same statement
    objects again) on the fast one; `fast()` counts the executions that took it."""
    first = await _session_round_trip(database, 1)
    before = fast()
    second = await _session_round_trip(database, 2)
    assert fast() - before >= 8
    for result, n in ((first, 1), (second, 2)):
        created, ended, read, by_key, station, added, again, first_event, repeated, values = result
        assert created.id > 0  # INSERT ... RETURNING
        assert read == ended == by_key  # every column, datetimes as aware UTC with microseconds
        assert read.ended_at == at(n + 60) and read.ended_at.tzinfo is not None
        assert read.energy_wh == 1500.5
        assert station.last_seen == at(n + 61) and station.created_at == at(n)
        assert (added, again, first_event, repeated) == (2, 0, True, False)
        assert [v.samples for v in values] == [  # JSON
            meter_value(1, 100.0).samples,
            meter_value(2, 200.0).samples,
        ]
        assert values[0].timestamp == at(1)


async def _session_round_trip(database: Database, n: int) -> Any:
    """Create, update, add meter values and events, read back."""
    async with database.unit_of_work() as uow:
        await uow.stations.save(Station(id=f"CS{n}", created_at=at(n)))
        created = await uow.transactions.create(transaction(f"CS{n}", f"tx-{n}"), f"key-{n}")
        ended = dataclasses.replace(
            created, state=TransactionState.ENDED, ended_at=at(n + 60), energy_wh=1500.5
        )
        await uow.transactions.save(ended)
        added = await uow.transactions.add_meter_values(
            f"CS{n}", 1, created.id, [meter_value(1, 100.0)]
        )
        added += await uow.transactions.add_meter_values(
            f"CS{n}", 1, created.id, [meter_value(2, 200.0)]
        )
        again = await uow.transactions.add_meter_values(
            f"CS{n}", 1, created.id, [meter_value(1, 100.0)]
        )
        first_event = await uow.transactions.add_event(created.id, 0, "Started", at(n))
        repeated = await uow.transactions.add_event(created.id, 0, "Started", at(n))
        await uow.stations.touch_many([(f"CS{n}", at(n + 61))])
        await uow.commit()
    async with database.unit_of_work() as uow:
        read = await uow.transactions.by_ref(f"CS{n}", f"tx-{n}")
        by_key = await uow.transactions.by_start_key(f"CS{n}", f"key-{n}")
        station = await uow.stations.get(f"CS{n}")
        values = await uow.transactions.meter_values(created.id)
    assert station is not None and read is not None
    return created, ended, read, by_key, station, added, again, first_event, repeated, values


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
