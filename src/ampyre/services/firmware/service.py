"""Firmware updates: send them (with our own image URL when the operator names an image
instead of a location), serve images, and read a station's firmware status with its history.

Status notifications are stored as reports (services/reports); here they are linked to the
update they belong to: by requestId (2.0.1, 1.6 signed updates), else (1.6 core) to the
newest update-firmware command sent to the station before the notification.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from ampyre.domain.commands import CommandRecord
from ampyre.domain.errors import NotFound
from ampyre.domain.firmware import FirmwareImage, StatusStep, UpdateFirmware
from ampyre.domain.reports import ReportKind, StationReport
from ampyre.services.commands import CommandService
from ampyre.services.ports import FileStore, UnitOfWorkFactory

#: how many notifications and commands a status read looks at
HISTORY = 200


@dataclasses.dataclass(frozen=True, slots=True)
class FirmwareStatus:
    station_id: str
    status: str | None
    updated_at: datetime | None
    command_id: int | None
    history: list[StatusStep]


class FirmwareService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        commands: CommandService,
        files: FileStore,
        base_url: Callable[[], str],
        max_image_bytes: int,
    ) -> None:
        self._uow = uow
        self._commands = commands
        self._files = files
        self._base_url = base_url
        self._max_image_bytes = max_image_bytes

    def image_url(self, name: str) -> str:
        return f"{self._base_url()}/files/firmware/{quote(name)}"

    async def update(
        self, station_id: str, command: UpdateFirmware, image: str | None = None
    ) -> CommandRecord:
        """Send `command`; with `image` (one of ours) its location is our URL for it."""
        if image is not None:
            if self._files.firmware_path(image) is None:
                raise NotFound(f"no firmware image {image!r}: upload it first")
            command = dataclasses.replace(command, location=self.image_url(image))
        return await self._commands.send(station_id, command)

    async def status(self, station_id: str) -> FirmwareStatus:
        async with self._uow() as uow:
            reports = await uow.reports.list(station_id, ReportKind.FIRMWARE_STATUS, HISTORY)
            sent = await uow.commands.list(station_id, UpdateFirmware.name, None, HISTORY)
        history = link(reports, sent)
        latest = history[0] if history else None
        return FirmwareStatus(
            station_id=station_id,
            status=latest.status if latest else None,
            updated_at=latest.at if latest else None,
            command_id=latest.command_id if latest else None,
            history=history,
        )

    def images(self) -> list[FirmwareImage]:
        return self._files.firmware_images()

    def image_path(self, name: str) -> Path:
        path = self._files.firmware_path(name)
        if path is None:
            raise NotFound(f"no firmware image {name!r}")
        return path

    async def add_image(self, name: str, chunks: AsyncIterator[bytes]) -> FirmwareImage:
        """Store an image (replacing one of the same name); UploadTooLarge past the limit."""
        return await self._files.write_firmware(name, chunks, self._max_image_bytes)


def link(
    reports: Sequence[StationReport],
    commands: Sequence[CommandRecord],
    idle: frozenset[str] = frozenset({"Idle"}),
) -> list[StatusStep]:
    """The reports (newest first) as steps linked to the commands they belong to."""
    ids = {command.id for command in commands}
    oldest_first = sorted(commands, key=lambda c: (c.created_at, c.id))
    steps = []
    for report in reports:
        command_id: int | None = None
        if report.request_id is not None:
            command_id = report.request_id if report.request_id in ids else None
        elif report.status not in idle:
            before = [c.id for c in oldest_first if c.created_at <= report.received_at]
            command_id = before[-1] if before else None
        steps.append(
            StatusStep(
                report.status, report.received_at, report.request_id, command_id, report.content
            )
        )
    return steps
