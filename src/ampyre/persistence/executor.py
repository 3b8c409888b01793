"""Runs statements of one unit of work and translates what goes wrong."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from sqlalchemy import Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection

from ampyre.persistence.errors import translate

DialectInsert: TypeAlias = sqlite.Insert | postgresql.Insert
Rows: TypeAlias = CursorResult[*tuple[Any, ...]]


class Executor:
    """The connection of one unit of work, as repositories see it."""

    __slots__ = ("_connection", "dialect")

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self.dialect: str = connection.dialect.name

    async def execute(
        self,
        statement: Executable,
        parameters: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
    ) -> Rows:
        try:
            return await self._connection.execute(statement, parameters)
        except Exception as error:
            raise translate(error) from error

    def insert(self, table: Table) -> DialectInsert:
        """An INSERT that understands ON CONFLICT on this backend."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)
