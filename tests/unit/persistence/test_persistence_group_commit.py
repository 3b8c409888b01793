"""Group commit on a SQLite file: units of work share COMMITs, fail alone, or fail together."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from persistence_builders import at, transaction

from ampyre.domain.availability import ConnectorStatus, StatusReport
from ampyre.domain.errors import Conflict, NotFound, StorageUnavailable
from ampyre.domain.station import Station
from ampyre.persistence import Database
from ampyre.persistence.deferred_writes import DeferredUnit, DeferredWrite, grouped
from ampyre.persistence.group_commit import GroupCommitWriter, bind_none_and_bools_directly


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


async def test_a_failing_first_unit_of_a_batch_loses_only_its_own_work(database: Database) -> None:
    # The first unit of a batch runs without a savepoint: failing, it rolls the batch's
    # transaction back, which holds its work alone; the units after it start a new one.
    results = await asyncio.gather(
        save(database, "A", fail=RuntimeError("boom")),
        save(database, "B"),
        save(database, "C"),
        return_exceptions=True,
    )
    assert [type(r) for r in results] == [RuntimeError, type(None), type(None)]
    assert [await stored(database, s) for s in ("A", "B", "C")] == [False, True, True]


async def test_a_first_unit_failing_after_a_statement_error_loses_its_writes(
    database: Database,
) -> None:
    async def bad_event() -> None:
        async with database.unit_of_work() as uow:
            await uow.stations.save(Station(id="BAD"))
            await uow.transactions.add_event(999_999, 1, "Updated", at(0))  # no such session

    results = await asyncio.gather(bad_event(), save(database, "B"), return_exceptions=True)
    assert isinstance(results[0], Conflict)
    assert [await stored(database, s) for s in ("BAD", "B")] == [False, True]


async def test_only_units_joining_committed_work_open_a_savepoint(database: Database) -> None:
    await save(database, "warm")  # the writer's connection is open
    raw = writer(database)._raw
    assert raw is not None
    statements: list[str] = []
    raw.set_trace_callback(statements.append)
    try:
        await asyncio.gather(*(save(database, f"S{i}") for i in range(3)))
    finally:
        raw.set_trace_callback(None)
    savepoints = [s for s in statements if s.startswith(("SAVEPOINT", "RELEASE"))]
    assert statements.count("BEGIN IMMEDIATE") == 1
    assert savepoints == ["SAVEPOINT unit", "RELEASE unit"] * 2  # not for the first unit
    assert [await stored(database, f"S{i}") for i in range(3)] == [True] * 3


async def test_a_unit_cancelled_while_its_batch_commits_cancels_only_itself(
    database: Database,
) -> None:
    first = asyncio.create_task(save(database, "A"))
    second = asyncio.create_task(save(database, "B"))
    batch = None
    async with asyncio.timeout(30):
        while batch is None or len(batch.waiters) < 2:
            batch = batch or writer(database)._batch
            await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await second  # its wait for the COMMIT was not cancelled with the other's
    # A's work was released into the batch before it was cancelled: committed with it.
    assert [await stored(database, s) for s in ("A", "B")] == [True, True]


async def test_a_batch_waits_off_the_loop_for_a_write_lock_another_process_holds(
    database: Database, tmp_path: Path
) -> None:
    await save(database, "warm")  # the writer's connection is open, its timeout read
    other = sqlite3.connect(tmp_path / "g.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # as another process would
        unit = asyncio.create_task(save(database, "A"))
        for _ in range(20):
            await asyncio.sleep(0)  # the loop runs on: the BEGIN waits in a thread
        assert not unit.done()
        other.execute("ROLLBACK")
        async with asyncio.timeout(30):
            await unit
    finally:
        other.close()
    assert await stored(database, "A")
    raw = writer(database)._raw
    assert raw is not None
    assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000  # restored


async def test_a_batch_begins_on_the_loop_when_the_write_lock_is_free(database: Database) -> None:
    await save(database, "warm")
    raw = writer(database)._raw
    assert raw is not None
    threads: dict[str, threading.Thread] = {}
    raw.set_trace_callback(lambda sql: threads.setdefault(sql, threading.current_thread()))
    try:
        await save(database, "A")
    finally:
        raw.set_trace_callback(None)
    assert threads["BEGIN IMMEDIATE"] is threading.current_thread()
    # even a batch of one unit: while the disk syncs, the loop accepts and reads what comes
    # next (a boot storm's handshakes), which then shares the next COMMIT
    assert threads["COMMIT"] is not threading.current_thread()


async def test_units_waiting_for_the_connection_get_it_in_turn_and_cancel_alone(
    database: Database,
) -> None:
    """The connection is handed to the waiting units first come first served; a unit
    cancelled while it waits, or just after it was handed the connection, passes it on."""
    gate = writer(database)
    order: list[str] = []

    async def unit(name: str) -> None:
        await gate.acquire()
        try:
            order.append(name)
            await asyncio.sleep(0)
        finally:
            gate.release()

    async def finish(tasks: list[asyncio.Task[None]]) -> bool:
        """Whether they all finished; if not, free the connection they wait for (teardown)."""
        _, pending = await asyncio.wait(tasks, timeout=5)
        if pending:
            gate.release()
            await asyncio.wait(pending, timeout=5)
        return not pending

    await gate.acquire()  # held: everyone below queues
    tasks = {name: asyncio.create_task(unit(name)) for name in "ABCDE"}
    await asyncio.sleep(0)  # all five wait now
    tasks["B"].cancel()  # cancelled while waiting
    await asyncio.sleep(0)
    gate.release()  # handed to A
    tasks["C"].cancel()  # not handed anything yet: cancelled while waiting
    assert await finish(list(tasks.values()))
    assert [tasks[name].cancelled() for name in "BC"] == [True, True]
    assert order == ["A", "D", "E"]

    await gate.acquire()
    handed = asyncio.create_task(unit("F"))
    after = asyncio.create_task(unit("G"))
    await asyncio.sleep(0)
    gate.release()  # F holds it from here, but has not run yet
    handed.cancel()  # cancelled once handed the connection: G must still get it
    assert await finish([handed, after]), "the cancelled unit kept the connection"
    assert handed.cancelled()
    assert order == ["A", "D", "E", "G"]
    await save(database, "after")  # and it is free again
    assert await stored(database, "after")


def test_none_and_bools_are_bound_as_sqlite3_binds_them_without_adapters() -> None:
    """The adapters the writer registers (a speed-up) store what sqlite3 stores without them."""
    values = (None, True, False)

    def stored(connection: sqlite3.Connection) -> list[tuple[object, ...]]:
        rows = connection.execute(
            "SELECT ? IS NULL, typeof(?), ?, typeof(?), ?, typeof(?)",
            (values[0], values[0], values[1], values[1], values[2], values[2]),
        )
        return rows.fetchall()

    adapters = sqlite3.adapters.copy()
    try:
        for key in [k for k in sqlite3.adapters if k[0] in (type(None), bool)]:
            del sqlite3.adapters[key]
        connection = sqlite3.connect(":memory:")
        without = stored(connection)
        bind_none_and_bools_directly()
        assert (type(None), sqlite3.PrepareProtocol) in sqlite3.adapters
        assert stored(connection) == without == [(1, "null", 1, "integer", 0, "integer")]
        connection.close()
    finally:
        sqlite3.adapters.clear()
        sqlite3.adapters.update(adapters)


# -- deferred writes -------------------------------------------------------------------------


def report(station_id: str, seconds: float, status: str = "Charging") -> StatusReport:
    return StatusReport(station_id, 1, 1, ConnectorStatus(status), at(seconds))


async def add_report(
    database: Database, status: StatusReport, fail: BaseException | None = None
) -> None:
    async with database.unit_of_work() as uow:
        await uow.statuses.add(status)  # two deferred writes
        if fail is not None:
            raise fail
        await uow.commit()


async def test_deferred_writes_of_a_batch_run_as_one_statement_each(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Units that only deferred writes run none of them, nor a savepoint: the batch runs them
    as one executemany per statement before its COMMIT."""
    await save(database, "warm")
    gate = writer(database)
    runs: list[int] = []
    run = gate._run

    def counted(statement: Any, parameters: Any) -> Any:
        runs.append(len(parameters) if isinstance(parameters, list) else 1)
        return run(statement, parameters)

    monkeypatch.setattr(gate, "_run", counted)
    raw = gate._raw
    assert raw is not None
    statements: list[str] = []
    raw.set_trace_callback(statements.append)
    try:
        await asyncio.gather(*(add_report(database, report(f"S{i}", i)) for i in range(5)))
    finally:
        raw.set_trace_callback(None)
    assert runs == [5, 5]  # the history's INSERT and the current state's upsert
    assert [s for s in statements if s.startswith("SAVEPOINT")] == ["SAVEPOINT deferred"]
    async with database.unit_of_work() as uow:
        for i in range(5):
            assert [state.status for state in await uow.statuses.current(f"S{i}")] == [
                ConnectorStatus.CHARGING
            ]


