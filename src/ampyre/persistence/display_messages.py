"""Display messages stations accepted, as we know them: set until cleared or replaced."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert

from ampyre.domain.display import (
    DisplayState,
    StoredDisplayMessage,
    message_document,
    message_from_document,
)
from ampyre.persistence.executor import Executor
from ampyre.persistence.kept_state import end_rows, station_rows
from ampyre.persistence.tables import display_messages as table


class SqlDisplayMessageRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def add(self, stored: StoredDisplayMessage) -> None:
        await self._db.execute(
            insert(table).values(
                station_id=stored.station_id,
                message_id=stored.message.id,
                priority=stored.message.priority.value,
                transaction_id=stored.transaction_id,
                message=message_document(stored.message),
                state=stored.state.value,
                set_by=stored.set_by,
                set_at=stored.set_at,
                ended_at=stored.ended_at,
                ended_by=stored.ended_by,
            )
        )

    async def list(
        self, station_id: str, set_only: bool = True
    ) -> builtins.list[StoredDisplayMessage]:
        live = DisplayState.SET.value if set_only else None
        return [_stored(row) for row in await station_rows(self._db, table, station_id, live)]

    async def end(self, row_ids: Sequence[int], state: DisplayState, at: datetime, by: int) -> None:
        await end_rows(self._db, table, row_ids, state.value, at, by)


def _stored(row: Row[Any]) -> StoredDisplayMessage:
    m = row._mapping
    return StoredDisplayMessage(
        id=m["id"],
        station_id=m["station_id"],
        message=message_from_document(dict(m["message"])),
        state=DisplayState(m["state"]),
        set_by=m["set_by"],
        set_at=m["set_at"],
        transaction_id=m["transaction_id"],
        ended_at=m["ended_at"],
        ended_by=m["ended_by"],
    )
