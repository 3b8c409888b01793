"""Connect records: stations connecting together are stored in one unit of work."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from ampyre.domain.errors import StorageUnavailable
from ampyre.domain.station import Station
from ampyre.persistence import Database
from ampyre.services.provisioning.connects import ConnectRecords

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


class CountingUnits:
    """The database's units of work, counted; the first `failures` of them fail."""

    def __init__(self, database: Database, failures: int = 0) -> None:
        self.database = database
        self.units = 0
        self.failures = failures

    def __call__(self) -> Any:
        self.units += 1
        if self.units <= self.failures:
            raise StorageUnavailable("the disk is full")
        return self.database.unit_of_work()


async def test_stations_connecting_together_share_a_unit_of_work(database: Database) -> None:
    units = CountingUnits(database)
    records = ConnectRecords(units)
    ids = [f"CS{i:02d}" for i in range(50)]
    stations = await asyncio.gather(*(records.record(i, "1.6", NOW) for i in ids))
    assert stations == [
        Station(id=i, ocpp_version="1.6", connected=True, last_seen=NOW, created_at=NOW)
        for i in ids
    ]
    assert units.units < len(ids)
    async with database.unit_of_work() as uow:
        assert await uow.stations.get("CS49") == stations[-1]
    # later connects are stored too
    again = await records.record("CS00", "2.0.1", NOW)
    assert again.ocpp_version == "2.0.1" and again.connected


async def test_a_failed_batch_fails_its_connects_and_the_next_one_is_stored(
    database: Database,
) -> None:
    records = ConnectRecords(CountingUnits(database, failures=1))
    results = await asyncio.gather(
        *(records.record(f"CS{i}", "1.6", NOW) for i in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, StorageUnavailable) for r in results)
    stored = await records.record("CS9", "1.6", NOW)
    assert stored.id == "CS9" and stored.connected


async def test_a_waiting_connect_that_is_cancelled_does_not_stop_the_others(
    database: Database,
) -> None:
    records = ConnectRecords(CountingUnits(database))
    first = asyncio.ensure_future(records.record("A", "1.6", NOW))
    second = asyncio.ensure_future(records.record("B", "1.6", NOW))
    await asyncio.sleep(0)
    first.cancel()
    assert (await second).id == "B"
    with pytest.raises(asyncio.CancelledError):
        await first
