"""Runs statements of one unit of work and translates what goes wrong."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from sqlalchemy import Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection

from ampyre.domain.errors import NotFound
from ampyre.persistence.errors import translate

if TYPE_CHECKING:
    from ampyre.persistence.database import Database

DialectInsert: TypeAlias = sqlite.Insert | postgresql.Insert
Rows: TypeAlias = CursorResult[*tuple[Any, ...]]
S = TypeVar("S")

#: statements built once per (builder, dialect): see `Executor.prepared`
_PREPARED: dict[tuple[Callable[..., Any], str], Any] = {}


class Executor:
    """The connection of one unit of work, as repositories see it.

    `enter()` starts the unit's transaction, `commit()` makes it durable (a new transaction
    follows on the next statement), `leave()` rolls back what was not committed.
    """

    __slots__ = ("dialect",)

    dialect: str

    async def execute(
        self,
        statement: Executable,
        parameters: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
    ) -> Rows:
        raise NotImplementedError

    async def defer(
        self,
        statement: Executable,
        parameters: Mapping[str, Any],
        *,
        row: Hashable | None = None,
        missing: str | None = None,
    ) -> None:
        """A write whose result nobody reads: it may run later, before the unit's next
        statement or its commit, with the same write of other units (SQLite's group commit:
        `deferred_writes.py`); here at once. `row` names the row it changes, if it changes
        one in place (None for an append); `missing` is the `NotFound` to raise if it must
        change a row and changes none (at the latest from `commit()`)."""
        result = await self.execute(statement, parameters)
        if missing is not None and result.rowcount == 0:
            raise NotFound(missing)

    def insert(self, table: Table) -> DialectInsert:
        """An INSERT that understands ON CONFLICT on this backend."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def prepared(self, build: Callable[[Executor], S]) -> S:
        """The statement `build(self)` returns, built once per dialect and then reused.

        Building a statement (coercions, cache key) costs SQLAlchemy several times what
        executing a cached one does; hot statements take their values as bind parameters.
        """
        key = (build, self.dialect)
        try:
            statement: S = _PREPARED[key]
        except KeyError:
            statement = _PREPARED[key] = build(self)
        return statement

    async def enter(self) -> None:
        raise NotImplementedError

    async def commit(self) -> None:
        raise NotImplementedError

    async def leave(self, failing: bool) -> None:
        raise NotImplementedError


class ConnectionExecutor(Executor):
    """A unit of work on a connection of its own, one commit each (SQLite in memory)."""

    __slots__ = ("_connection", "_database")

    def __init__(self, database: Database) -> None:
        self._database = database
        self._connection: AsyncConnection | None = None
        self.dialect = database.dialect

    async def enter(self) -> None:
        connection = await self._database.checkout()
        try:
            await connection.begin()
        except BaseException as error:
            await self._database.checkin(connection)
            if isinstance(error, Exception):
                raise translate(error) from error
            raise
        self._connection = connection

    async def execute(
        self,
        statement: Executable,
        parameters: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
    ) -> Rows:
        if self._connection is None:
            raise RuntimeError("a statement outside the unit of work's `async with` block")
        try:
            return await self._connection.execute(statement, parameters)
        except Exception as error:
            raise translate(error) from error

    async def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("commit() outside the unit of work's `async with` block")
        try:
            await self._connection.commit()
        except Exception as error:
            raise translate(error) from error

    async def leave(self, failing: bool) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await self._database.checkin(connection)
