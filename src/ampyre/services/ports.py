"""The seams services depend on: repositories behind a unit of work, and a clock.

Persistence implements these (SQLite and PostgreSQL through SQLAlchemy); services never see
a database type. Every method that changes state is durable only after `commit()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from ampyre.domain.access import ApiToken, Role
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.availability import ConnectorState, StatusReport
from ampyre.domain.events import Event
from ampyre.domain.message_log import LoggedMessage, MessageQuery
from ampyre.domain.metering import MeterValue
from ampyre.domain.reports import StationReport
from ampyre.domain.station import Station
from ampyre.domain.transactions import Transaction


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class EventPublisher(Protocol):
    def publish(self, event: Event) -> None:
        """Hand `event` to every listener; returns at once and never raises."""
        ...


class StationRepository(Protocol):
    async def get(self, station_id: str) -> Station | None: ...

    async def save(self, station: Station) -> None:
        """Insert or update the whole record."""
        ...

    async def mark_connected(
        self, station_id: str, connected: bool, ocpp_version: str | None, now: datetime
    ) -> None:
        """Set the connection flag (and the version it connected with) of a stored station."""
        ...

    async def touch(self, station_id: str, now: datetime) -> None:
        """Record that the station was heard from at `now`."""
        ...

    async def disconnect_all(self) -> None:
        """Mark every station disconnected (start-up after a crash or restart)."""
        ...


class StatusRepository(Protocol):
    async def add(self, report: StatusReport) -> None:
        """Append to the history and set the current state of that station/EVSE/connector."""
        ...

    async def current(self, station_id: str) -> list[ConnectorState]: ...

    async def history(self, station_id: str, limit: int = 100) -> list[StatusReport]:
        """Newest first."""
        ...


class IdTokenRepository(Protocol):
    async def get(self, value: str) -> IdTokenRecord | None: ...

    async def save(self, record: IdTokenRecord) -> None: ...


class TransactionRepository(Protocol):
    async def create(self, transaction: Transaction, start_key: str | None) -> Transaction:
        """Insert a new session and return it with its id assigned (ids are never reused).

        A session given with an empty `ref` is named by its id: `ref = str(id)`.

        `start_key` identifies the start message for stations that let the CSMS number
        sessions, so a retried start finds the session it already created.
        """
        ...

    async def get(self, transaction_id: int) -> Transaction | None: ...

    async def by_ref(self, station_id: str, ref: str) -> Transaction | None: ...

    async def by_start_key(self, station_id: str, start_key: str) -> Transaction | None: ...

    async def save(self, transaction: Transaction) -> None:
        """Update a session created by `create`."""
        ...

    async def add_event(
        self, transaction_id: int, seq_no: int, kind: str, timestamp: datetime
    ) -> bool:
        """Record that event `seq_no` of a session was applied; False if it already was."""
        ...

    async def add_meter_values(
        self,
        station_id: str,
        evse_id: int,
        transaction_id: int | None,
        values: tuple[MeterValue, ...] | list[MeterValue],
    ) -> int:
        """Store meter values, skipping any already stored; return how many were new."""
        ...

    async def meter_values(self, transaction_id: int) -> list[MeterValue]:
        """A session's meter values, oldest first."""
        ...

    async def active(self, station_id: str) -> list[Transaction]: ...

    async def list_for_station(self, station_id: str) -> list[Transaction]: ...


class ReportRepository(Protocol):
    async def add(self, report: StationReport) -> None: ...

    async def list(
        self, station_id: str, kind: str | None = None, limit: int = 100
    ) -> list[StationReport]:
        """Newest first."""
        ...


class ApiTokenRepository(Protocol):
    async def add(self, name: str, role: Role, prefix: str, digest: str, now: datetime) -> ApiToken:
        """Store a new token (only the digest of its secret) and return it with its id."""
        ...

    async def by_digest(self, digest: str) -> ApiToken | None: ...

    async def list(self) -> list[ApiToken]:
        """Every token, revoked ones too, oldest first."""
        ...

    async def revoke(self, token_id: int, now: datetime) -> bool:
        """Revoke an active token; False if there is no such active token."""
        ...


class MessageLogRepository(Protocol):
    async def add_many(self, messages: Sequence[LoggedMessage]) -> None:
        """Append messages (one statement for all of them)."""
        ...

    async def search(self, query: MessageQuery) -> list[LoggedMessage]:
        """Newest first, at most `query.limit`."""
        ...

    async def delete_older_than(self, cutoff: datetime) -> int:
        """Delete messages logged before `cutoff`; return how many."""
        ...


class UnitOfWork(Protocol):
    """One database transaction. Leaving the block without `commit()` rolls back."""

    stations: StationRepository
    statuses: StatusRepository
    id_tokens: IdTokenRepository
    transactions: TransactionRepository
    reports: ReportRepository
    api_tokens: ApiTokenRepository
    message_log: MessageLogRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


__all__ = [
    "ApiTokenRepository",
    "Clock",
    "EventPublisher",
    "IdTokenRepository",
    "MessageLogRepository",
    "ReportRepository",
    "StationRepository",
    "StatusRepository",
    "TransactionRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
]
