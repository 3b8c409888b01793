"""Open sessions kept in memory: a message in a session does not read it again, and the
session it works on is always the one stored (rollbacks, failed commits, units of work on
one session at once, restarts, other writers, other workers on PostgreSQL)."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ampyre.config import Settings
from ampyre.domain.authorization import IdToken
from ampyre.domain.errors import Stale, StorageUnavailable
from ampyre.domain.events import Event
from ampyre.domain.metering import MeterValue, SampledValue
from ampyre.domain.transactions import (
    Anomaly,
    Transaction,
    TransactionState,
    TransactionUpdate,
    UpdateKind,
)
from ampyre.ocpp_j import station_services
from ampyre.persistence import Database
from ampyre.persistence.transactions import SqlTransactionRepository
from ampyre.services.transactions import OpenSessions, TransactionRejected, TransactionService
from ampyre.services.transactions.open_sessions import StoredEvents

#: the database_url fixture, on PostgreSQL only (several workers)
on_postgres = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)

T0 = datetime(2026, 1, 1, 12, 0, 0, 250000, tzinfo=UTC)
SRC = Path(__file__).parents[3] / "src" / "ampyre"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Events:
    def publish(self, event: Event) -> None:
        pass


class Units:
    """The database's units of work; `fail_commit` makes the next commit fail (rolled back)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.fail_commit = False

    def __call__(self) -> Any:
        uow = self.database.unit_of_work()
        if self.fail_commit:
            self.fail_commit = False

            async def commit() -> None:
                raise StorageUnavailable("the disk is full")

            uow.commit = commit  # type: ignore[method-assign]
        return uow


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The refs of the sessions read by (station, ref), in order."""
    seen: list[str] = []
    by_ref = SqlTransactionRepository.by_ref

    async def counted(self: SqlTransactionRepository, station_id: str, ref: str) -> Any:
        seen.append(ref)
        return await by_ref(self, station_id, ref)

    monkeypatch.setattr(SqlTransactionRepository, "by_ref", counted)
    return seen


def service(
    units: Any, cache: OpenSessions | None = None, *, strict: bool = False
) -> TransactionService:
    return TransactionService(units, strict=strict, events=Events(), open_sessions=cache)


def start(station: str = "CS1", seconds: float = 0, meter: float = 1000.0) -> TransactionUpdate:
    return TransactionUpdate(
        station_id=station,
        kind=UpdateKind.STARTED,
        timestamp=at(seconds),
        evse_id=1,
        connector_id=1,
        id_token=IdToken("TAG"),
        meter_start_wh=meter,
    )


def values(ref: str, seconds: float, wh: float, station: str = "CS1") -> TransactionUpdate:
    sample = SampledValue(value=str(wh), unit="Wh")
    return TransactionUpdate(
        station_id=station,
        kind=UpdateKind.UPDATED,
        timestamp=at(seconds),
        ref=ref,
        evse_id=1,
        connector_id=1,
        meter_values=(MeterValue(at(seconds), (sample,)),),
    )


def numbered_start() -> TransactionUpdate:
    """A 2.0.1 Started event (seqNo 0) of session "tx"."""
    return TransactionUpdate(
        "CS1", UpdateKind.STARTED, at(0), ref="tx", evse_id=1, connector_id=1, seq_no=0
    )


def stop(ref: str, seconds: float, wh: float, station: str = "CS1") -> TransactionUpdate:
    return TransactionUpdate(
        station_id=station,
        kind=UpdateKind.ENDED,
        timestamp=at(seconds),
        ref=ref,
        meter_stop_wh=wh,
        stop_reason="Local",
    )


async def stored(database: Database, session: Transaction | None) -> Transaction:
    """`session` as a read of its row (by id, which is not counted in `reads`) finds it."""
    assert session is not None
    async with database.unit_of_work() as uow:
        found = await uow.transactions.get(session.id)
    assert found is not None
    return found


async def register_span(
    database: Database, session: Transaction | None
) -> tuple[float | None, float | None]:
    """The session's lowest and highest register readings, once it is checked to be stored."""
    assert session is not None and session == await stored(database, session)
    return session.min_register_wh, session.max_register_wh


