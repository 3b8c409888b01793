"""TransactionRepository on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from persistence_builders import T0, at, meter_value, transaction
from sqlalchemy import text

from ampyre.domain.authorization import IdToken
from ampyre.domain.errors import Conflict, NotFound
from ampyre.domain.metering import MeterValue, SampledValue
from ampyre.domain.station import Station
from ampyre.domain.transactions import Anomaly, TransactionState
from ampyre.persistence import Database, transactions
from ampyre.persistence.executor import Executor


async def test_round_trip_of_every_field(database: Database) -> None:
    full = transaction(
        ref="a" * 255,
        evse_id=2,
        connector_id=3,
        state=TransactionState.ENDED,
        ended_at=at(600),
        id_token=IdToken("TOKEN", "ISO14443"),
        meter_start_wh=1000.5,
        meter_stop_wh=2000.25,
        energy_wh=999.75,
        stop_reason="EVDisconnected",
        charging_state="Idle",
        remote_start_id=2**40,
        reservation_id=12,
        offline=True,
        flags=frozenset({Anomaly.DUPLICATE_STOP, Anomaly.MISSING_ID_TOKEN}),
        min_register_wh=1000.5,
        max_register_wh=2000.25,
    )
    untyped = transaction(ref="b", id_token=IdToken("tag"), started_at=None)
    async with database.unit_of_work() as uow:
        created = await uow.transactions.create(full, start_key=None)
        created_untyped = await uow.transactions.create(untyped, start_key=None)
        await uow.commit()
    assert created == dataclasses.replace(full, id=created.id)
    async with database.unit_of_work() as uow:
        assert await uow.transactions.get(created.id) == created
        assert await uow.transactions.get(created_untyped.id) == created_untyped
        assert await uow.transactions.get(created.id + 1000) is None
        stored = await uow.transactions.by_ref("CS1", "a" * 255)
    assert stored == created
    assert stored.ended_at == at(600) and stored.ended_at.tzinfo is not None


async def test_an_empty_ref_becomes_the_id(database: Database) -> None:
    async with database.unit_of_work() as uow:
        first = await uow.transactions.create(transaction(ref=""), start_key="boot-1/start-1")
        second = await uow.transactions.create(transaction(ref=""), start_key=None)
        await uow.commit()
    assert first.ref == str(first.id) and second.ref == str(second.id)
    assert second.id > first.id
    async with database.unit_of_work() as uow:
        assert await uow.transactions.by_ref("CS1", str(first.id)) == first
        assert await uow.transactions.by_start_key("CS1", "boot-1/start-1") == first
        assert await uow.transactions.by_start_key("CS2", "boot-1/start-1") is None
        assert await uow.transactions.by_start_key("CS1", "other") is None


async def test_ref_and_start_key_are_unique_per_station(database: Database) -> None:
    async with database.unit_of_work() as uow:
        kept = await uow.transactions.create(transaction(ref="r1"), start_key="k1")
        # Another station may use the same ref and start key.
        await uow.transactions.create(transaction("CS2", ref="r1"), start_key="k1")
        with pytest.raises(Conflict):
            await uow.transactions.create(transaction(ref="r1"), start_key=None)
        with pytest.raises(Conflict):
            await uow.transactions.create(transaction(ref=""), start_key="k1")
        # A conflict in create leaves the unit of work usable, also on PostgreSQL.
        assert await uow.transactions.by_ref("CS1", "r1") == kept
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert len(await uow.transactions.list_for_station("CS1")) == 1


async def test_save_updates_and_unknown_ids_are_not_found(database: Database) -> None:
    async with database.unit_of_work() as uow:
        created = await uow.transactions.create(transaction(), start_key=None)
        ended = dataclasses.replace(
            created,
            state=TransactionState.ENDED,
            ended_at=at(60),
            meter_stop_wh=500.0,
            flags=frozenset({Anomaly.UPDATE_AFTER_END}),
        )
        await uow.transactions.save(ended)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.transactions.get(created.id) == ended
        assert await uow.transactions.active("CS1") == []
    # On SQLite's group commit the UPDATE is a deferred write: its NotFound comes from the
    # commit at the latest, and the unit's other work is rolled back with it.
    with pytest.raises(NotFound, match=f"no transaction {created.id + 99}"):
        async with database.unit_of_work() as uow:
            await uow.stations.save(Station(id="lost"))
            await uow.transactions.save(dataclasses.replace(created, id=created.id + 99))
            await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.stations.get("lost") is None


async def test_active_and_list_for_station(database: Database) -> None:
    async with database.unit_of_work() as uow:
        one = await uow.transactions.create(transaction(ref="1"), start_key=None)
        two = await uow.transactions.create(
            transaction(ref="2", state=TransactionState.ENDED), start_key=None
        )
        three = await uow.transactions.create(transaction(ref="3"), start_key=None)
        await uow.transactions.create(transaction("CS2", ref="4"), start_key=None)
        await uow.commit()
        assert await uow.transactions.active("CS1") == [one, three]
        assert await uow.transactions.list_for_station("CS1") == [one, two, three]
        assert await uow.transactions.list_for_station("CS9") == []


async def test_events_are_applied_once(database: Database) -> None:
    async with database.unit_of_work() as uow:
        created = await uow.transactions.create(transaction(), start_key=None)
        assert await uow.transactions.add_event(created.id, 0, "Started", at(0))
        assert await uow.transactions.add_event(created.id, 1, "Updated", at(1))
        assert not await uow.transactions.add_event(created.id, 1, "Updated", at(1))
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert not await uow.transactions.add_event(created.id, 0, "Started", at(0))
        assert await uow.transactions.add_event(created.id, 2**40, "Ended", at(9))


async def test_meter_values_are_stored_once(database: Database) -> None:
    phases = SampledValue(
        value="230.1",
        measurand="Voltage",
        unit="V",
        multiplier=-1,
        phase="L1-N",
        location="Outlet",
        context="Sample.Periodic",
        signed=True,
    )
    values = [meter_value(20, 1200.0), meter_value(10, 1100.0, phases), meter_value(30, 1300.0)]
    async with database.unit_of_work() as uow:
        created = await uow.transactions.create(transaction(), start_key=None)
        assert await uow.transactions.add_meter_values("CS1", 1, created.id, values) == 3
        await uow.commit()
    async with database.unit_of_work() as uow:
        # An exact duplicate (a retried message) adds nothing, also in another order.
        assert await uow.transactions.add_meter_values("CS1", 1, created.id, values) == 0
        reordered = MeterValue(values[1].timestamp, tuple(reversed(values[1].samples)))
        assert await uow.transactions.add_meter_values("CS1", 1, None, (reordered,)) == 0
        # Partly new: only the new one counts; duplicates within one call count once.
        new = meter_value(40, 1400.0)
        assert await uow.transactions.add_meter_values("CS1", 1, created.id, [new, new]) == 1
        # The same reading on another EVSE is another reading.
        assert await uow.transactions.add_meter_values("CS1", 2, None, [new]) == 1
        assert await uow.transactions.add_meter_values("CS1", 2, None, []) == 0
        await uow.commit()
    async with database.unit_of_work() as uow:
        stored = await uow.transactions.meter_values(created.id)
    assert stored == sorted([*values, new], key=lambda value: value.timestamp)
    assert stored[0].timestamp.tzinfo is not None


_TEXT = st.none() | st.text()


@given(
    value=st.text(),
    measurand=st.text(),
    unit=_TEXT,
    multiplier=st.integers(-(2**70), 2**70) | st.booleans(),
    phase=_TEXT,
    location=_TEXT,
    context=_TEXT,
    signed=st.booleans() | st.integers(0, 2),
)
def test_the_canonical_json_of_a_sample_is_json_s(**fields: Any) -> None:
    """The digests of stored meter values stay what they were (json.dumps, sorted keys)."""
    sample = SampledValue(**fields)
    encoded = json.dumps(dataclasses.asdict(sample), sort_keys=True, separators=(",", ":"))
    assert transactions._canonical(sample) == encoded


def test_digests_of_meter_values_are_unchanged() -> None:
    samples = [
        SampledValue("12000", unit="Wh"),
        SampledValue(
            "7.5", "Power.Active.Import", "kW", 3, "L1", "Outlet", "Sample.Periodic", True
        ),
        SampledValue('\u00e9"\\x', unit=None, multiplier=-1),
    ]
    expected = "e88d3e5ba37ae8439d0191a38e37fd1d6d4500cb29947d78c29c286f650bdcea"
    assert transactions._digest(samples) == transactions._digest(samples[::-1]) == expected


async def test_ids_are_never_reused(database_url: str) -> None:
    database = Database(database_url)
    try:
        await database.upgrade()
        async with database.unit_of_work() as uow:
            first = await uow.transactions.create(transaction(ref="1"), start_key=None)
            highest = await uow.transactions.create(transaction(ref="2"), start_key=None)
            await uow.commit()
        async with database.engine.begin() as connection:
            await connection.execute(
                text("DELETE FROM transactions WHERE id = :id"), {"id": highest.id}
            )
        async with database.unit_of_work() as uow:
            after_delete = await uow.transactions.create(transaction(ref="3"), start_key=None)
            await uow.commit()
        assert first.id < highest.id < after_delete.id
        async with database.engine.begin() as connection:
            await connection.execute(
                text("DELETE FROM transactions WHERE id = :id"), {"id": after_delete.id}
            )
    finally:
        await database.close()

    reopened = Database(database_url)
    try:
        async with reopened.unit_of_work() as uow:
            after_restart = await uow.transactions.create(transaction(ref=""), start_key=None)
            await uow.commit()
    finally:
        await reopened.close()
    assert after_restart.id > after_delete.id
    assert after_restart.ref == str(after_restart.id)


async def test_started_at_keeps_microseconds(database: Database) -> None:
    async with database.unit_of_work() as uow:
        created = await uow.transactions.create(transaction(), start_key=None)
        await uow.commit()
        stored = await uow.transactions.get(created.id)
    assert stored is not None and stored.started_at == T0


async def test_save_writes_what_changed_since_this_unit_read_it(database: Database) -> None:
    async with database.unit_of_work() as uow:
        created = await uow.transactions.create(transaction(), start_key=None)
        # Saved unchanged right after create, then changed: both as given.
        await uow.transactions.save(created)
        created.max_register_wh = 1500.0
        created.recompute_energy()
        await uow.transactions.save(created)
        await uow.commit()
    async with database.unit_of_work() as uow:
        loaded = await uow.transactions.by_ref("CS1", "tx-1")
        assert loaded == created
        assert loaded is not None
        loaded.meter_start_wh = 1000.0
        loaded.recompute_energy()
        loaded.state = TransactionState.ENDED
        loaded.ended_at = at(90)
        await uow.transactions.save(loaded)
        await uow.transactions.save(loaded)  # nothing changed since: nothing to write
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.transactions.get(created.id) == loaded
        assert await uow.transactions.active("CS1") == []


async def test_save_stores_the_readings_with_the_session_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`save(session, readings)`: the readings not stored yet, and the session's changes; on
    PostgreSQL one reading and the UPDATE are one statement (one round trip), on SQLite two
    deferred writes (run with other units' at the group commit)."""
    statements: list[str] = []

    def counting(execute: Any, kind: str) -> Any:
        async def counted(self: Executor, statement: Any, *args: Any, **kwargs: Any) -> Any:
            statements.append(f"{kind} {type(statement).__name__}")
            return await execute(self, statement, *args, **kwargs)

        return counted

    async with database.unit_of_work() as uow:
        created = await uow.transactions.create(transaction(), start_key=None)
        await uow.commit()
    for executor in Executor.__subclasses__():
        monkeypatch.setattr(executor, "execute", counting(executor.execute, "execute"))
        monkeypatch.setattr(executor, "defer", counting(executor.defer, "defer"))
    first, second = meter_value(10, 1100.0), meter_value(20, 1200.0)
    async with database.unit_of_work() as uow:
        session = await uow.transactions.by_ref("CS1", "tx-1")
        assert session is not None
        statements.clear()
        session.max_register_wh = 1100.0
        await uow.transactions.save(session, (first,))
        if database.dialect == "postgresql":
            assert statements == ["execute Update"]
        else:
            assert statements == ["defer Insert", "defer Update"]
        session.max_register_wh = 1200.0
        await uow.transactions.save(session, (first, second))  # again, and a new one
        await uow.transactions.save(session, (second,))  # nothing changed: the INSERT alone
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.transactions.meter_values(created.id) == [first, second]
        stored = await uow.transactions.get(created.id)
        assert stored is not None and stored.max_register_wh == 1200.0


