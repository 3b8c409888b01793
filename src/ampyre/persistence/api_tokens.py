"""Operator API tokens (only the digest of each secret is stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, insert, select, update

from ampyre.domain.access import ApiToken, Role
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import api_tokens


class SqlApiTokenRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def add(self, name: str, role: Role, prefix: str, digest: str, now: datetime) -> ApiToken:
        result = await self._db.execute(
            insert(api_tokens)
            .values(name=name, role=role.value, prefix=prefix, digest=digest, created_at=now)
            .returning(api_tokens.c.id)
        )
        return ApiToken(
            id=int(result.scalar_one()), name=name, role=role, prefix=prefix, created_at=now
        )

    async def by_digest(self, digest: str) -> ApiToken | None:
        result = await self._db.execute(select(api_tokens).where(api_tokens.c.digest == digest))
        row = result.one_or_none()
        return None if row is None else _token(row)

    async def list(self) -> list[ApiToken]:
        result = await self._db.execute(select(api_tokens).order_by(api_tokens.c.id))
        return [_token(row) for row in result]

    async def revoke(self, token_id: int, now: datetime) -> bool:
        result = await self._db.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return bool(result.rowcount)


def _token(row: Row[tuple[object, ...]]) -> ApiToken:
    m = row._mapping
    return ApiToken(
        id=int(m["id"]),
        name=m["name"],
        role=Role(m["role"]),
        prefix=m["prefix"],
        created_at=m["created_at"],
        revoked_at=m["revoked_at"],
    )