async def test_a_unit_reads_what_was_deferred_before_it(database: Database) -> None:
    async def read_after_own_write() -> list[ConnectorStatus]:
        async with database.unit_of_work() as uow:
            await uow.statuses.add(report("B", 0, "Faulted"))
            seen = [state.status for state in await uow.statuses.current("B")]
            seen += [state.status for state in await uow.statuses.current("A")]
            await uow.commit()
            return seen

    first = asyncio.create_task(add_report(database, report("A", 0)))
    second = asyncio.create_task(read_after_own_write())  # in A's batch, A committed
    await first
    assert await second == [ConnectorStatus.FAULTED, ConnectorStatus.CHARGING]


async def test_a_deferred_write_that_fails_loses_only_its_own_unit(database: Database) -> None:
    """A ref taken by another session: the UPDATE fails when the batch runs the deferred
    writes; that unit loses them all (its status report too), the others keep theirs."""
    async with database.unit_of_work() as uow:
        await uow.transactions.create(transaction(ref="r1"), start_key=None)
        second = await uow.transactions.create(transaction(ref="r2"), start_key=None)
        await uow.commit()

    async def take_ref() -> None:
        async with database.unit_of_work() as uow:
            await uow.statuses.add(report("BAD", 0))
            await uow.transactions.save(dataclasses.replace(second, ref="r1"))
            await uow.commit()

    await save(database, "warm")
    results = await asyncio.gather(
        add_report(database, report("A", 0)),
        take_ref(),
        add_report(database, report("C", 0)),
        add_report(database, report("D", 0), fail=RuntimeError("boom")),
        return_exceptions=True,
    )
    assert [type(r) for r in results] == [type(None), Conflict, type(None), RuntimeError]
    async with database.unit_of_work() as uow:
        stored = {s: len(await uow.statuses.current(s)) for s in ("A", "BAD", "C", "D")}
        assert await uow.transactions.by_ref("CS1", "r2") == second
    assert stored == {"A": 1, "BAD": 0, "C": 1, "D": 0}


