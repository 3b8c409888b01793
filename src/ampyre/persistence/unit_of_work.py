"""One database transaction and the repositories working inside it."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Self

from ampyre.persistence.api_tokens import SqlApiTokenRepository
from ampyre.persistence.certificates import SqlCertificateRepository
from ampyre.persistence.charging_profiles import SqlChargingProfileRepository
from ampyre.persistence.commands import SqlCommandRepository
from ampyre.persistence.configuration import SqlConfigurationRepository
from ampyre.persistence.display_messages import SqlDisplayMessageRepository
from ampyre.persistence.executor import Executor
from ampyre.persistence.id_tokens import SqlIdTokenRepository
from ampyre.persistence.local_lists import SqlLocalListRepository
from ampyre.persistence.message_log import SqlMessageLogRepository
from ampyre.persistence.reports import SqlReportRepository
from ampyre.persistence.reservations import SqlReservationRepository
from ampyre.persistence.stations import SqlStationRepository
from ampyre.persistence.statuses import SqlStatusRepository
from ampyre.persistence.stored_files import SqlStoredFileRepository
from ampyre.persistence.transactions import SqlTransactionRepository
from ampyre.persistence.variable_monitors import SqlMonitorRepository
from ampyre.persistence.webhooks import SqlWebhookRepository
from ampyre.services.ports import (
    ApiTokenRepository,
    CertificateRepository,
    ChargingProfileRepository,
    CommandRepository,
    ConfigurationRepository,
    DisplayMessageRepository,
    IdTokenRepository,
    LocalListRepository,
    MessageLogRepository,
    MonitorRepository,
    ReportRepository,
    ReservationRepository,
    StationRepository,
    StatusRepository,
    StoredFileRepository,
    TransactionRepository,
    WebhookRepository,
)

if TYPE_CHECKING:
    from ampyre.persistence.database import Database


#: the repositories of a unit of work, by attribute
_REPOSITORIES: dict[str, Callable[[Executor], object]] = {
    "stations": SqlStationRepository,
    "statuses": SqlStatusRepository,
    "id_tokens": SqlIdTokenRepository,
    "transactions": SqlTransactionRepository,
    "reports": SqlReportRepository,
    "api_tokens": SqlApiTokenRepository,
    "message_log": SqlMessageLogRepository,
    "commands": SqlCommandRepository,
    "webhooks": SqlWebhookRepository,
    "charging_profiles": SqlChargingProfileRepository,
    "configuration": SqlConfigurationRepository,
    "reservations": SqlReservationRepository,
    "local_lists": SqlLocalListRepository,
    "monitors": SqlMonitorRepository,
    "display_messages": SqlDisplayMessageRepository,
    "stored_files": SqlStoredFileRepository,
    "certificates": SqlCertificateRepository,
}


class SqlUnitOfWork:
    """`async with` opens a transaction; leaving the block without `commit()` rolls it back.

    After `commit()` the repositories stay usable: what follows is a new transaction, again
    rolled back unless committed. Any error leaves as a domain error
    (`Conflict`, `StorageUnavailable`); after one, leave the block.

    On a SQLite file, units of work share group commits (`group_commit`): `commit()` returns
    once the batch holding the unit's work is durable.
    """

    stations: StationRepository
    statuses: StatusRepository
    id_tokens: IdTokenRepository
    transactions: TransactionRepository
    reports: ReportRepository
    api_tokens: ApiTokenRepository
    message_log: MessageLogRepository
    commands: CommandRepository
    webhooks: WebhookRepository
    charging_profiles: ChargingProfileRepository
    configuration: ConfigurationRepository
    reservations: ReservationRepository
    local_lists: LocalListRepository
    monitors: MonitorRepository
    display_messages: DisplayMessageRepository
    stored_files: StoredFileRepository
    certificates: CertificateRepository

    if not TYPE_CHECKING:  # mypy sees the attributes declared above

        def __getattr__(self, name: str) -> object:
            """Make a repository on its first use: most units of work need one or two."""
            make = _REPOSITORIES.get(name)
            if make is None:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            executor = self.__dict__.get("_executor")
            if executor is None:
                raise RuntimeError(f"uow.{name} outside the unit of work's `async with` block")
            repository = make(executor)
            setattr(self, name, repository)
            return repository

    def __init__(self, database: Database) -> None:
        self._database = database
        self._executor: Executor | None = None
        self._entered = False

    async def __aenter__(self) -> Self:
        if self._entered:
            raise RuntimeError("a unit of work can be entered once")
        self._entered = True
        executor = self._database.executor()
        await executor.enter()
        self._executor = executor
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            await executor.leave(failing=exc_type is not None)

    async def commit(self) -> None:
        if self._executor is None:
            raise RuntimeError("commit() outside the unit of work's `async with` block")
        sessions = self.__dict__.get("transactions")
        if isinstance(sessions, SqlTransactionRepository):
            if sessions.unconfirmed:  # PostgreSQL: kept sessions not written, locked now
                await sessions.confirm()
            sessions.forget()
        observer = self._database.commit_observer
        if observer is None:
            await self._executor.commit()
            return
        started = time.perf_counter()
        await self._executor.commit()
        observer(time.perf_counter() - started)
