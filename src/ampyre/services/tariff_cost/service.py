"""Running costs sent to stations (CostUpdated).

The cost history of a transaction is its cost-updated commands: each is linked to the
transaction (the command record's `transaction_id`) once the station acknowledged it, and
its `params.total_cost` is the total sent. No table of its own: the commands table is it.
"""

from __future__ import annotations

from ampyre.domain.commands import Command, CommandRecord, CommandReply
from ampyre.domain.tariff_cost import CostUpdated
from ampyre.services.commands.sessions import session_ref
from ampyre.services.ports import UnitOfWork, UnitOfWorkFactory


class CostService:
    commands: tuple[type[Command], ...] = (CostUpdated,)

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def apply(
        self, uow: UnitOfWork, record: CommandRecord, command: Command, reply: CommandReply
    ) -> None:
        if isinstance(command, CostUpdated):
            await uow.commands.link(record.id, command.transaction_id)
            record.transaction_id = command.transaction_id

    async def command(self, station_id: str, transaction_id: int, total_cost: float) -> CostUpdated:
        """The CostUpdated for our transaction `transaction_id` (NotFound, Conflict if over)."""
        ref = await session_ref(self._uow, station_id, transaction_id)
        return CostUpdated(
            transaction_id=transaction_id, transaction_ref=ref, total_cost=total_cost
        )