async def test_save_after_a_commit_overwrites_what_others_changed(database: Database) -> None:
    """After its commit a unit of work may not trust what it read: others may have written."""
    async with database.unit_of_work() as first:
        mine = await first.transactions.create(transaction(), start_key=None)
        await first.commit()
        async with database.unit_of_work() as other:
            theirs = await other.transactions.get(mine.id)
            assert theirs is not None
            theirs.stop_reason = "Remote"
            theirs.meter_stop_wh = 42.0
            await other.transactions.save(theirs)
            await other.commit()
        mine.energy_wh = 7.0  # its stop_reason and meter_stop_wh are still None
        await first.transactions.save(mine)
        await first.commit()
    async with database.unit_of_work() as uow:
        assert await uow.transactions.get(mine.id) == mine


async def test_save_of_a_rolled_back_read_is_not_trusted(database: Database) -> None:
    async with database.unit_of_work() as uow:
        created = await uow.transactions.create(transaction(), start_key=None)
        await uow.commit()
    async with database.unit_of_work() as uow:
        loaded = await uow.transactions.get(created.id)
        assert loaded is not None
        loaded.charging_state = "Charging"
        await uow.transactions.save(loaded)
        # left without commit: rolled back
    async with database.unit_of_work() as uow:
        again = await uow.transactions.get(created.id)
        assert again == created
        assert again is not None
        again.charging_state = "Charging"
        await uow.transactions.save(again)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.transactions.get(created.id) == again
