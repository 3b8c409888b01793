"""One database transaction and the repositories working inside it."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy.ext.asyncio import AsyncConnection

from ampyre.persistence.errors import translate
from ampyre.persistence.executor import Executor
from ampyre.persistence.id_tokens import SqlIdTokenRepository
from ampyre.persistence.reports import SqlReportRepository
from ampyre.persistence.stations import SqlStationRepository
from ampyre.persistence.statuses import SqlStatusRepository
from ampyre.persistence.transactions import SqlTransactionRepository
from ampyre.services.ports import (
    IdTokenRepository,
    ReportRepository,
    StationRepository,
    StatusRepository,
    TransactionRepository,
)

if TYPE_CHECKING:
    from ampyre.persistence.database import Database


class SqlUnitOfWork:
    """`async with` opens a transaction; leaving the block without `commit()` rolls it back.

    After `commit()` the repositories stay usable: what follows is a new transaction, again
    rolled back unless committed. Any error leaves as a domain error
    (`Conflict`, `StorageUnavailable`); after one, leave the block.
    """

    stations: StationRepository
    statuses: StatusRepository
    id_tokens: IdTokenRepository
    transactions: TransactionRepository
    reports: ReportRepository

    def __init__(self, database: Database) -> None:
        self._database = database
        self._connection: AsyncConnection | None = None
        self._entered = False

    async def __aenter__(self) -> Self:
        if self._entered:
            raise RuntimeError("a unit of work can be entered once")
        self._entered = True
        connection = await self._database.checkout()
        try:
            await connection.begin()
        except BaseException as error:
            await self._database.checkin(connection)
            if isinstance(error, Exception):
                raise translate(error) from error
            raise
        self._connection = connection
        executor = Executor(connection)
        self.stations = SqlStationRepository(executor)
        self.statuses = SqlStatusRepository(executor)
        self.id_tokens = SqlIdTokenRepository(executor)
        self.transactions = SqlTransactionRepository(executor)
        self.reports = SqlReportRepository(executor)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await self._database.checkin(connection)

    async def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("commit() outside the unit of work's `async with` block")
        try:
            await self._connection.commit()
        except Exception as error:
            raise translate(error) from error
