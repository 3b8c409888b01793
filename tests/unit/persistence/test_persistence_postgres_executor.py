"""Hot statements on PostgreSQL skip SQLAlchemy's asyncio layer: same results, same errors."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from fast_path_scenarios import (
    one_off_and_expanding_stay_on_sqlalchemy,
    same_results_on_the_fast_path,
)
from persistence_builders import at, transaction
from sqlalchemy import bindparam, select, text

from ampyre.domain.errors import Conflict, DomainError, InvalidInput, StorageUnavailable
from ampyre.domain.station import Station
from ampyre.persistence import Database, idle_connections
from ampyre.persistence.executor import Executor
from ampyre.persistence.postgres_executor import PostgresStatements
from ampyre.persistence.tables import stations

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]


def statements(database: Database) -> PostgresStatements:
    found = database._postgres
    assert found is not None
    return found


async def test_results_are_the_same_on_the_fast_path(database: Database) -> None:
    await same_results_on_the_fast_path(database, lambda: statements(database).fast)


async def _failures(database: Database, fail: Any) -> list[tuple[type[DomainError], str]]:
    """The error of `fail(uow)` three times: SQLAlchemy's path first, then the fast one."""
    seen = []
    for _ in range(3):
        with pytest.raises(DomainError) as caught:
            async with database.unit_of_work() as uow:
                await fail(uow)
        seen.append((type(caught.value), str(caught.value)))
    return seen


