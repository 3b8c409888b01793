"""Diagnostics and log uploads: hand stations an upload URL of our own when the operator
gives none, receive what they upload, and read each request with its status history and
file. Customer information (2.0.1) is read here too: the station's NotifyCustomerInformation
parts, collected per request.

An upload URL is `<public url>/files/uploads/<token>/`: the token (192 random bits) names one
slot of one request, so a station needs no credentials and nobody can guess another's URL.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path

from ampyre.domain.commands import (
    Command,
    CommandNotSupported,
    CommandRecord,
    CommandReply,
    InvalidCall,
    StationNotConnected,
)
from ampyre.domain.diagnostics import (
    CustomerInformation,
    GetDiagnostics,
    GetLog,
    StoredFile,
)
from ampyre.domain.errors import NotFound
from ampyre.domain.firmware import StatusStep
from ampyre.domain.reports import ReportKind
from ampyre.services.commands import CommandService
from ampyre.services.firmware.service import HISTORY, link
from ampyre.services.ports import Clock, FileStore, UnitOfWork, UnitOfWorkFactory

LOG_COMMANDS = (GetLog.name, GetDiagnostics.name)


@dataclasses.dataclass(frozen=True, slots=True)
class LogRequest:
    """A get-log / get-diagnostics command, its upload status history, and what arrived."""

    command: CommandRecord
    history: list[StatusStep]
    files: list[StoredFile]


@dataclasses.dataclass(frozen=True, slots=True)
class CustomerReport:
    """What a station reported for one customer-information request (parts joined)."""

    command: CommandRecord
    data: str
    parts: int
    complete: bool
    generated_at: datetime | None


class DiagnosticsService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        commands: CommandService,
        files: FileStore,
        clock: Clock,
        base_url: Callable[[], str],
        max_upload_bytes: int,
        lifetime: timedelta = timedelta(days=7),
    ) -> None:
        self._uow = uow
        self._commands = commands
        self._files = files
        self._clock = clock
        self._base_url = base_url
        self.max_upload_bytes = max_upload_bytes
        self._lifetime = lifetime

    async def get_log(self, station_id: str, command: GetLog) -> CommandRecord:
        """Send `command`; without a location, to an upload slot of our own."""
        if not command.location:
            token = secrets.token_urlsafe(24)
            slot = StoredFile(
                id=0,
                token=token,
                station_id=station_id,
                created_at=self._clock.now(),
                log_type=command.log_type.value,
            )
            async with self._uow() as uow:
                slot = await uow.stored_files.add(slot)
                await uow.commit()
            location = f"{self._base_url()}/files/uploads/{token}/"
            command = dataclasses.replace(command, location=location, upload_token=token)
            try:
                return await self._commands.send(station_id, command)
            except (NotFound, StationNotConnected, CommandNotSupported, InvalidCall):
                # nothing was sent: the URL was never handed out, forget the slot
                async with self._uow() as uow:
                    await uow.stored_files.delete(slot.id)
                    await uow.commit()
                raise
        return await self._commands.send(station_id, command)

    async def receive(
        self,
        token: str,
        name: str | None,
        content_type: str | None,
        chunks: AsyncIterator[bytes],
        method: str,
    ) -> StoredFile:
        """Store what a station uploads to its slot (a second upload replaces the first).

        NotFound for a token we never handed out; UploadTooLarge past the limit."""
        async with self._uow() as uow:
            slot = await uow.stored_files.by_token(token)
        if slot is None or self._expired(slot):
            raise NotFound("no upload is expected at this URL")
        size, digest = await self._files.write_upload(slot.id, chunks, self.max_upload_bytes)
        slot.name = (name or slot.name or f"upload-{slot.id}")[:255]
        slot.content_type = (content_type or "application/octet-stream")[:255]
        slot.size = size
        slot.sha256 = digest
        slot.method = method
        slot.received_at = self._clock.now()
        async with self._uow() as uow:
            await uow.stored_files.save(slot)
            await uow.commit()
        return slot

    async def expects(self, token: str) -> bool:
        """Whether an upload URL with `token` was handed out and still accepts uploads."""
        async with self._uow() as uow:
            slot = await uow.stored_files.by_token(token)
        return slot is not None and not self._expired(slot)

    def _expired(self, slot: StoredFile) -> bool:
        return self._clock.now() - slot.created_at > self._lifetime

    async def files(
        self, station_id: str | None = None, command_id: int | None = None, limit: int = 100
    ) -> list[StoredFile]:
        async with self._uow() as uow:
            return await uow.stored_files.list(station_id, command_id, limit)

    async def file(self, file_id: int) -> tuple[StoredFile, Path | None]:
        """A file's metadata and where its content is (None until it was uploaded)."""
        async with self._uow() as uow:
            found = await uow.stored_files.get(file_id)
        if found is None:
            raise NotFound(f"no file {file_id}")
        return found, self._files.upload_path(file_id)

    async def log_requests(self, station_id: str, limit: int = 50) -> list[LogRequest]:
        """The station's log requests, newest first, each with its status history and file."""
        async with self._uow() as uow:
            diagnostics = await uow.reports.list(station_id, ReportKind.DIAGNOSTICS_STATUS, HISTORY)
            logs = await uow.reports.list(station_id, ReportKind.LOG_STATUS, HISTORY)
            sent: list[CommandRecord] = []
            for name in LOG_COMMANDS:
                sent += await uow.commands.list(station_id, name, None, limit)
            stored = await uow.stored_files.list(station_id, None, HISTORY)
        sent.sort(key=lambda c: c.id, reverse=True)
        sent = sent[:limit]
        # 1.x DiagnosticsStatusNotification names no request: the newest get-diagnostics
        plain = [c for c in sent if c.name == GetDiagnostics.name]
        steps = link(diagnostics, plain, frozenset({"Idle"})) + link(logs, sent)
        return [
            LogRequest(
                command=command,
                history=sorted(
                    (s for s in steps if s.command_id == command.id),
                    key=lambda s: s.at,
                    reverse=True,
                ),
                files=[f for f in stored if f.command_id == command.id],
            )
            for command in sent
        ]

    async def customer_information(self, station_id: str, limit: int = 50) -> list[CustomerReport]:
        """The station's customer-information requests, newest first, with what it reported."""
        async with self._uow() as uow:
            sent = await uow.commands.list(station_id, CustomerInformation.name, None, limit)
            reports = await uow.reports.list(station_id, ReportKind.CUSTOMER_INFORMATION, HISTORY)
        found = []
        for command in sent:
            parts = sorted(
                (r.content for r in reports if r.request_id == command.id),
                key=lambda c: int(c.get("seqNo", 0)),
            )
            found.append(
                CustomerReport(
                    command=command,
                    data="".join(str(p.get("data", "")) for p in parts),
                    parts=len(parts),
                    complete=bool(parts) and not parts[-1].get("tbc", False),
                    generated_at=_generated(parts[-1].get("generatedAt")) if parts else None,
                )
            )
        return found


def _generated(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


class LogUploads:
    """CommandEffect: links our upload slot to the get-log command that handed it out."""

    commands: tuple[type[Command], ...] = (GetLog, GetDiagnostics)

    async def apply(
        self, uow: UnitOfWork, record: CommandRecord, command: Command, reply: CommandReply
    ) -> None:
        token = getattr(command, "upload_token", None)
        if token is not None:
            name = reply.details.get("file_name")
            await uow.stored_files.link(token, record.id, name if isinstance(name, str) else None)
