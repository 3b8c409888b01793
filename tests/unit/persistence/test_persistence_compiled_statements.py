"""Hot statements on the SQLite writer skip SQLAlchemy's per-execution machinery, same results."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fast_path_scenarios import (
    one_off_and_expanding_stay_on_sqlalchemy,
    same_results_on_the_fast_path,
)
from persistence_builders import at
from sqlalchemy import bindparam, select
from sqlalchemy.exc import MultipleResultsFound

from ampyre.domain.errors import Conflict
from ampyre.domain.station import Station
from ampyre.persistence import Database
from ampyre.persistence.compiled_statements import CompiledStatements
from ampyre.persistence.tables import stations


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        await db.upgrade()
        yield db
    finally:
        await db.close()


def compiled(database: Database) -> CompiledStatements:
    assert database.group_commit is not None and database.group_commit.statements is not None
    return database.group_commit.statements


async def test_results_are_the_same_on_the_fast_path(database: Database) -> None:
    await same_results_on_the_fast_path(database, lambda: compiled(database).fast)


async def test_constraint_violations_are_translated_on_the_fast_path(database: Database) -> None:
    for _ in range(3):
        with pytest.raises(Conflict):
            async with database.unit_of_work() as uow:
                await uow.transactions.add_event(999_999, 1, "Updated", at(0))  # no session
    async with database.unit_of_work() as uow:  # the connection is still usable
        await uow.stations.save(Station(id="AFTER"))
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.stations.get("AFTER") is not None


async def test_one_off_and_expanding_statements_stay_on_sqlalchemy(database: Database) -> None:
    await one_off_and_expanding_stay_on_sqlalchemy(database, lambda: compiled(database).fast)


async def test_a_value_its_type_refuses_raises_as_on_sqlalchemy(database: Database) -> None:
    """A naive datetime is the caller's bug, whichever path the statement takes."""
    errors = []
    for _ in range(3):
        async with database.unit_of_work() as uow:
            await uow.stations.save(Station(id="N"))
            with pytest.raises(Exception) as caught:
                await uow.stations.touch_many([("N", datetime(2025, 1, 1))])  # no tzinfo
            errors.append(type(caught.value))
    assert errors[0] is errors[1] is errors[2]


async def test_fast_results_read_as_sqlalchemy_results_do(database: Database) -> None:
    """Each way of reading gives what SQLAlchemy's own result gives, once."""
    async with database.unit_of_work() as uow:
        for name in ("A", "B", "C"):
            await uow.stations.save(Station(id=name))
        await uow.commit()
    by_prefix = select(stations.c.id, stations.c.vendor).where(stations.c.id >= bindparam("low"))
    by_prefix = by_prefix.order_by(stations.c.id)
    executor = database.executor()
    await executor.enter()
    try:

        async def run(low: str) -> Any:
            return await executor.execute(by_prefix, {"low": low})

        slow = (await run("A")).all()  # the first execution of a statement object
        before = compiled(database).fast
        fast = await run("A")
        assert fast.all() == slow and fast.all() == []
        assert [row._mapping for row in slow] == [row._mapping for row in (await run("A")).all()]
        assert (await run("A")).first() == slow[0]
        assert (await run("C")).one_or_none() == slow[2]
        assert (await run("D")).one_or_none() is None
        assert (await run("C")).scalar_one_or_none() == "C"
        assert (await run("D")).scalar_one_or_none() is None
        with pytest.raises(MultipleResultsFound):
            (await run("B")).one_or_none()
        with pytest.raises(MultipleResultsFound):
            (await run("B")).scalar_one_or_none()
        iterated = await run("A")
        assert list(iterated) == slow and iterated.all() == []
        fetched = await run("A")
        assert fetched.fetchone() == slow[0] and fetched.all() == slow[1:]
        assert (await run("A")).scalars().all() == ["A", "B", "C"]
        assert compiled(database).fast == before + 12
    finally:
        await executor.leave(failing=False)


async def test_the_same_names_in_another_order_run_on_the_fast_path(database: Database) -> None:
    """Plans are found by the names in the caller's order; another order gets its own."""
    async with database.unit_of_work() as uow:
        for name in ("A", "B", "C"):
            await uow.stations.save(Station(id=name))
        await uow.commit()
    between = select(stations.c.id).where(
        stations.c.id >= bindparam("low"), stations.c.id <= bindparam("high")
    )
    executor = database.executor()
    await executor.enter()
    try:
        await executor.execute(between, {"low": "A", "high": "B"})  # the first execution
        before = compiled(database).fast
        forward = await executor.execute(between, {"low": "A", "high": "B"})
        backward = await executor.execute(between, {"high": "C", "low": "B"})
        assert sorted(forward.scalars()) == ["A", "B"]
        assert sorted(backward.scalars()) == ["B", "C"]
        assert compiled(database).fast == before + 2
    finally:
        await executor.leave(failing=False)
