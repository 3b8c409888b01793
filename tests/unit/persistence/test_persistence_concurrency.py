"""Many stations at once: every unit of work succeeds, nothing is stored twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

from persistence_builders import at, meter_value, transaction
from sqlalchemy import Table, func, select

from ampyre.domain.availability import ConnectorStatus, StatusReport
from ampyre.persistence import Database
from ampyre.persistence.tables import (
    connector_status,
    meter_values,
    status_history,
    transactions,
)

UNITS = 200
STATIONS = 100


async def one_station_message(database: Database, i: int) -> int:
    station_id = f"CS{i % STATIONS}"
    async with database.unit_of_work() as uow:
        await uow.statuses.add(StatusReport(station_id, 1, 1, ConnectorStatus.CHARGING, at(i)))
        created = await uow.transactions.create(
            transaction(station_id, ref=f"tx-{i}"), start_key=f"key-{i}"
        )
        # Two units per station send the same shared reading at the same time.
        added = await uow.transactions.add_meter_values(
            station_id, 1, created.id, [meter_value(i, float(i)), meter_value(-1, 1.0)]
        )
        await uow.commit()
    return added


async def count(database: Database, table: Table) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def test_many_concurrent_units_of_work(database: Database) -> None:
    async with asyncio.timeout(120):
        added = await asyncio.gather(*(one_station_message(database, i) for i in range(UNITS)))
    assert sum(added) == UNITS + STATIONS
    assert await count(database, transactions) == UNITS
    assert await count(database, status_history) == UNITS
    assert await count(database, connector_status) == STATIONS
    assert await count(database, meter_values) == UNITS + STATIONS
    async with database.unit_of_work() as uow:
        ids = [t.id for i in range(STATIONS) for t in await uow.transactions.active(f"CS{i}")]
    assert len(set(ids)) == UNITS


async def test_two_processes_on_one_sqlite_file_wait_instead_of_failing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = Database(url), Database(url)
    try:
        await first.upgrade()
        async with asyncio.timeout(120):
            await asyncio.gather(
                *(one_station_message((first, second)[i % 2], i) for i in range(60))
            )
        assert await count(first, transactions) == 60
    finally:
        await first.close()
        await second.close()