async def begun(sessions: TransactionService, update: TransactionUpdate) -> str:
    outcome = await sessions.apply(update)
    assert outcome.transaction is not None
    return outcome.transaction.ref


async def test_a_session_is_read_once_and_stored_as_without_the_cache(
    database: Database, reads: list[str]
) -> None:
    cached = service(database.unit_of_work, OpenSessions())
    plain = service(database.unit_of_work)
    for sessions, station in ((cached, "CACHED"), (plain, "PLAIN")):
        ref = await begun(sessions, start(station))
        for step in range(1, 4):
            outcome = await sessions.apply(values(ref, step, 1000 + 1000 * step, station))
            # what the next message works on is the row as stored
            assert outcome.transaction == await stored(database, outcome.transaction)
        await sessions.apply(stop(ref, 5, 4500, station))
    async with database.unit_of_work() as uow:
        rows = {s: (await uow.transactions.list_for_station(s))[0] for s in ("CACHED", "PLAIN")}
        samples = {s: await uow.transactions.meter_values(rows[s].id) for s in rows}
    # the cached station's messages read nothing; the plain one's read their session each
    assert reads == [rows["PLAIN"].ref] * 4

    def neutral(row: Transaction) -> Transaction:
        return dataclasses.replace(row, id=0, station_id="", ref="")

    assert neutral(rows["CACHED"]) == neutral(rows["PLAIN"])
    assert rows["CACHED"].state is TransactionState.ENDED and rows["CACHED"].energy_wh == 3500
    assert samples["CACHED"] == samples["PLAIN"] and len(samples["CACHED"]) == 3
    assert len(cached.open_sessions) == 0  # an ended session is not kept


async def test_a_failed_commit_leaves_the_session_as_stored(
    database: Database, reads: list[str]
) -> None:
    units = Units(database)
    sessions = service(units, OpenSessions())
    ref = await begun(sessions, start())
    await sessions.apply(values(ref, 1, 2000))
    units.fail_commit = True
    with pytest.raises(StorageUnavailable):
        await sessions.apply(values(ref, 2, 9000))  # changed the session, then rolled back
    assert len(sessions.open_sessions) == 0
    outcome = await sessions.apply(values(ref, 3, 3000))
    assert reads == [ref]  # read again once, after the failure only
    assert outcome.transaction == await stored(database, outcome.transaction)
    assert outcome.transaction is not None and outcome.transaction.max_register_wh == 3000


async def test_a_refused_message_leaves_the_session_as_stored(
    database: Database, reads: list[str]
) -> None:
    sessions = service(database.unit_of_work, OpenSessions(), strict=True)
    await sessions.apply(numbered_start())
    await sessions.apply(dataclasses.replace(values("tx", 1, 2000), seq_no=1))
    # "Authorized" without a token on a session without one: refused after its event was added
    refused = dataclasses.replace(
        values("tx", 2, 9000), seq_no=2, trigger_reason="Authorized", charging_state="Idle"
    )
    with pytest.raises(TransactionRejected):
        await sessions.apply(refused)
    outcome = await sessions.apply(
        dataclasses.replace(refused, trigger_reason="MeterValuePeriodic")
    )
    assert not outcome.duplicate  # the refused event's seqNo was rolled back with it
    assert reads == ["tx"]  # after the refusal only (a Started inserts without looking)
    assert outcome.transaction == await stored(database, outcome.transaction)


@pytest.mark.parametrize(
    ("database_url", "cache"),
    [
        pytest.param("sqlite", OpenSessions, id="sqlite-kept"),
        pytest.param("sqlite", lambda: None, id="sqlite-read"),
        pytest.param("postgres", OpenSessions, id="postgres-kept", marks=pytest.mark.postgres),
        pytest.param("postgres", lambda: None, id="postgres-read", marks=pytest.mark.postgres),
    ],
    indirect=["database_url"],
)
async def test_messages_in_one_session_at_once_keep_it_right(
    database: Database, reads: list[str], cache: Any
) -> None:
    sessions = service(database.unit_of_work, cache())
    ref = await begun(sessions, start())
    await asyncio.gather(*(sessions.apply(values(ref, step, 1000 * step)) for step in (3, 1, 2)))
    outcome = await sessions.apply(values(ref, 4, 500))
    assert await register_span(database, outcome.transaction) == (500, 3000)
    if cache() is not None:
        assert len(reads) >= 1  # those that ran together did not keep the session: read again


