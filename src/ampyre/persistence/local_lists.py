"""Local authorization lists as the stations hold them (the last update they accepted)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from ampyre.domain.local_list import LocalList, LocalListEntry
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import id_tokens, local_list_entries, local_lists


class SqlLocalListRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def version(self, station_id: str) -> int:
        result = await self._db.execute(
            select(local_lists.c.version).where(local_lists.c.station_id == station_id)
        )
        found = result.scalar_one_or_none()
        return 0 if found is None else int(found)

    async def get(self, station_id: str) -> LocalList:
        found = await self._db.execute(
            select(local_lists).where(local_lists.c.station_id == station_id)
        )
        head = found.one_or_none()
        rows = await self._db.execute(
            select(local_list_entries)
            .where(local_list_entries.c.station_id == station_id)
            .order_by(local_list_entries.c.id_token)
        )
        entries = tuple(
            LocalListEntry(
                id_token=r.id_token,
                token_type=r.token_type,
                status=r.status,
                expires_at=r.expires_at,
                group_id=r.group_id,
            )
            for r in rows
        )
        if head is None:
            return LocalList(station_id=station_id, version=0, updated_at=None, entries=entries)
        return LocalList(
            station_id=station_id,
            version=int(head.version),
            updated_at=head.updated_at,
            entries=entries,
        )

    async def apply(
        self,
        station_id: str,
        version: int,
        full: bool,
        entries: Sequence[LocalListEntry],
        now: datetime,
    ) -> None:
        t = local_list_entries
        if full:
            await self._db.execute(delete(t).where(t.c.station_id == station_id))
        else:
            tokens = [e.id_token for e in entries]
            if tokens:
                await self._db.execute(
                    delete(t).where(t.c.station_id == station_id, t.c.id_token.in_(tokens))
                )
        rows: builtins.list[dict[str, Any]] = [
            {
                "station_id": station_id,
                "id_token": e.id_token,
                "token_type": e.token_type,
                "status": e.status,
                "expires_at": e.expires_at,
                "group_id": e.group_id,
            }
            for e in entries
            if e.status is not None
        ]
        if rows:
            await self._db.execute(t.insert(), rows)
        statement = self._db.insert(local_lists).values(
            station_id=station_id, version=version, updated_at=now
        )
        await self._db.execute(
            statement.on_conflict_do_update(
                index_elements=[local_lists.c.station_id],
                set_={
                    "version": statement.excluded.version,
                    "updated_at": statement.excluded.updated_at,
                },
            )
        )

    async def operator_tokens(self, limit: int) -> builtins.list[LocalListEntry]:
        """Every id token the operator manages, as list entries (at most `limit`)."""
        result = await self._db.execute(select(id_tokens).order_by(id_tokens.c.value).limit(limit))
        return [
            LocalListEntry(
                id_token=r.value,
                token_type=r.type,
                status=r.status,
                expires_at=r.expiry,
                group_id=r.group_id,
            )
            for r in result
        ]
