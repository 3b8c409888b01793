"""Id tokens the operator manages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

from ampyre.domain.authorization import AuthorizationStatus, IdTokenRecord
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import id_tokens

_GET = select(id_tokens).where(id_tokens.c.value == bindparam("token"))


class SqlIdTokenRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def get(self, value: str) -> IdTokenRecord | None:
        result = await self._db.execute(_GET, {"token": value})
        row = result.one_or_none()
        if row is None:
            return None
        m = row._mapping
        return IdTokenRecord(
            value=m["value"],
            type=m["type"],
            status=AuthorizationStatus(m["status"]),
            expiry=m["expiry"],
            group_id=m["group_id"],
        )

    async def save(self, record: IdTokenRecord) -> None:
        values: dict[str, Any] = {
            "value": record.value,
            "type": record.type,
            "status": record.status.value,
            "expiry": record.expiry,
            "group_id": record.group_id,
        }
        statement = self._db.insert(id_tokens).values(values)
        await self._db.execute(
            statement.on_conflict_do_update(
                index_elements=[id_tokens.c.value],
                set_={name: statement.excluded[name] for name in values if name != "value"},
            )
        )
