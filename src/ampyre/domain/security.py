"""Certificate management on stations (1.6 security extension, 2.0.1 block M)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import ClassVar

from ampyre.domain.commands import Command


@dataclasses.dataclass(frozen=True, slots=True)
class CertificateId:
    """A certificate as OCPP names it: hashes of its issuer and its serial number."""

    hash_algorithm: str
    issuer_name_hash: str
    issuer_key_hash: str
    serial_number: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class InstallCertificate(Command):
    """Install a root certificate. Types in 2.0.1 words (V2GRootCertificate, MORootCertificate,
    CSMSRootCertificate, ManufacturerRootCertificate); 1.6 has CSMS and manufacturer roots."""

    name: ClassVar[str] = "install-certificate"
    certificate_type: str
    certificate: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DeleteCertificate(Command):
    name: ClassVar[str] = "delete-certificate"
    certificate: CertificateId


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GetInstalledCertificateIds(Command):
    """List installed certificates of `certificate_types` (2.0.1: none means all; 1.6 asks for
    exactly one type)."""

    name: ClassVar[str] = "get-installed-certificate-ids"
    certificate_types: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class InstalledCertificate:
    """A certificate a station reported as installed."""

    station_id: str
    certificate_type: str
    certificate: CertificateId
    reported_at: datetime
    command_id: int | None = None
    children: tuple[CertificateId, ...] = ()


#: 2.0.1 type → 1.6 security extension type
V16_TYPES = {
    "CSMSRootCertificate": "CentralSystemRootCertificate",
    "ManufacturerRootCertificate": "ManufacturerRootCertificate",
}
