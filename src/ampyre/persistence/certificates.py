"""Certificates stations reported as installed (GetInstalledCertificateIds)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, insert, select

from ampyre.domain.security import CertificateId, InstalledCertificate
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import installed_certificates as table


class SqlCertificateRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def replace(
        self, station_id: str, types: Sequence[str], found: Sequence[InstalledCertificate]
    ) -> None:
        statement = delete(table).where(table.c.station_id == station_id)
        if types:
            statement = statement.where(table.c.certificate_type.in_(list(types)))
        await self._db.execute(statement)
        for certificate in found:
            # the same certificate reported twice (under two types) is kept once
            await self.delete(station_id, certificate.certificate)
            cid = certificate.certificate
            await self._db.execute(
                insert(table).values(
                    station_id=station_id,
                    hash_algorithm=cid.hash_algorithm,
                    issuer_name_hash=cid.issuer_name_hash,
                    issuer_key_hash=cid.issuer_key_hash,
                    serial_number=cid.serial_number,
                    certificate_type=certificate.certificate_type,
                    children=[_id_json(child) for child in certificate.children],
                    command_id=certificate.command_id,
                    reported_at=certificate.reported_at,
                )
            )

    async def delete(self, station_id: str, certificate: CertificateId) -> None:
        await self._db.execute(
            delete(table).where(
                table.c.station_id == station_id,
                table.c.hash_algorithm == certificate.hash_algorithm,
                table.c.issuer_name_hash == certificate.issuer_name_hash,
                table.c.issuer_key_hash == certificate.issuer_key_hash,
                table.c.serial_number == certificate.serial_number,
            )
        )

    async def list(self, station_id: str) -> builtins.list[InstalledCertificate]:
        result = await self._db.execute(
            select(table)
            .where(table.c.station_id == station_id)
            .order_by(table.c.certificate_type, table.c.serial_number)
        )
        return [_certificate(row) for row in result]


def _id_json(cid: CertificateId) -> dict[str, str]:
    return {
        "hash_algorithm": cid.hash_algorithm,
        "issuer_name_hash": cid.issuer_name_hash,
        "issuer_key_hash": cid.issuer_key_hash,
        "serial_number": cid.serial_number,
    }


def _certificate(row: Row[Any]) -> InstalledCertificate:
    m = row._mapping
    return InstalledCertificate(
        station_id=m["station_id"],
        certificate_type=m["certificate_type"],
        certificate=CertificateId(
            m["hash_algorithm"], m["issuer_name_hash"], m["issuer_key_hash"], m["serial_number"]
        ),
        reported_at=m["reported_at"],
        command_id=m["command_id"],
        children=tuple(CertificateId(**child) for child in m["children"]),
    )