async def test_a_restart_or_another_worker_reads_what_was_committed(database: Database) -> None:
    first = service(database.unit_of_work, OpenSessions())
    ref = await begun(first, start())
    await first.apply(values(ref, 1, 2000))
    # Another process (a restart; a worker of --workers N, without cache) goes on with it...
    other = service(database.unit_of_work)
    outcome = await other.apply(values(ref, 2, 5000))
    assert (await stored(database, outcome.transaction)).max_register_wh == 5000
    # ... which on SQLite is only ever a restart: a cache starts empty.
    restarted = service(database.unit_of_work, OpenSessions())
    outcome = await restarted.apply(values(ref, 3, 3000))
    assert await register_span(database, outcome.transaction) == (2000, 5000)


@pytest.fixture
async def workers(database_url: str, database: Database) -> Any:
    """Two workers of `--workers 2` on one PostgreSQL database: a pool and a cache each."""
    other = Database(database_url)
    try:
        yield (
            service(database.unit_of_work, OpenSessions(), strict=True),
            service(other.unit_of_work, OpenSessions(), strict=True),
        )
    finally:
        await other.close()


def event(ref: str, seq_no: int, seconds: float, wh: float, **changes: Any) -> TransactionUpdate:
    return dataclasses.replace(values(ref, seconds, wh), seq_no=seq_no, **changes)


@on_postgres
async def test_workers_that_keep_one_session_apply_each_others_changes(
    database: Database, workers: tuple[TransactionService, TransactionService], reads: list[str]
) -> None:
    """A station that reconnects to another worker and back: each worker keeps the session,
    and each finds its kept copy outdated by the other's commit (its `xmin` moved on)."""
    first, second = workers
    ref = await begun(first, start())
    await first.apply(values(ref, 1, 2000))  # kept by the first worker
    await second.apply(values(ref, 2, 5000))  # read (not kept there yet), then kept
    assert reads == [ref]
    outcome = await first.apply(values(ref, 3, 3000))  # outdated: rolled back, read, applied
    assert reads == [ref, ref]
    assert await register_span(database, outcome.transaction) == (2000, 5000)
    outcome = await first.apply(values(ref, 4, 5500))  # its own commit: kept, not read
    assert reads == [ref, ref]
    assert await register_span(database, outcome.transaction) == (2000, 5500)
    await second.apply(stop(ref, 5, 6000))  # outdated too
    assert reads == [ref, ref, ref]
    # The first worker still keeps the session open; the stored one is ended. A late
    # reading is flagged as after the stop, as without any cache; strict mode refuses it.
    with pytest.raises(TransactionRejected, match="meter-values-after-stop"):
        await first.apply(values(ref, 6, 6100))
    relaxed = service(database.unit_of_work, OpenSessions())
    outcome = await relaxed.apply(values(ref, 7, 6200))
    assert outcome.transaction is not None
    assert Anomaly.METER_VALUES_AFTER_STOP in outcome.transaction.flags
    ended = await stored(database, outcome.transaction)
    assert ended.state is TransactionState.ENDED and ended.meter_stop_wh == 6000


@on_postgres
async def test_a_worker_refuses_nothing_because_its_kept_session_is_outdated(
    database: Database, workers: tuple[TransactionService, TransactionService], reads: list[str]
) -> None:
    first, second = workers
    await first.apply(numbered_start())
    await first.apply(event("tx", 1, 1, 2000))  # kept without a token
    await second.apply(event("tx", 2, 2, 2500, id_token=IdToken("TAG")))  # the token is stored
    # "Authorized" without a token would be refused on a session without one: the first
    # worker's copy has none, the stored session has one, so it is accepted.
    outcome = await first.apply(event("tx", 3, 3, 3000, trigger_reason="Authorized"))
    assert outcome.transaction is not None and outcome.transaction.id_token == IdToken("TAG")
    assert outcome.transaction == await stored(database, outcome.transaction)
    assert reads == ["tx", "tx"]  # the second worker's first message, the first's retry


