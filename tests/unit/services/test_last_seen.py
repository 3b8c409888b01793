"""When stations were last heard from: kept in memory, stored together soon after."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from counting_units import CountingUnits

from ampyre.domain.station import Station
from ampyre.persistence import Database
from ampyre.services.provisioning.last_seen import LastSeen

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def stations(database: Database, *ids: str, seen: datetime | None = None) -> None:
    async with database.unit_of_work() as uow:
        await uow.stations.save_many([Station(id=i, last_seen=seen) for i in ids])
        await uow.commit()


async def last_seen(database: Database, station_id: str) -> datetime | None:
    async with database.unit_of_work() as uow:
        station = await uow.stations.get(station_id)
    assert station is not None
    return station.last_seen


async def stored(database: Database, station_id: str, expected: datetime) -> None:
    """Wait until the station's stored last_seen is `expected` (the timer wrote it)."""
    async with asyncio.timeout(10):
        while True:
            if await last_seen(database, station_id) == expected:
                return
            await asyncio.sleep(0.01)


async def test_times_heard_are_stored_together_after_the_delay(database: Database) -> None:
    await stations(database, "A", "B", seen=at(0))
    units = CountingUnits(database)
    tracker = LastSeen(units, delay=0.05)
    tracker.heard("A", at(1))
    tracker.heard("B", at(2))
    tracker.heard("A", at(3))  # the latest counts
    assert await last_seen(database, "A") == at(0)  # not yet: nothing waited for the disk
    await stored(database, "B", at(2))
    assert await last_seen(database, "A") == at(3)
    assert units.units == 1  # one unit of work for both stations
    await tracker.close()
    assert units.units == 1  # nothing left to store


async def test_a_later_stored_time_is_not_moved_back(database: Database) -> None:
    await stations(database, "A", seen=at(10))  # e.g. its disconnect, stored meanwhile
    await stations(database, "NEVER")  # no time stored yet
    tracker = LastSeen(CountingUnits(database), delay=60)
    tracker.heard("A", at(5))
    tracker.heard("NEVER", at(5))
    tracker.heard("UNKNOWN", at(5))  # no record: nothing to update, nothing fails
    await tracker.close()
    assert await last_seen(database, "A") == at(10)
    assert await last_seen(database, "NEVER") == at(5)


async def test_times_not_stored_are_kept_for_the_next_try(database: Database) -> None:
    await stations(database, "A", "B")
    units = CountingUnits(database, failures=1)
    tracker = LastSeen(units, delay=0.05)
    tracker.heard("A", at(1))
    tracker.heard("B", at(1))
    await tracker.flush()  # the database refuses: kept
    tracker.heard("B", at(2))  # heard again meanwhile: the newer time stays
    await stored(database, "A", at(1))  # the timer's next try
    assert await last_seen(database, "B") == at(2)
    assert units.units == 2
    await tracker.close()


async def test_close_stores_what_is_left_and_stops_the_timer(database: Database) -> None:
    await stations(database, "A")
    units = CountingUnits(database)
    tracker = LastSeen(units, delay=60)
    tracker.heard("A", at(1))
    await tracker.close()
    assert await last_seen(database, "A") == at(1)
    tracker.heard("A", at(2))  # after close: kept, no timer started
    await asyncio.sleep(0.05)
    assert units.units == 1
    assert await last_seen(database, "A") == at(1)
