"""Group commit on a SQLite file: units of work share COMMITs, fail alone, or fail together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from persistence_builders import at, transaction

from ampyre.domain.errors import Conflict, StorageUnavailable
from ampyre.domain.station import Station
from ampyre.persistence import Database
from ampyre.persistence.group_commit import GroupCommitWriter


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'g.db'}")
    try:
        await db.upgrade()
        yield db
    finally:
        await db.close()


def writer(database: Database) -> GroupCommitWriter:
    assert database.group_commit is not None
    return database.group_commit


async def save(database: Database, station_id: str, fail: BaseException | None = None) -> None:
    async with database.unit_of_work() as uow:
        await uow.stations.save(Station(id=station_id))
        if fail is not None:
            raise fail
        await uow.commit()


async def stored(database: Database, station_id: str) -> bool:
    async with database.unit_of_work() as uow:
        return await uow.stations.get(station_id) is not None


async def test_concurrent_units_share_commits(database: Database) -> None:
    before = writer(database).commits
    await asyncio.gather(*(save(database, f"CS{i}") for i in range(50)))
    commits = writer(database).commits - before
    assert 1 <= commits < 50
    assert writer(database).units_committed == 50
    assert all([await stored(database, f"CS{i}") for i in range(50)])


async def test_a_unit_that_fails_loses_only_its_own_work(database: Database) -> None:
    before = writer(database).commits
    results = await asyncio.gather(
        save(database, "A"),
        save(database, "B", fail=RuntimeError("boom")),
        save(database, "C"),
        return_exceptions=True,
    )
    assert [type(r) for r in results] == [type(None), RuntimeError, type(None)]
    assert writer(database).commits - before == 1  # A and C in one batch, B rolled back
    assert await stored(database, "A")
    assert not await stored(database, "B")
    assert await stored(database, "C")


async def test_a_statement_error_keeps_the_batch(database: Database) -> None:
    async def bad_event() -> None:
        async with database.unit_of_work() as uow:
            await uow.stations.save(Station(id="BAD"))
            await uow.transactions.add_event(999_999, 1, "Updated", at(0))  # no such session

    results = await asyncio.gather(
        save(database, "A"), bad_event(), save(database, "C"), return_exceptions=True
    )
    assert isinstance(results[1], Conflict)
    assert [await stored(database, s) for s in ("A", "BAD", "C")] == [True, False, True]


async def test_a_failed_commit_fails_every_unit_of_its_batch(database: Database) -> None:
    async def deferred_violation() -> None:
        async with database.unit_of_work() as uow:
            await uow.stations.save(Station(id="X"))
            # The foreign key is checked at COMMIT: the whole batch's COMMIT fails for real.
            raw = writer(database)._raw
            assert raw is not None
            raw.execute("PRAGMA defer_foreign_keys=ON")
            await uow.transactions.add_event(999_999, 1, "Updated", at(0))
            await uow.commit()

    results = await asyncio.gather(
        save(database, "A"), deferred_violation(), return_exceptions=True
    )
    assert [type(r) for r in results] == [StorageUnavailable, StorageUnavailable]
    assert not await stored(database, "A")
    assert not await stored(database, "X")
    await save(database, "after")  # the writer recovered
    assert await stored(database, "after")


async def test_work_after_commit_is_a_new_transaction(database: Database) -> None:
    async with database.unit_of_work() as uow:
        created = await uow.transactions.create(transaction(ref="r1"), start_key=None)
        await uow.commit()
        await uow.stations.save(Station(id="rolled-back"))
    assert not await stored(database, "rolled-back")
    async with database.unit_of_work() as uow:
        assert await uow.transactions.get(created.id) == created


async def test_tools_connection_sees_committed_work_only(database: Database) -> None:
    await save(database, "A")
    connection = await database.checkout()
    try:
        result = await connection.exec_driver_sql("SELECT count(*) FROM stations")
        assert result.scalar_one() == 1
    finally:
        await database.checkin(connection)