async def test_a_deferred_update_of_no_row_is_not_found_from_the_commit(
    database: Database,
) -> None:
    async def missing() -> None:
        async with database.unit_of_work() as uow:
            await uow.statuses.add(report("GONE", 0))
            await uow.transactions.save(transaction(id=999_999))
            await uow.commit()

    await save(database, "warm")
    results = await asyncio.gather(
        add_report(database, report("A", 0)), missing(), return_exceptions=True
    )
    assert type(results[1]) is NotFound and "no transaction 999999" in str(results[1])
    async with database.unit_of_work() as uow:
        assert [len(await uow.statuses.current(s)) for s in ("A", "GONE")] == [1, 0]


async def test_writes_of_one_row_keep_their_order_across_statements(database: Database) -> None:
    """Three units change one session: the first and the last the same column, the middle
    one two columns (another statement, so another group): the last one's value stays."""
    async with database.unit_of_work() as uow:
        session = await uow.transactions.create(transaction(), start_key=None)
        await uow.commit()

    async def change(**fields: Any) -> None:
        async with database.unit_of_work() as uow:
            uow.transactions.known(session, None)
            await uow.transactions.save(dataclasses.replace(session, **fields))
            await uow.commit()

    await save(database, "warm")
    await asyncio.gather(
        save(database, "opens-the-batch"),
        change(max_register_wh=1.0),
        change(max_register_wh=2.0, meter_stop_wh=5.0),
        change(max_register_wh=3.0),
    )
    async with database.unit_of_work() as uow:
        stored = await uow.transactions.get(session.id)
    assert stored is not None
    assert (stored.max_register_wh, stored.meter_stop_wh) == (3.0, 5.0)


