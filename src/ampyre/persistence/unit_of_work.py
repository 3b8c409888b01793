"""One database transaction and the repositories working inside it."""

from __future__ import annotations

import time
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
        self.stations = SqlStationRepository(executor)
        self.statuses = SqlStatusRepository(executor)
        self.id_tokens = SqlIdTokenRepository(executor)
        self.transactions = self._sessions = SqlTransactionRepository(executor)
        self.reports = SqlReportRepository(executor)
        self.api_tokens = SqlApiTokenRepository(executor)
        self.message_log = SqlMessageLogRepository(executor)
        self.commands = SqlCommandRepository(executor)
        self.webhooks = SqlWebhookRepository(executor)
        self.charging_profiles = SqlChargingProfileRepository(executor)
        self.configuration = SqlConfigurationRepository(executor)
        self.reservations = SqlReservationRepository(executor)
        self.local_lists = SqlLocalListRepository(executor)
        self.monitors = SqlMonitorRepository(executor)
        self.display_messages = SqlDisplayMessageRepository(executor)
        self.stored_files = SqlStoredFileRepository(executor)
        self.certificates = SqlCertificateRepository(executor)
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
        self._sessions.forget()
        observer = self._database.commit_observer
        if observer is None:
            await self._executor.commit()
            return
        started = time.perf_counter()
        await self._executor.commit()
        observer(time.perf_counter() - started)