async def test_errors_are_translated_as_on_sqlalchemy(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.transactions.create(transaction(ref="r1"), start_key=None)
        second = await uow.transactions.create(transaction(ref="r2"), start_key=None)
        await uow.commit()
    before = statements(database).fast

    async def unique(uow: Any) -> None:
        await uow.transactions.save(dataclasses.replace(second, ref="r1"))

    async def foreign_key(uow: Any) -> None:
        await uow.transactions.add_event(999_999, 1, "Updated", at(0))

    async def nul(uow: Any) -> None:
        await uow.stations.touch_many([("CS\x001", at(0))])

    for fail, kind in ((unique, Conflict), (foreign_key, Conflict), (nul, InvalidInput)):
        seen = await _failures(database, fail)
        assert seen[0][0] is kind
        assert seen[0] == seen[1] == seen[2]
    assert statements(database).fast > before
    async with database.unit_of_work() as uow:  # the pool's connections are still usable
        assert await uow.transactions.by_ref("CS1", "r2") == second


async def test_one_off_and_expanding_statements_stay_on_sqlalchemy(database: Database) -> None:
    await one_off_and_expanding_stay_on_sqlalchemy(database, lambda: statements(database).fast)


async def test_fast_and_sqlalchemy_statements_share_one_transaction(database: Database) -> None:
    by_id = select(stations.c.id).where(stations.c.id == bindparam("id"))
    executor = database.executor()
    await executor.enter()
    try:
        await executor.execute(by_id, {"id": "X"})  # first execution: SQLAlchemy's path
        async with database.unit_of_work() as uow:
            await uow.stations.save(Station(id="X"))
            await uow.stations.save(Station(id="Y"))
            await uow.commit()
        insert = executor.insert(stations).values(
            id=bindparam("id"), registered=True, connected=False
        )
        await executor.execute(insert, {"id": "Z1"})  # SQLAlchemy
        await executor.execute(insert, {"id": "Z2"})  # fast
        found = await executor.execute(
            select(stations.c.id).where(stations.c.id.in_(["Z1", "Z2"]))
        )  # SQLAlchemy again, inside the same transaction
        assert sorted(found.scalars()) == ["Z1", "Z2"]
        assert (await executor.execute(by_id, {"id": "Y"})).scalar_one_or_none() == "Y"
    finally:
        await executor.leave(failing=False)  # not committed: rolled back
    async with database.unit_of_work() as uow:
        assert await uow.stations.get("Z1") is None and await uow.stations.get("Z2") is None


async def _terminate_pooled_connections(database: Database, database_url: str) -> None:
    """Three connections in the pool, then closed by the server (as on its restart)."""
    executors = [database.executor() for _ in range(3)]
    pids = []
    for executor in executors:
        await executor.enter()
        pids.append((await executor.execute(text("SELECT pg_backend_pid()"))).scalar_one())
    for executor in executors:
        await executor.leave(failing=False)
    admin = await asyncpg.connect(database_url.split("?")[0])
    try:
        for pid in pids:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_connections_the_server_closed_are_replaced(
    database: Database, database_url: str
) -> None:
    """No pre-ping: a unit of work whose BEGIN finds its connection closed starts again on
    a fresh one (twice: a unit that reads, a unit that writes)."""
    for _ in range(2):  # so that get() takes the fast path
        async with database.unit_of_work() as uow:
            assert await uow.stations.get("AFTER0") is None
    await _terminate_pooled_connections(database, database_url)
    before = statements(database).fast
    for _ in range(3):
        async with database.unit_of_work() as uow:
            assert await uow.stations.get("AFTER0") is None
    assert statements(database).fast > before
    await _terminate_pooled_connections(database, database_url)
    for n in range(4):
        async with database.unit_of_work() as uow:
            await uow.stations.save(Station(id=f"AFTER{n}"))
            await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.stations.get("AFTER3") is not None


async def _run(database: Database, sql: str, commit: bool = True) -> Any:
    """One unit of work of one statement (a unit of work's executor, as repositories use it)."""
    executor = database.executor()
    await executor.enter()
    try:
        value = (await executor.execute(text(sql))).scalar_one()
        if commit:
            await executor.commit()
    finally:
        await executor.leave(failing=False)
    return value


async def _backend_pid(database: Database) -> int:
    return int(await _run(database, "SELECT pg_backend_pid()"))


def _checked_out(database: Database) -> int:
    return database.engine.sync_engine.pool.checkedout()  # type: ignore[attr-defined, no-any-return]


async def test_a_clean_connection_serves_the_next_unit_of_work(database: Database) -> None:
    """Kept between units of work, still checked out of the pool; what a unit left
    uncommitted is rolled back before the next one gets the connection."""
    first = await _backend_pid(database)
    async with database.unit_of_work() as uow:
        await uow.stations.save(Station(id="KEPT"))
        await uow.commit()
    assert await _backend_pid(database) == first
    assert _checked_out(database) == 1 and len(database._idle or ()) == 1
    async with database.unit_of_work() as uow:  # never committed
        await uow.stations.save(Station(id="NOT-COMMITTED"))
    # the same connection, and no transaction of the unit before is still open on it
    fresh = "SELECT CASE WHEN txid_current_if_assigned() IS NULL THEN pg_backend_pid() END"
    assert await _run(database, fresh) == first
    async with database.unit_of_work() as uow:
        assert await uow.stations.get("NOT-COMMITTED") is None
        assert await uow.stations.get("KEPT") is not None
    # a read-only unit that did not commit: rolled back, the connection kept
    assert await _run(database, "SELECT count(*) FROM stations", commit=False) == 1
    assert await _backend_pid(database) == first


async def test_a_failed_unit_of_work_gives_its_connection_back(database: Database) -> None:
    await _backend_pid(database)
    assert len(database._idle or ()) == 1
    with pytest.raises(RuntimeError):
        async with database.unit_of_work() as uow:
            await uow.stations.save(Station(id="FAILS"))
            raise RuntimeError("the service failed")
    assert len(database._idle or ()) == 0 and _checked_out(database) == 0
    async with database.unit_of_work() as uow:
        assert await uow.stations.get("FAILS") is None


async def test_no_more_connections_are_kept_than_the_pool_holds(database: Database) -> None:
    idle = database._idle
    assert idle is not None

    async def unit(n: int) -> None:
        await _run(database, f"SELECT count(*) FROM (SELECT pg_sleep(0.05)) AS slept{n}")

    await asyncio.gather(*(unit(n) for n in range(idle.keep + 5)))  # into the overflow
    assert len(idle) == idle.keep == _checked_out(database)
    await database.close()
    assert len(idle) == 0 and _checked_out(database) == 0


@pytest.fixture
async def one_connection(database_url: str) -> AsyncIterator[Database]:
    """A migrated database whose units of work share one connection."""
    database = Database(database_url, pool_size=1, max_overflow=0)
    try:
        await database.upgrade()
        yield database
    finally:
        await database.close()


async def _holding(database: Database) -> Executor:
    """A unit of work that holds a connection until it leaves."""
    executor = database.executor()
    await executor.enter()
    await executor.execute(text("SELECT 1"))
    return executor


def _places(database: Database) -> tuple[int, int]:
    """(connections units of work hold, kept idle)."""
    idle = database._idle
    assert idle is not None
    return idle._held, len(idle)


async def test_units_waiting_for_a_connection_get_it_in_turn(one_connection: Database) -> None:
    """A freed connection goes to the longest waiting unit of work, not to the kept ones
    (where a unit coming later would find it first); a failed unit's place too."""
    database = one_connection
    holder = await _holding(database)
    order: list[int] = []

    async def unit(n: int) -> None:
        await _run(database, f"SELECT {n}")
        order.append(n)

    waiting = []
    for n in range(3):
        waiting.append(asyncio.create_task(unit(n)))
        await asyncio.sleep(0.05)
    assert not any(task.done() for task in waiting)
    await holder.commit()
    await holder.leave(failing=False)
    await asyncio.wait_for(asyncio.gather(*waiting), 5)
    assert order == [0, 1, 2]
    holder = await _holding(database)
    after_failure = asyncio.create_task(_run(database, "SELECT 7"))
    await asyncio.sleep(0.05)
    await holder.leave(failing=True)  # back to the pool: the waiting unit takes it there
    assert await asyncio.wait_for(after_failure, 5) == 7
    assert _places(database) == (0, 1)


async def test_a_unit_that_waits_too_long_fails_and_leaves_no_trace(
    one_connection: Database,
) -> None:
    database = one_connection
    idle = database._idle
    assert idle is not None
    idle.timeout = 0.2
    holder = await _holding(database)
    with pytest.raises(StorageUnavailable, match="no database connection became free"):
        await _run(database, "SELECT 2")
    cancelled = asyncio.create_task(_run(database, "SELECT 3"))
    await asyncio.sleep(0.05)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    await holder.commit()
    await holder.leave(failing=False)
    assert _places(database) == (0, 1)
    assert await _run(database, "SELECT 4") == 4


async def test_a_unit_cancelled_while_giving_its_connection_back_leaves_no_trace(
    one_connection: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = one_connection
    holder = await _holding(database)
    rolling_back = asyncio.Event()

    async def slow_roll_back(connection: object) -> None:
        rolling_back.set()
        await asyncio.sleep(10)

    monkeypatch.setattr(idle_connections, "_roll_back", slow_roll_back)
    leaving = asyncio.create_task(holder.leave(failing=False))
    await rolling_back.wait()
    leaving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leaving
    assert _places(database) == (0, 0) and _checked_out(database) == 0
    monkeypatch.undo()
    assert await _run(database, "SELECT 5") == 5


async def test_late_units_fail_each_at_its_own_deadline(one_connection: Database) -> None:
    """One timer serves every waiting unit of work: each fails `timeout` after it came."""
    database = one_connection
    idle = database._idle
    assert idle is not None
    idle.timeout = 0.3
    holder = await _holding(database)
    first = asyncio.create_task(_run(database, "SELECT 1"))
    await asyncio.sleep(0.15)
    second = asyncio.create_task(_run(database, "SELECT 2"))
    await asyncio.wait({first}, timeout=1)
    assert first.done() and not second.done()  # the second came 0.15 s later
    with pytest.raises(StorageUnavailable):
        first.result()
    with pytest.raises(StorageUnavailable):
        await asyncio.wait_for(second, 1)
    await holder.commit()
    await holder.leave(failing=False)
    assert _places(database) == (0, 1)
    assert not idle._waiters and idle._sweep is None
