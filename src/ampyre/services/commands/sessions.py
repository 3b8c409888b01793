"""Sessions named by commands: the station's name for one of our transactions, and when kept
state bound to a session (TxProfiles, display messages) ends with it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ampyre.domain.errors import Conflict, NotFound
from ampyre.services.ports import UnitOfWork, UnitOfWorkFactory


async def session_ref(uow: UnitOfWorkFactory, station_id: str, transaction_id: int) -> str:
    """The ref of running transaction `transaction_id` (our id) on `station_id`.

    Raises NotFound (no such transaction on that station) or Conflict (it has ended)."""
    async with uow() as work:
        transaction = await work.transactions.get(transaction_id)
    if transaction is None or transaction.station_id != station_id:
        raise NotFound(f"station {station_id!r} has no transaction {transaction_id}")
    if transaction.ended_at is not None:
        raise Conflict(f"transaction {transaction_id} has ended")
    return transaction.ref


async def sessions_ended(
    uow: UnitOfWork, transaction_ids: Iterable[int | None]
) -> dict[int, datetime | None]:
    """When each of these transactions ended: None while it runs, or if it is unknown."""
    ended: dict[int, datetime | None] = {}
    for tid in transaction_ids:
        if tid is not None and tid not in ended:
            transaction = await uow.transactions.get(tid)
            ended[tid] = None if transaction is None else transaction.ended_at
    return ended


def ended_at(
    session_ended: datetime | None, ends_at: datetime | None, now: datetime
) -> datetime | None:
    """When kept state ended: with its session, else at its own end time once that is past;
    None while it holds."""
    if session_ended is None and ends_at is not None and ends_at <= now:
        return ends_at
    return session_ended
