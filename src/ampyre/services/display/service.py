"""Display messages set on stations: what each accepted command set or cleared.

A message the station accepted is kept as set, replacing one with its id; an accepted clear
ends it. A message bound to a transaction is shown `ended` once the transaction is over (the
station drops it then). Answers other than Accepted change nothing.
"""

from __future__ import annotations

import dataclasses

from ampyre.domain.commands import Command, CommandRecord, CommandReply
from ampyre.domain.display import (
    ClearDisplayMessage,
    DisplayState,
    SetDisplayMessage,
    StoredDisplayMessage,
)
from ampyre.services.commands.sessions import ended_at, session_ref, sessions_ended
from ampyre.services.known_station import ensure_known
from ampyre.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


class DisplayService:
    """The CommandEffect of set/clear-display-message, and what is kept of them."""

    commands: tuple[type[Command], ...] = (SetDisplayMessage, ClearDisplayMessage)

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def apply(
        self, uow: UnitOfWork, record: CommandRecord, command: Command, reply: CommandReply
    ) -> None:
        if reply.status != "Accepted":
            return
        at = record.answered_at or record.created_at
        shown = await uow.display_messages.list(record.station_id)
        if isinstance(command, SetDisplayMessage):
            replaced = [s.id for s in shown if s.message.id == command.message.id]
            await uow.display_messages.end(replaced, DisplayState.REPLACED, at, record.id)
            await uow.display_messages.add(
                StoredDisplayMessage(
                    station_id=record.station_id,
                    message=command.message,
                    state=DisplayState.SET,
                    set_by=record.id,
                    set_at=at,
                    transaction_id=command.transaction_id,
                )
            )
        elif isinstance(command, ClearDisplayMessage):
            cleared = [s.id for s in shown if s.message.id == command.message_id]
            await uow.display_messages.end(cleared, DisplayState.CLEARED, at, record.id)

    async def messages(self, station_id: str, set_only: bool = True) -> list[StoredDisplayMessage]:
        """The station's messages as we know them; one whose transaction is over, or past its
        ends_at, is shown `ended` (the station removes it then)."""
        async with self._uow() as uow:
            found = await uow.display_messages.list(station_id, set_only=False)
            if not found:
                await ensure_known(uow, station_id)
            over = await sessions_ended(
                uow, (s.transaction_id for s in found if s.state is DisplayState.SET)
            )
        now = self._clock.now()
        result = []
        for stored in found:
            ended = ended_at(over.get(stored.transaction_id or 0), stored.message.ends_at, now)
            if stored.state is DisplayState.SET and ended is not None:
                stored = dataclasses.replace(stored, state=DisplayState.ENDED, ended_at=ended)
            if not set_only or stored.state is DisplayState.SET:
                result.append(stored)
        return result

    async def transaction_ref(self, station_id: str, transaction_id: int) -> str:
        return await session_ref(self._uow, station_id, transaction_id)