@on_postgres
async def test_a_repeated_event_on_an_outdated_kept_session_answers_with_the_stored_one(
    database: Database, workers: tuple[TransactionService, TransactionService], reads: list[str]
) -> None:
    """A repeat writes nothing: the kept session is locked at its version (or read again)."""
    first, second = workers
    await first.apply(numbered_start())
    await first.apply(event("tx", 1, 1, 2000))
    repeat = await first.apply(event("tx", 1, 1, 2000))  # kept and current: nothing read
    assert repeat.duplicate and reads == []
    await second.apply(event("tx", 2, 2, 4000))
    repeat = await first.apply(event("tx", 1, 1, 2000))
    assert repeat.duplicate and reads == ["tx", "tx"]
    assert repeat.transaction is not None and repeat.transaction.max_register_wh == 4000
    assert repeat.transaction == await stored(database, repeat.transaction)


def test_every_backend_keeps_sessions(tmp_path: Path) -> None:
    def kept(url: str, workers: int = 1) -> int:
        settings = Settings(database_url=url, workers=workers, files_dir=tmp_path)
        services = station_services(settings, Units(Database(url)), None, Events())  # type: ignore[arg-type]
        return services.transactions.open_sessions.capacity

    assert kept(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}") > 0
    assert kept("postgresql+asyncpg://ampyre@db/ampyre", workers=4) > 0


def test_the_transaction_service_is_the_only_writer_of_sessions() -> None:
    """Kept sessions are right only if every change to a session goes through the service
    that keeps them: nothing else may create or save one."""
    writes = re.compile(r"\.transactions\.(save|create|known)\(")
    writers = {
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if writes.search(path.read_text(encoding="utf-8"))
    }
    assert writers == {"services/transactions/service.py"}


def test_units_of_work_on_one_session_at_once_keep_nothing() -> None:
    cache = OpenSessions()
    first, second = cache.lease(), cache.lease()
    session = Transaction(1, "CS1", "tx", 1, 1, TransactionState.ACTIVE)
    assert first.take("CS1", "tx") is None
    assert second.take("CS1", "tx") is None
    first.keep(session, 7)
    second.keep(session, 8)  # which committed last is unknown: neither is kept
    assert len(cache) == 0
    alone = cache.lease()
    alone.take("CS1", "tx")
    alone.keep(session, 9)
    again = cache.lease()
    assert again.take("CS1", "tx") == (session, 9)
    assert len(cache) == 0  # handed out: nobody else gets it until it is given back
    again.drop()
    assert cache.lease().take("CS1", "tx") is None


def test_the_least_recently_used_session_leaves_first() -> None:
    cache = OpenSessions(capacity=2)
    for ref in ("a", "b", "c"):
        lease = cache.lease()
        lease.take("CS1", ref)
        lease.keep(Transaction(1, "CS1", ref, 1, 1, TransactionState.ACTIVE), None)
    assert len(cache) == 2
    assert cache.lease().take("CS1", "a") is None
    assert cache.lease().take("CS1", "c") is not None


def test_a_disabled_cache_takes_nothing() -> None:
    cache = OpenSessions(capacity=0)
    lease = cache.lease()
    assert lease.take("CS1", "tx") is None
    lease.keep(Transaction(1, "CS1", "tx", 1, 1, TransactionState.ACTIVE), None)
    assert len(cache) == 0


def test_stored_events_are_a_prefix_and_the_few_above_it() -> None:
    events = StoredEvents()
    assert 0 not in events
    for seq_no in (0, 1, 4, 2, 6):
        events.add(seq_no)
    assert [n for n in range(8) if n in events] == [0, 1, 2, 4, 6]
    assert (events.below, events.above) == (3, {4, 6})
    events.add(3)  # the gap closes: the prefix takes what was above it
    assert (events.below, events.above) == (5, {6})
    events.add(1)  # again: nothing changes
    assert (events.below, events.above) == (5, {6})