def test_groups_keep_each_rows_writes_in_order() -> None:
    one, other = sa.table("t", sa.column("a")).insert(), sa.table("u", sa.column("b")).insert()
    units = [
        DeferredUnit([DeferredWrite(one, {"a": 1}, "row", None)]),
        DeferredUnit([DeferredWrite(other, {"b": 1}, "row", None)]),
        DeferredUnit([DeferredWrite(one, {"a": 2}, "elsewhere", None)]),  # joins group 0
        DeferredUnit([DeferredWrite(one, {"a": 3}, "row", None)]),  # after group 1: new group
        DeferredUnit([DeferredWrite(one, {"a": 4}, None, None)]),  # an append: the latest
        DeferredUnit([DeferredWrite(one, {"a": 5}, None, "must change a row")]),
    ]
    groups = grouped(units)
    assert [(g.statement, [p["a" if g.statement is one else "b"] for p in g.parameters], g.checked)
            for g in groups] == [
        (one, [1, 2], False),
        (other, [1], False),
        (one, [3, 4], False),
        (one, [5], True),
    ]  # fmt: skip


async def test_deferred_writes_the_database_refuses_fail_their_units_and_the_writer_recovers(
    database: Database,
) -> None:
    """The database refuses every write when the batch runs the deferred ones (as a disk
    gone read-only would): each unit hears it from its commit, nothing of theirs is stored,
    and the next batch works."""
    await save(database, "warm")
    raw = writer(database)._raw
    assert raw is not None

    async def refuse_writes() -> None:
        async with database.unit_of_work() as uow:
            await uow.stations.get("warm")  # opens the batch
            raw.execute("PRAGMA query_only=ON")

    results = await asyncio.gather(
        refuse_writes(),
        add_report(database, report("A", 0)),
        add_report(database, report("B", 0)),
        return_exceptions=True,
    )
    raw.execute("PRAGMA query_only=OFF")
    assert results[0] is None
    assert [type(r) for r in results[1:]] == [StorageUnavailable, StorageUnavailable]
    assert "readonly" in str(results[1])
    await add_report(database, report("C", 0))
    async with database.unit_of_work() as uow:
        assert [len(await uow.statuses.current(s)) for s in ("A", "B", "C")] == [0, 0, 1]


