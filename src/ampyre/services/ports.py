"""The seams services depend on: repositories behind a unit of work, and a clock.

Persistence implements these (SQLite and PostgreSQL through SQLAlchemy); services never see
a database type. Every method that changes state is durable only after `commit()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from ampyre.domain.access import ApiToken, Role
from ampyre.domain.authorization import IdTokenQuery, IdTokenRecord
from ampyre.domain.availability import ConnectorState, StatusChange, StatusQuery, StatusReport
from ampyre.domain.commands import Command, CommandRecord, CommandReply
from ampyre.domain.configuration import StoredSetting
from ampyre.domain.device_model import MonitorState, StoredMonitor
from ampyre.domain.diagnostics import StoredFile
from ampyre.domain.display import DisplayState, StoredDisplayMessage
from ampyre.domain.events import Event
from ampyre.domain.firmware import FirmwareImage
from ampyre.domain.local_list import LocalList, LocalListEntry
from ampyre.domain.message_limits import NO_LIMITS, LimitKeys, MessageLimits
from ampyre.domain.message_log import LoggedMessage, MessageQuery, RecordedFrame
from ampyre.domain.metering import MeterValue
from ampyre.domain.reports import StationReport
from ampyre.domain.reservations import Reservation, ReservationState
from ampyre.domain.security import CertificateId, InstalledCertificate
from ampyre.domain.smart_charging import ProfileState, StoredProfile
from ampyre.domain.station import Station, StationAddress, StationChanges, StationQuery
from ampyre.domain.transactions import Transaction, TransactionQuery
from ampyre.domain.webhooks import Attempt, Delivery, NewDelivery, Webhook


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
        """Insert the whole record, or update all of it but what the operator manages
        (`registered`, `description`: see `change`) and the creation time."""
        ...

    async def get_many(self, station_ids: Sequence[str]) -> dict[str, Station]:
        """The stored records of those stations, by id (unknown ids are left out)."""
        ...

    async def save_many(self, many: Sequence[Station]) -> None:
        """`save` each, in order."""
        ...

    async def record_connects(
        self, connects: Sequence[tuple[str, str, datetime]]
    ) -> dict[str, Station]:
        """Each (station id, OCPP version, time): mark the station connected with that
        version, heard from at that time, creating the record of a newcomer (unregistered);
        the stored records by id."""
        ...

    async def mark_connected(
        self, station_id: str, connected: bool, ocpp_version: str | None, now: datetime
    ) -> None:
        """Set the connection flag (and the version it connected with) of a stored station."""
        ...

    async def touch_many(self, seen: Sequence[tuple[str, datetime]]) -> None:
        """Each (station id, time): record that the station was heard from at that time,
        unless a later time is stored already."""
        ...

    async def disconnect_all(self) -> None:
        """Mark every station disconnected (start-up after a crash or restart)."""
        ...

    async def add(self, station: Station) -> None:
        """Insert a new record; `Conflict` if the id is taken."""
        ...

    async def change(self, station_id: str, changes: StationChanges) -> bool:
        """Change only what the operator manages; False if there is no such station."""
        ...

    async def list(self, query: StationQuery) -> list[Station]:
        """By id, at most `query.limit`."""
        ...

    async def delete(self, station_id: str) -> bool:
        """Delete the record (its history stays); False if there was none."""
        ...

    async def address(self, station_id: str) -> StationAddress | None:
        """Where the station is called (OCPP-S); None when there is no such station."""
        ...

    async def set_address(
        self, station_id: str, *, announced: str | None = None, override: str | None = None
    ) -> bool:
        """Set the announced address, or the override (clear it with ""); False when there
        is no such station. A field left None is left alone."""
        ...

    async def addressed(self) -> Sequence[tuple[str, str | None, StationAddress]]:
        """Every station with an address to call it at: id, OCPP version, addresses."""
        ...


class StatusRepository(Protocol):
    async def add(self, report: StatusReport) -> None:
        """Append to the history and set the current state of that station/EVSE/connector."""
        ...

    async def current(self, station_id: str) -> list[ConnectorState]: ...

    async def history(self, station_id: str, limit: int = 100) -> list[StatusReport]:
        """Newest first."""
        ...

    async def changes(self, query: StatusQuery) -> list[StatusChange]:
        """The history, newest received first, at most `query.limit`."""
        ...

    async def forget_current(self, station_id: str) -> None:
        """Drop the current states of a station (its history stays)."""
        ...


class IdTokenRepository(Protocol):
    async def get(self, value: str) -> IdTokenRecord | None: ...

    async def save(self, record: IdTokenRecord) -> None:
        """Insert or replace."""
        ...

    async def save_many(self, records: Sequence[IdTokenRecord]) -> None:
        """Insert or replace each (values must be distinct)."""
        ...

    async def add(self, record: IdTokenRecord) -> None:
        """Insert a new record; `Conflict` if its value is taken."""
        ...

    async def list(self, query: IdTokenQuery) -> list[IdTokenRecord]:
        """By value, at most `query.limit`."""
        ...

    async def existing(self, values: Sequence[str]) -> set[str]:
        """Those of `values` that are stored."""
        ...

    async def delete(self, value: str) -> bool:
        """False if there was no such token."""
        ...


class TransactionRepository(Protocol):
    async def create(self, transaction: Transaction, start_key: str | None) -> Transaction:
        """Insert a new session and return it with its id assigned (ids are never reused).

        A session given with an empty `ref` is named by its id: `ref = str(id)`.

        `start_key` identifies the start message for stations that let the CSMS number
        sessions, so a retried start finds the session it already created.
        """
        ...

    async def get(self, transaction_id: int) -> Transaction | None: ...

    async def by_ref(self, station_id: str, ref: str) -> Transaction | None:
        """The session to change: its row stays locked until the unit of work ends."""
        ...

    async def by_start_key(self, station_id: str, start_key: str) -> Transaction | None: ...

    def known(self, transaction: Transaction, version: int | None) -> None:
        """Take `transaction` as the session's row at `version`, as if just read, without
        reading it.

        Only for a session exactly as last committed, with the version `version()` gave
        then: `save` writes what differs, and on a backend whose rows have versions only if
        the row is still at `version` (else `Stale`; see `confirm`).
        """
        ...

    def version(self, transaction_id: int) -> int | None:
        """The version of the session's row as this unit of work last read or wrote it
        (PostgreSQL's `xmin`); None where rows have none (SQLite) or it was not seen."""
        ...

    async def confirm(self) -> None:
        """Lock every session taken as `known` and not written since at its version; `Stale`
        if one was changed meanwhile (by another process): roll back and do the unit of work
        again, reading the session. The unit of work's `commit()` calls it; call it before
        answering with a refusal that rests on such a session."""
        ...

    async def save(self, transaction: Transaction, readings: tuple[MeterValue, ...] = ()) -> None:
        """Update a session created by `create`, and add `readings` to its meter values
        (skipping any already stored), in one statement where the backend can."""
        ...

    async def add_event(
        self,
        transaction_id: int,
        seq_no: int,
        kind: str,
        timestamp: datetime,
        *,
        new: bool = False,
    ) -> bool:
        """Record that event `seq_no` of a session was applied; False if it already was.

        `new`: the caller knows it was not (it kept every event stored for the session); the
        answer is then True, and the write may be deferred where one process writes alone."""
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

    async def search(self, query: TransactionQuery) -> list[Transaction]:
        """At most `query.limit`, newest first unless `query.oldest_first`."""
        ...


class ReportRepository(Protocol):
    async def add(self, report: StationReport) -> None: ...

    async def for_request(self, station_id: str, request_id: int) -> list[StationReport]:
        """What `station_id` sent for request `request_id`, in the order received."""
        ...

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
    async def add_many(self, frames: Sequence[RecordedFrame]) -> None:
        """Append frames (one statement for all of them)."""
        ...

    async def search(self, query: MessageQuery) -> list[LoggedMessage]:
        """Newest first, at most `query.limit`."""
        ...

    async def delete_older_than(self, cutoff: datetime) -> int:
        """Delete messages logged before `cutoff`; return how many."""
        ...

    async def index_stations(self) -> int:
        """Bring the station index up to the newest message where it is kept in batches
        (SQLite); return how many messages were added to it (0 where it is a plain index)."""
        ...


class CommandRepository(Protocol):
    async def add(self, record: CommandRecord) -> CommandRecord:
        """Store a new command and return it with its id assigned (ids are never reused)."""
        ...

    async def end_pending(self, at: datetime, error: str) -> int:
        """Mark every command still waiting for its answer unreachable; return how many."""
        ...

    async def save(self, record: CommandRecord) -> None:
        """Update a command created by `add` (all but its transaction: see `link`)."""
        ...

    async def link(self, command_id: int, transaction_id: int) -> None:
        """Record the session a remote start led to."""
        ...

    async def get(self, command_id: int) -> CommandRecord | None: ...

    async def list(
        self,
        station_id: str | None = None,
        name: str | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> list[CommandRecord]:
        """Newest first; `before` is a command id (keyset pagination)."""
        ...

    async def remote_start_for(
        self, station_id: str, id_token: str, evse_id: int, since: datetime
    ) -> CommandRecord | None:
        """The newest remote start for this station and token, accepted or still waiting for
        its answer, sent at or after `since`, on `evse_id` or on no EVSE in particular, not
        yet linked to a session."""
        ...


class ChargingProfileRepository(Protocol):
    async def add(self, stored: StoredProfile) -> None: ...

    async def list(self, station_id: str, installed_only: bool = True) -> list[StoredProfile]:
        """Oldest first; `installed_only` leaves out the cleared and replaced."""
        ...

    async def end(self, row_ids: Sequence[int], state: ProfileState, at: datetime, by: int) -> None:
        """Mark these rows cleared or replaced `at` by command `by`."""


class ConfigurationRepository(Protocol):
    async def put(self, setting: StoredSetting) -> None:
        """Insert or update one setting (a `readonly` of None keeps the stored flag)."""
        ...

    async def remove(self, station_id: str, keys: Collection[str]) -> None: ...

    async def keep_only(self, station_id: str, keys: Collection[str]) -> None:
        """Delete the station's settings other than `keys`."""
        ...

    async def list(self, station_id: str) -> list[StoredSetting]:
        """By key."""
        ...


class ReservationRepository(Protocol):
    async def add(self, reservation: Reservation) -> None:
        """Store a reservation under its own id (the reserve-now command's)."""
        ...

    async def get(self, reservation_id: int) -> Reservation | None: ...

    async def set_state(
        self,
        reservation_id: int,
        state: ReservationState,
        now: datetime,
        transaction_id: int | None = None,
    ) -> None: ...

    async def expire(self, station_id: str, now: datetime) -> None:
        """Mark the station's active reservations past their expiry expired."""
        ...

    async def list(
        self,
        station_id: str,
        state: ReservationState | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> list[Reservation]:
        """Newest first; `before` is a reservation id (keyset pagination)."""
        ...


class LocalListRepository(Protocol):
    async def version(self, station_id: str) -> int:
        """The version of the last update the station accepted; 0 when none."""
        ...

    async def get(self, station_id: str) -> LocalList: ...

    async def apply(
        self,
        station_id: str,
        version: int,
        full: bool,
        entries: Sequence[LocalListEntry],
        now: datetime,
    ) -> None:
        """Store an accepted update: a full list replaces the entries, a differential one
        adds or replaces the tokens named (an entry without status removes its token)."""
        ...

    async def operator_tokens(self, limit: int) -> list[LocalListEntry]:
        """The id tokens the operator manages, as list entries, at most `limit`."""
        ...


class MonitorRepository(Protocol):
    async def add(self, stored: StoredMonitor) -> None: ...

    async def list(self, station_id: str, active_only: bool = True) -> list[StoredMonitor]:
        """Oldest first; `active_only` leaves out the cleared and replaced."""
        ...

    async def end(self, row_ids: Sequence[int], state: MonitorState, at: datetime, by: int) -> None:
        """Mark these rows cleared or replaced `at` by command `by`."""
        ...


class DisplayMessageRepository(Protocol):
    async def add(self, stored: StoredDisplayMessage) -> None: ...

    async def list(self, station_id: str, set_only: bool = True) -> list[StoredDisplayMessage]:
        """Oldest first; `set_only` leaves out the cleared and replaced."""
        ...

    async def end(self, row_ids: Sequence[int], state: DisplayState, at: datetime, by: int) -> None:
        """Mark these rows cleared or replaced `at` by command `by`."""
        ...


class StationGateway(Protocol):
    """Sends commands to stations connected to this node, in their version's words."""

    def version(self, station_id: str) -> str | None:
        """The OCPP version of the station's live connection; None when it is not connected."""
        ...

    def unsupported(self, station_id: str, command: Command) -> str | None:
        """Why the connected station's version cannot express `command`; None if it can."""
        ...

    def limit_keys(self, station_id: str, command: Command) -> LimitKeys | None:
        """The configuration keys under which the connected station reports its limits for
        the messages of `command`; None when its version has none (or it is not connected)."""
        ...

    async def send(
        self, station_id: str, command: Command, limits: MessageLimits = NO_LIMITS
    ) -> CommandReply:
        """Send `command`, in as many messages as `limits` ask, and return the reply.
        Raises StationNotConnected, CommandNotSupported (nothing sent) or CommandFailed
        (timeout, unreachable, CALLERROR; `partial` holds the answers to earlier messages)."""
        ...

    async def call(self, station_id: str, action: str, payload: Any) -> dict[str, Any]:
        """Send any action the station's version lets a CSMS send; return the answer payload.

        Raises InvalidCall (unknown action or a payload its schema forbids; nothing sent),
        StationNotConnected or CommandFailed."""
        ...


class WebhookRepository(Protocol):
    async def add(
        self,
        url: str,
        kinds: frozenset[str],
        secret: str,
        description: str | None,
        active: bool,
        now: datetime,
    ) -> Webhook: ...

    async def get(self, webhook_id: int) -> Webhook | None: ...

    async def all(self, after_id: int | None = None, limit: int | None = None) -> list[Webhook]:
        """Oldest first; keyset pagination on the id."""
        ...

    async def save(self, webhook: Webhook) -> None:
        """Update a webhook `add` created."""
        ...

    async def remove(self, webhook_id: int) -> bool:
        """Delete a webhook with its deliveries; False if there was none."""
        ...

    async def add_deliveries(self, deliveries: Sequence[NewDelivery], now: datetime) -> list[int]:
        """Store pending deliveries due at `now`; return their ids in order."""
        ...

    async def delivery(self, delivery_id: int) -> Delivery | None: ...

    async def record(self, delivery_id: int, attempt: Attempt) -> None:
        """Store the outcome of an attempt."""
        ...

    async def deliveries(
        self, webhook_id: int, before_id: int | None, limit: int
    ) -> list[Delivery]:
        """A webhook's deliveries, newest first; keyset pagination on the id."""
        ...

    async def delete_settled_before(self, cutoff: datetime) -> int:
        """Delete delivered and failed deliveries last tried before `cutoff`; return how many."""
        ...

    async def pending(self) -> list[tuple[int, datetime]]:
        """Every pending delivery: (id, when it is due)."""
        ...


class StoredFileRepository(Protocol):
    """Upload slots handed to stations and the files they uploaded (metadata; content on disk)."""

    async def add(self, file: StoredFile) -> StoredFile:
        """Store a new slot; returns it with its id."""
        ...

    async def by_token(self, token: str) -> StoredFile | None: ...

    async def get(self, file_id: int) -> StoredFile | None: ...

    async def save(self, file: StoredFile) -> None: ...

    async def delete(self, file_id: int) -> None: ...

    async def link(self, token: str, command_id: int, name: str | None) -> None:
        """Name the command that handed the slot out, and the file name the station gave."""
        ...

    async def list(
        self, station_id: str | None = None, command_id: int | None = None, limit: int = 100
    ) -> list[StoredFile]:
        """Newest first."""
        ...


class CertificateRepository(Protocol):
    """Certificates stations reported as installed."""

    async def replace(
        self, station_id: str, types: Sequence[str], found: Sequence[InstalledCertificate]
    ) -> None:
        """Forget the station's certificates of `types` (every type when empty), keep `found`."""
        ...

    async def delete(self, station_id: str, certificate: CertificateId) -> None: ...

    async def list(self, station_id: str) -> list[InstalledCertificate]: ...


class FileStore(Protocol):
    """Where file contents live (a directory): uploads by slot id, firmware images by name."""

    async def write_upload(
        self, file_id: int, chunks: AsyncIterator[bytes], limit: int
    ) -> tuple[int, str]:
        """Store an upload; (size, sha256 hex). UploadTooLarge past `limit` (nothing kept)."""
        ...

    def upload_path(self, file_id: int) -> Path | None:
        """The stored upload, None if there is none."""
        ...

    async def write_firmware(
        self, name: str, chunks: AsyncIterator[bytes], limit: int
    ) -> FirmwareImage: ...

    def firmware_path(self, name: str) -> Path | None: ...

    def firmware_images(self) -> list[FirmwareImage]: ...


class UnitOfWork(Protocol):
    """One database transaction. Leaving the block without `commit()` rolls back."""

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
    "CertificateRepository",
    "ChargingProfileRepository",
    "Clock",
    "CommandRepository",
    "ConfigurationRepository",
    "DisplayMessageRepository",
    "EventPublisher",
    "FileStore",
    "IdTokenRepository",
    "LocalListRepository",
    "MessageLogRepository",
    "MonitorRepository",
    "ReportRepository",
    "ReservationRepository",
    "StationGateway",
    "StationRepository",
    "StatusRepository",
    "StoredFileRepository",
    "TransactionRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "WebhookRepository",
]
