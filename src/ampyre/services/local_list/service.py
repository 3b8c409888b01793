"""Local authorization lists: we number them, send them, and keep what the station accepted.

Every update gets the stored version plus one; the station's accepting it makes that the
stored version (a full update replaces the stored entries, a differential one changes the
tokens it names). get-local-list-version compares the station's version with ours.
"""

from __future__ import annotations

from collections.abc import Sequence

from ampyre.domain.commands import Command, CommandRecord, CommandReply
from ampyre.domain.local_list import GetLocalListVersion, LocalList, LocalListEntry, SendLocalList
from ampyre.services.known_station import ensure_known
from ampyre.services.ports import UnitOfWork, UnitOfWorkFactory

#: at most this many operator tokens go into a list built from the id tokens table
MAX_FROM_ID_TOKENS = 10_000


class LocalListService:
    """Also the CommandEffect of send-local-list and get-local-list-version."""

    commands: tuple[type[Command], ...] = (SendLocalList, GetLocalListVersion)

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def prepare(
        self,
        station_id: str,
        *,
        full: bool,
        entries: Sequence[LocalListEntry] = (),
        from_id_tokens: bool = False,
    ) -> SendLocalList:
        """The update to send: numbered after the stored version; with `from_id_tokens`, a
        full list of every id token the operator manages (and `entries` besides)."""
        async with self._uow() as uow:
            version = await uow.local_lists.version(station_id)
            if from_id_tokens:
                named = {e.id_token for e in entries}
                tokens = await uow.local_lists.operator_tokens(MAX_FROM_ID_TOKENS)
                entries = [t for t in tokens if t.id_token not in named] + list(entries)
        return SendLocalList(full=full, entries=tuple(entries), version=version + 1)

    async def apply(
        self, uow: UnitOfWork, record: CommandRecord, command: Command, reply: CommandReply
    ) -> None:
        now = record.answered_at or record.created_at
        if isinstance(command, SendLocalList) and reply.status == "Accepted":
            await uow.local_lists.apply(
                record.station_id, command.version, command.full, command.entries, now
            )
        elif isinstance(command, GetLocalListVersion):
            stored = await uow.local_lists.version(record.station_id)
            station = reply.details.get("version")
            record.result = {
                **reply.details,
                "stored_version": stored,
                "in_sync": station == stored,
            }
            await uow.commands.save(record)

    async def get(self, station_id: str) -> LocalList:
        async with self._uow() as uow:
            found = await uow.local_lists.get(station_id)
            if found.updated_at is None:
                await ensure_known(uow, station_id)
        return found