@pytest.mark.parametrize("seed", range(16))
async def test_deferred_writes_of_random_batches_end_as_the_units_applied_in_turn(
    database: Database, seed: int
) -> None:
    """Random units in one batch (status reports, changes to two sessions by varying
    column sets, units that fail, that update a missing session, that also run a statement,
    that read): each unit's outcome, what it reads, and the stored end state are those of
    the units applied one after the other in their order, skipping the failed ones."""
    rng = random.Random(seed)
    async with database.unit_of_work() as uow:
        sessions = [
            await uow.transactions.create(transaction(ref=f"r{k}"), start_key=None)
            for k in range(2)
        ]
        await uow.commit()
    await save(database, "warm")
    expected_rows: list[dict[str, float | None]] = [
        dict.fromkeys(("max_register_wh", "meter_stop_wh")) for _ in sessions
    ]
    expected_current: dict[str, tuple[ConnectorStatus, float]] = {}
    expected_history = {"S0": 0, "S1": 0}
    statuses = list(ConnectorStatus)

    def a_report() -> StatusReport:
        station = rng.choice(["S0", "S1"])
        return report(station, rng.randrange(5), rng.choice(statuses).value)

    def applied(status: StatusReport) -> None:
        expected_history[status.station_id] += 1
        seconds = (status.timestamp - at(0)).total_seconds()
        current = expected_current.get(status.station_id)
        if current is None or current[1] <= seconds:  # the newer (or as new) report wins
            expected_current[status.station_id] = (status.status, seconds)

    async def current_of(uow: Any, station: str) -> tuple[ConnectorStatus, float] | None:
        states = await uow.statuses.current(station)
        if not states:
            return None
        return states[0].status, (states[0].updated_at - at(0)).total_seconds()

    units: list[Any] = []
    outcomes: list[type | None] = []
    kinds = ["report"] * 3 + ["session"] * 8 + ["fail", "missing", "touch", "read"]
    for _ in range(60):
        kind = rng.choice(kinds)
        status = a_report()
        if kind in ("report", "touch"):
            applied(status)

            async def unit(status: StatusReport = status, touch: bool = kind == "touch") -> None:
                async with database.unit_of_work() as uow:
                    if touch:
                        await uow.stations.save(Station(id=f"T{status.station_id}"))
                    await uow.statuses.add(status)
                    await uow.commit()

            outcomes.append(None)
        elif kind == "session":
            k = rng.randrange(2)
            names = rng.choice([("max_register_wh",), ("max_register_wh", "meter_stop_wh")])
            changes = {name: float(rng.randrange(1000)) for name in names}
            expected_rows[k].update(changes)

            async def unit(k: int = k, changes: dict[str, float] = changes) -> None:
                async with database.unit_of_work() as uow:
                    uow.transactions.known(sessions[k], None)
                    await uow.transactions.save(dataclasses.replace(sessions[k], **changes))
                    await uow.commit()

            outcomes.append(None)
        elif kind in ("fail", "missing"):

            async def unit(status: StatusReport = status, kind: str = kind) -> None:
                async with database.unit_of_work() as uow:
                    await uow.statuses.add(status)
                    if kind == "fail":
                        raise RuntimeError("boom")
                    await uow.transactions.save(transaction(id=999_999))
                    await uow.commit()

            outcomes.append(RuntimeError if kind == "fail" else NotFound)
        else:
            seen = dict(expected_current)
            station = rng.choice(["S0", "S1"])

            async def unit(station: str = station, seen: Any = seen) -> None:
                async with database.unit_of_work() as uow:
                    assert await current_of(uow, station) == seen.get(station)

            outcomes.append(None)
        units.append(unit)

    results = await asyncio.gather(*(unit() for unit in units), return_exceptions=True)
    assert [None if r is None else type(r) for r in results] == outcomes
    async with database.unit_of_work() as uow:
        for k, session in enumerate(sessions):
            stored = await uow.transactions.get(session.id)
            assert stored is not None
            for name, value in expected_rows[k].items():
                assert getattr(stored, name) == (getattr(session, name) if value is None else value)
        for station in ("S0", "S1"):
            assert await current_of(uow, station) == expected_current.get(station)
            history = await uow.statuses.history(station, limit=1000)
            assert len(history) == expected_history[station]