async def test_a_session_opened_here_knows_its_events_and_others_ask_the_database(
    database: Database, monkeypatch: pytest.MonkeyPatch, reads: list[str]
) -> None:
    """Its events are kept with it: a repeat is known without the database, a new one is
    added as known new (a deferred write on SQLite). A session read from its row asks the
    database, as before. Either way every event is stored once."""
    asked: list[tuple[int, bool]] = []
    add_event = SqlTransactionRepository.add_event

    async def counted(self: SqlTransactionRepository, *args: Any, new: bool = False) -> Any:
        asked.append((args[1], new))
        return await add_event(self, *args, new=new)

    monkeypatch.setattr(SqlTransactionRepository, "add_event", counted)
    here = service(database.unit_of_work, OpenSessions())
    await here.apply(numbered_start())
    duplicates = [
        (await here.apply(event("tx", seq_no, seq_no, 1000 + seq_no))).duplicate
        for seq_no in (1, 2, 5, 3, 1, 5, 4)
    ]
    assert duplicates == [False, False, False, False, True, True, False]
    assert asked == [(0, True), (1, True), (2, True), (5, True), (3, True), (4, True)]
    assert reads == []

    asked.clear()
    restarted = service(database.unit_of_work, OpenSessions())
    repeats = [(await restarted.apply(event("tx", n, n, 1000 + n))).duplicate for n in range(6)]
    assert repeats == [True] * 6  # every event was stored
    fresh = await restarted.apply(event("tx", 6, 6, 1006))
    again = await restarted.apply(event("tx", 6, 6, 1006))
    assert (fresh.duplicate, again.duplicate) == (False, True)
    assert asked == [(n, False) for n in (0, 1, 2, 3, 4, 5, 6, 6)]
    assert again.transaction is not None and again.transaction.max_register_wh == 1006
    assert again.transaction == await stored(database, again.transaction)


@on_postgres
async def test_an_event_another_worker_stored_without_changing_the_session_is_a_repeat(
    database: Database, workers: tuple[TransactionService, TransactionService], reads: list[str]
) -> None:
    """The first worker keeps the session and its events; the second stores event 1, which
    changes nothing in the session, so its version stays. The first worker does not know
    event 1, but its INSERT (with the session's lock) finds it stored: the message is
    applied again, reading the session, and answered as the repeat it is."""
    first, second = workers
    await first.apply(numbered_start())
    quiet = dataclasses.replace(numbered_start(), kind=UpdateKind.UPDATED, seq_no=1)
    assert not (await second.apply(quiet)).duplicate
    assert reads == ["tx"]
    again = await first.apply(quiet)
    assert again.duplicate
    assert reads == ["tx", "tx"]  # the retry read it


@on_postgres
async def test_a_kept_session_stores_a_new_event_with_its_update_in_one_statement(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a new event of a kept session rides with the session's UPDATE at its
    version; an event another process stored first makes that UPDATE `Stale`."""
    async with database.unit_of_work() as uow:
        session = await uow.transactions.create(
            Transaction(0, "CS1", "tx", 1, 1, TransactionState.ACTIVE, started_at=at(0)), None
        )
        version = uow.transactions.version(session.id)
        await uow.commit()
    async with database.unit_of_work() as uow:  # another worker: the row is not changed
        assert await uow.transactions.add_event(session.id, 5, "Updated", at(5))
        await uow.commit()
    executed: list[str] = []
    execute = type(database.executor()).execute

    async def counted(self: Any, statement: Any, *args: Any) -> Any:
        executed.append(type(statement).__name__)
        return await execute(self, statement, *args)

    monkeypatch.setattr(type(database.executor()), "execute", counted)
    changed = dataclasses.replace(session, max_register_wh=1500.0)
    with pytest.raises(Stale, match="event 5 of session"):
        async with database.unit_of_work() as uow:
            uow.transactions.known(session, version)
            assert await uow.transactions.add_event(session.id, 5, "Updated", at(5), new=True)
            await uow.transactions.save(changed)
    assert executed == ["Update"]
    executed.clear()
    async with database.unit_of_work() as uow:
        uow.transactions.known(session, version)
        assert await uow.transactions.add_event(session.id, 6, "Updated", at(6), new=True)
        await uow.transactions.save(changed)
        await uow.commit()
    assert executed == ["Update"]
    async with database.unit_of_work() as uow:
        assert not await uow.transactions.add_event(session.id, 6, "Updated", at(6))
        assert await stored(database, changed) == changed
