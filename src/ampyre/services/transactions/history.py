"""Sessions as the operator reads them: search, one with its meter values, export in bulk."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

from ampyre.domain.errors import NotFound
from ampyre.domain.metering import MeterValue
from ampyre.domain.transactions import Transaction, TransactionQuery
from ampyre.services.ports import UnitOfWorkFactory

#: sessions read per database transaction while exporting
EXPORT_BATCH = 500


@dataclasses.dataclass(frozen=True, slots=True)
class TransactionDetail:
    transaction: Transaction
    #: oldest first
    meter_values: list[MeterValue]


class TransactionHistory:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def find(self, query: TransactionQuery) -> list[Transaction]:
        async with self._uow() as uow:
            return await uow.transactions.search(query)

    async def detail(self, transaction_id: int) -> TransactionDetail:
        async with self._uow() as uow:
            transaction = await uow.transactions.get(transaction_id)
            if transaction is None:
                raise NotFound(f"there is no transaction {transaction_id}")
            values = await uow.transactions.meter_values(transaction_id)
        return TransactionDetail(transaction, values)

    async def export(self, query: TransactionQuery) -> AsyncIterator[Transaction]:
        """Every matching session, oldest first, read in batches (each its own database
        transaction, so a slow reader holds no lock and no connection between batches)."""
        after = query.after_id
        while True:
            batch_query = dataclasses.replace(
                query, oldest_first=True, after_id=after, before_id=None, limit=EXPORT_BATCH
            )
            async with self._uow() as uow:
                batch = await uow.transactions.search(batch_query)
            for transaction in batch:
                yield transaction
            if len(batch) < EXPORT_BATCH:
                return
            after = batch[-1].id
