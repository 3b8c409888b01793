"""A session's first message is written by its INSERT: no UPDATE of the row follows it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ampyre.domain.authorization import IdToken
from ampyre.domain.events import Event
from ampyre.domain.metering import MeterValue, SampledValue
from ampyre.domain.transactions import Transaction, TransactionState, TransactionUpdate, UpdateKind
from ampyre.persistence import Database
from ampyre.persistence.transactions import SqlTransactionRepository
from ampyre.services.transactions import TransactionService

T0 = datetime(2026, 1, 1, 12, 0, 0, 250000, tzinfo=UTC)


class Events:
    def publish(self, event: Event) -> None:
        pass


@pytest.fixture
def saves(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What each `save` found changed since the row was read or written."""
    changes: list[dict[str, Any]] = []
    save = SqlTransactionRepository.save

    async def recorded(
        self: SqlTransactionRepository, transaction: Transaction, readings: Any = ()
    ) -> None:
        stored = self._stored.get(transaction.id, {})
        before = dict(stored)
        await save(self, transaction, readings)
        after = self._stored.get(transaction.id, {})
        changes.append({k: v for k, v in after.items() if before.get(k, object()) != v})

    monkeypatch.setattr(SqlTransactionRepository, "save", recorded)
    return changes


@pytest.mark.parametrize("numbered_by_us", [True, False], ids=["1.x", "2.0.1"])
async def test_a_start_is_inserted_whole(
    database: Database, saves: list[dict[str, Any]], numbered_by_us: bool
) -> None:
    sessions = TransactionService(database.unit_of_work, strict=False, events=Events())
    sample = SampledValue(value="1500", unit="Wh")
    update = TransactionUpdate(
        station_id="CS1",
        kind=UpdateKind.STARTED,
        timestamp=T0,
        ref=None if numbered_by_us else "tx-1",
        evse_id=2,
        connector_id=1,
        id_token=IdToken("TAG", None if numbered_by_us else "ISO14443"),
        meter_values=() if numbered_by_us else (MeterValue(T0, (sample,)),),
        meter_start_wh=1000.0 if numbered_by_us else None,
        seq_no=None if numbered_by_us else 0,
        offline=not numbered_by_us,
        trigger_reason=None if numbered_by_us else "Authorized",
        charging_state=None if numbered_by_us else "Charging",
    )
    outcome = await sessions.apply(update)
    assert outcome.transaction is not None
    assert saves == [{}]  # nothing left to UPDATE after the INSERT
    async with database.unit_of_work() as uow:
        stored = await uow.transactions.get(outcome.transaction.id)
    assert stored == outcome.transaction
    assert stored == Transaction(
        id=stored.id,
        station_id="CS1",
        ref=str(stored.id) if numbered_by_us else "tx-1",
        evse_id=2,
        connector_id=1,
        state=TransactionState.ACTIVE,
        started_at=T0,
        id_token=update.id_token,
        meter_start_wh=update.meter_start_wh,
        energy_wh=None if numbered_by_us else 0.0,
        charging_state=update.charging_state,
        offline=update.offline,
        min_register_wh=None if numbered_by_us else 1500.0,
        max_register_wh=None if numbered_by_us else 1500.0,
    )


async def test_a_started_for_a_stored_session_finds_it(database: Database) -> None:
    """A Started inserts without looking first; a ref already stored (a replay, or a
    Started after its session's Updated) is then read and the event applied to it."""
    sessions = TransactionService(database.unit_of_work, strict=False, events=Events())

    def event(kind: UpdateKind, seq_no: int, wh: str) -> TransactionUpdate:
        sample = SampledValue(value=wh, unit="Wh")
        return TransactionUpdate(
            station_id="CS1",
            kind=kind,
            timestamp=T0,
            ref="tx-2",
            evse_id=1,
            connector_id=1,
            meter_values=(MeterValue(T0, (sample,)),),
            seq_no=seq_no,
            offline=True,
        )

    updated = await sessions.apply(event(UpdateKind.UPDATED, 1, "2500"))  # replayed first
    started = await sessions.apply(event(UpdateKind.STARTED, 0, "1500"))
    again = await sessions.apply(event(UpdateKind.STARTED, 0, "1500"))
    assert updated.transaction is not None and started.transaction is not None
    assert started.transaction.id == updated.transaction.id and not started.duplicate
    assert again.duplicate and again.transaction is not None
    assert again.transaction.id == updated.transaction.id
    async with database.unit_of_work() as uow:
        stored = await uow.transactions.by_ref("CS1", "tx-2")
    assert stored is not None and stored.id == updated.transaction.id
    assert (stored.min_register_wh, stored.max_register_wh) == (1500.0, 2500.0)
