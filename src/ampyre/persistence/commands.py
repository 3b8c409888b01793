"""Commands sent to stations and how each one ended."""

from __future__ import annotations

import builtins
import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, insert, or_, select, update

from ampyre.domain.commands import CommandRecord, CommandState, RemoteStart
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import commands

# Looked up on every StartTransaction/TransactionEvent Started: built once, values bound.
_REMOTE_START_FOR = (
    select(commands)
    .where(
        commands.c.station_id == bindparam("station"),
        commands.c.name == RemoteStart.name,
        # the session may start before the answer to the command is stored
        or_(
            commands.c.state == CommandState.PENDING.value,
            and_(
                commands.c.state == CommandState.ANSWERED.value,
                commands.c.status == "Accepted",
            ),
        ),
        commands.c.id_token == bindparam("id_token"),
        or_(commands.c.evse_id.is_(None), commands.c.evse_id == bindparam("evse")),
        commands.c.created_at >= bindparam("since"),
        commands.c.transaction_id.is_(None),
    )
    .order_by(commands.c.id.desc())
    .limit(1)
)


class SqlCommandRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def add(self, record: CommandRecord) -> CommandRecord:
        values = _values(record)
        del values["id"]
        result = await self._db.execute(insert(commands).values(**values).returning(commands.c.id))
        return dataclasses.replace(record, id=int(result.scalar_one()))

    async def end_pending(self, at: datetime, error: str) -> int:
        result = await self._db.execute(
            update(commands)
            .where(commands.c.state == CommandState.PENDING.value)
            .values(state=CommandState.UNREACHABLE.value, error=error, answered_at=at)
        )
        return int(result.rowcount)

    async def save(self, record: CommandRecord) -> None:
        values = _values(record)
        del values["id"]
        del values["transaction_id"]  # set by `link` only: a session may start before the answer
        await self._db.execute(update(commands).where(commands.c.id == record.id).values(**values))

    async def link(self, command_id: int, transaction_id: int) -> None:
        await self._db.execute(
            update(commands)
            .where(commands.c.id == command_id)
            .values(transaction_id=transaction_id)
        )

    async def get(self, command_id: int) -> CommandRecord | None:
        result = await self._db.execute(select(commands).where(commands.c.id == command_id))
        row = result.one_or_none()
        return None if row is None else _record(row)

    async def list(
        self,
        station_id: str | None = None,
        name: str | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> builtins.list[CommandRecord]:
        statement = select(commands)
        if station_id is not None:
            statement = statement.where(commands.c.station_id == station_id)
        if name is not None:
            statement = statement.where(commands.c.name == name)
        if before is not None:
            statement = statement.where(commands.c.id < before)
        result = await self._db.execute(statement.order_by(commands.c.id.desc()).limit(limit))
        return [_record(row) for row in result]

    async def remote_start_for(
        self, station_id: str, id_token: str, evse_id: int, since: datetime
    ) -> CommandRecord | None:
        result = await self._db.execute(
            _REMOTE_START_FOR,
            {"station": station_id, "id_token": id_token, "evse": evse_id, "since": since},
        )
        row = result.one_or_none()
        return None if row is None else _record(row)


def _values(record: CommandRecord) -> dict[str, Any]:
    values = {field.name: getattr(record, field.name) for field in dataclasses.fields(record)}
    values["state"] = record.state.value
    return values


def _record(row: Row[Any]) -> CommandRecord:
    m = row._mapping
    return CommandRecord(
        id=int(m["id"]),
        station_id=m["station_id"],
        name=m["name"],
        params=dict(m["params"]),
        state=CommandState(m["state"]),
        created_at=m["created_at"],
        status=m["status"],
        result=m["result"],
        raw=m["raw"],
        error_code=m["error_code"],
        error=m["error"],
        answered_at=m["answered_at"],
        transaction_id=m["transaction_id"],
        id_token=m["id_token"],
        evse_id=m["evse_id"],
    )
