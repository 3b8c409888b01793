"""Id tokens the operator manages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, delete, select

from ampyre.domain.authorization import AuthorizationStatus, IdTokenQuery, IdTokenRecord
from ampyre.domain.errors import Conflict
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import id_tokens

_GET = select(id_tokens).where(id_tokens.c.value == bindparam("token"))
_ROWS_PER_INSERT = 500


class SqlIdTokenRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def get(self, value: str) -> IdTokenRecord | None:
        result = await self._db.execute(_GET, {"token": value})
        row = result.one_or_none()
        return None if row is None else _record(row)

    async def save(self, record: IdTokenRecord) -> None:
        await self.save_many([record])

    async def save_many(self, records: Sequence[IdTokenRecord]) -> None:
        """Insert or replace each record (by value)."""
        for start in range(0, len(records), _ROWS_PER_INSERT):
            rows = [_values(record) for record in records[start : start + _ROWS_PER_INSERT]]
            statement = self._db.insert(id_tokens).values(rows)
            await self._db.execute(
                statement.on_conflict_do_update(
                    index_elements=[id_tokens.c.value],
                    set_={name: statement.excluded[name] for name in rows[0] if name != "value"},
                )
            )

    async def add(self, record: IdTokenRecord) -> None:
        """Insert a new record; `Conflict` if the value is taken."""
        statement = self._db.insert(id_tokens).values(_values(record))
        result = await self._db.execute(
            statement.on_conflict_do_nothing(index_elements=[id_tokens.c.value]).returning(
                id_tokens.c.value
            )
        )
        if result.first() is None:
            raise Conflict(f"there already is an id token {record.value!r}")

    async def list(self, query: IdTokenQuery) -> list[IdTokenRecord]:
        c = id_tokens.c
        statement = select(id_tokens)
        if query.status is not None:
            statement = statement.where(c.status == query.status.value)
        if query.group_id is not None:
            statement = statement.where(c.group_id == query.group_id)
        if query.type is not None:
            statement = statement.where(c.type == query.type)
        if query.after_value is not None:
            statement = statement.where(c.value > query.after_value)
        result = await self._db.execute(statement.order_by(c.value).limit(query.limit))
        return [_record(row) for row in result]

    async def existing(self, values: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(values), _ROWS_PER_INSERT):
            chunk = list(values[start : start + _ROWS_PER_INSERT])
            result = await self._db.execute(
                select(id_tokens.c.value).where(id_tokens.c.value.in_(chunk))
            )
            found.update(row.value for row in result)
        return found

    async def delete(self, value: str) -> bool:
        result = await self._db.execute(delete(id_tokens).where(id_tokens.c.value == value))
        return bool(result.rowcount)


def _values(record: IdTokenRecord) -> dict[str, Any]:
    return {
        "value": record.value,
        "type": record.type,
        "status": record.status.value,
        "expiry": record.expiry,
        "group_id": record.group_id,
    }


def _record(row: Row[Any]) -> IdTokenRecord:
    m = row._mapping
    return IdTokenRecord(
        value=m["value"],
        type=m["type"],
        status=AuthorizationStatus(m["status"]),
        expiry=m["expiry"],
        group_id=m["group_id"],
    )
