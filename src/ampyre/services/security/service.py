"""Certificates on stations: what they reported as installed (GetInstalledCertificateIds),
kept up to date by the answers to get, delete (and install) certificate commands."""

from __future__ import annotations

from typing import Any

from ampyre.domain.commands import Command, CommandRecord, CommandReply
from ampyre.domain.security import (
    CertificateId,
    DeleteCertificate,
    GetInstalledCertificateIds,
    InstalledCertificate,
)
from ampyre.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


class CertificateService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def installed(self, station_id: str) -> list[InstalledCertificate]:
        async with self._uow() as uow:
            return await uow.certificates.list(station_id)


def _id(data: dict[str, Any]) -> CertificateId:
    return CertificateId(
        str(data["hash_algorithm"]),
        str(data["issuer_name_hash"]),
        str(data["issuer_key_hash"]),
        str(data["serial_number"]),
    )


class InstalledCertificates:
    """CommandEffect: what the station says it has installed replaces what we knew."""

    commands: tuple[type[Command], ...] = (GetInstalledCertificateIds, DeleteCertificate)

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def apply(
        self, uow: UnitOfWork, record: CommandRecord, command: Command, reply: CommandReply
    ) -> None:
        if isinstance(command, DeleteCertificate):
            if reply.status in ("Accepted", "NotFound"):
                await uow.certificates.delete(record.station_id, command.certificate)
            return
        if not isinstance(command, GetInstalledCertificateIds):
            return
        if reply.status not in ("Accepted", "NotFound"):
            return
        now = self._clock.now()
        found = [
            InstalledCertificate(
                station_id=record.station_id,
                certificate_type=str(item["certificate_type"]),
                certificate=_id(item),
                reported_at=now,
                command_id=record.id,
                children=tuple(_id(child) for child in item.get("children", ())),
            )
            for item in reply.details.get("certificates", ())
        ]
        await uow.certificates.replace(record.station_id, command.certificate_types, found)
