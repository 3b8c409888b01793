"""Unit of work semantics and error translation on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from datetime import datetime
from pathlib import Path

import pytest
from persistence_builders import at, transaction
from sqlalchemy.exc import SQLAlchemyError

from ampyre.domain.errors import Conflict, StorageUnavailable
from ampyre.domain.station import Station
from ampyre.persistence import Database, SqlUnitOfWork
from ampyre.services.ports import UnitOfWork, UnitOfWorkFactory


def test_database_provides_units_of_work_of_the_port() -> None:
    # Checked by mypy --strict in src (SqlUnitOfWork's annotations); here at run time too.
    factory: UnitOfWorkFactory = Database("sqlite://").unit_of_work
    uow: UnitOfWork = factory()
    assert isinstance(uow, SqlUnitOfWork)


async def test_leaving_without_commit_rolls_back(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.stations.save(Station(id="CS1"))
        await uow.transactions.create(transaction(), start_key=None)
    with pytest.raises(RuntimeError, match="boom"):
        async with database.unit_of_work() as uow:
            await uow.stations.save(Station(id="CS2"))
            raise RuntimeError("boom")
    async with database.unit_of_work() as uow:
        await uow.stations.save(Station(id="CS3"))
        await uow.commit()
        await uow.stations.save(Station(id="CS4"))  # after the commit: a new transaction
    async with database.unit_of_work() as uow:
        assert await uow.stations.get("CS1") is None
        assert await uow.stations.get("CS2") is None
        assert await uow.stations.get("CS3") is not None
        assert await uow.stations.get("CS4") is None
        assert await uow.transactions.list_for_station("CS1") == []


async def test_integrity_errors_become_conflicts(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.transactions.create(transaction(ref="r1"), start_key=None)
        second = await uow.transactions.create(transaction(ref="r2"), start_key=None)
        await uow.commit()
    with pytest.raises(Conflict) as caught:
        async with database.unit_of_work() as uow:
            # on SQLite's group commit a deferred write: its Conflict comes from the commit
            await uow.transactions.save(dataclasses.replace(second, ref="r1"))
            await uow.commit()
    assert not isinstance(caught.value, SQLAlchemyError)
    async with database.unit_of_work() as uow:
        with pytest.raises(Conflict):  # an event of no session: foreign key
            await uow.transactions.add_event(999_999, 1, "Updated", at(0))
    async with database.unit_of_work() as uow:
        assert (await uow.transactions.by_ref("CS1", "r2")) == second


async def test_naive_datetimes_are_refused(database: Database) -> None:
    async with database.unit_of_work() as uow:
        with pytest.raises(ValueError, match="naive"):
            await uow.stations.touch_many([("CS1", datetime(2025, 1, 1))])


async def test_unreachable_postgres_is_storage_unavailable() -> None:
    database = Database("postgresql://nobody@127.0.0.1:1/none")
    try:
        with pytest.raises(StorageUnavailable):
            async with database.unit_of_work():
                pass
    finally:
        await database.close()


async def test_unopenable_sqlite_file_is_storage_unavailable(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    try:
        with pytest.raises(StorageUnavailable):
            async with database.unit_of_work():
                pass
        # The single connection slot was given back: the next attempt fails the same way.
        with pytest.raises(StorageUnavailable):
            await database.upgrade()
    finally:
        await database.close()
        # aiosqlite stops the thread of a failed connection without waiting for it; let it
        # finish while this loop still runs, or it reports to a closed loop.
        await asyncio.to_thread(_join_sqlite_worker_threads)


def _join_sqlite_worker_threads() -> None:
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            thread.join(timeout=10)


async def test_nested_unit_of_work_on_sqlite_is_refused(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        async with database.unit_of_work():
            with pytest.raises(RuntimeError, match="nested"):
                async with database.unit_of_work():
                    pass
    finally:
        await database.close()


async def test_a_unit_of_work_is_entered_once(database: Database) -> None:
    uow = database.unit_of_work()
    async with uow:
        pass
    with pytest.raises(RuntimeError):
        async with uow:
            pass


async def test_repositories_are_made_on_first_use_inside_the_block(database: Database) -> None:
    uow = database.unit_of_work()
    with pytest.raises(RuntimeError, match="outside"):
        _ = uow.stations
    async with uow:
        first = uow.transactions
        assert uow.transactions is first  # one per unit of work
        assert await uow.transactions.get(1) is None
        assert await uow.stations.get("nobody") is None
        with pytest.raises(AttributeError):
            _ = uow.no_such_repository  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="outside"):
        _ = uow.statuses
