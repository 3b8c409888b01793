"""Local authorization lists: we number them, send them, and keep what the station accepted.

Every update gets the stored version plus one; the station's accepting it makes that the
stored version (a full update replaces the stored entries, a differential one changes the
tokens it names). An update sent as several messages (the station's message limits) takes
one version per message, and what the station accepted of it is kept even when it was cut
short. get-local-list-version compares the station's version with ours.
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
            if from_id_tokens:
                named = {e.id_token for e in entries}
                tokens = await uow.local_lists.operator_tokens(MAX_FROM_ID_TOKENS)
                entries = [t for t in tokens if t.id_token not in named] + list(entries)
            if full:
                version = await uow.local_lists.version(station_id)
                size_after = len({e.id_token for e in entries})
            else:
                stored = await uow.local_lists.get(station_id)
                version = stored.version
                held = {e.id_token for e in stored.entries}
                for entry in entries:
                    if entry.status is None:
                        held.discard(entry.id_token)
                    else:
                        held.add(entry.id_token)
                size_after = len(held)
        return SendLocalList(
            full=full, entries=tuple(entries), version=version + 1, size_after=size_after
        )

    async def apply(
        self, uow: UnitOfWork, record: CommandRecord, command: Command, reply: CommandReply
    ) -> None:
        now = record.answered_at or record.created_at
        if isinstance(command, SendLocalList):
            # what the station accepted: all of the update, or (sent as several messages
            # and cut short) its first entries, up to the version of the last accepted one
            version = reply.details.get("accepted_version")
            if version is not None:
                count = reply.details.get("accepted_entries", len(command.entries))
                await uow.local_lists.apply(
                    record.station_id, version, command.full, command.entries[:count], now
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
