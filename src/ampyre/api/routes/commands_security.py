"""Certificates on stations (1.6 security extension, 2.0.1): install, delete, list, and what
the stations reported as installed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from ampyre.api.auth import Operator, Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.problems import responses
from ampyre.api.routes.commands import COMMAND_PROBLEMS, Body, CommandResult, run
from ampyre.api.routes.commands_files import CertificateHash
from ampyre.domain.security import (
    CertificateId,
    DeleteCertificate,
    GetInstalledCertificateIds,
    InstallCertificate,
    InstalledCertificate,
)

router = APIRouter(tags=["commands"])

Ctx = Annotated[ApiContext, Depends(context)]

InstallType = Literal[
    "CSMSRootCertificate", "ManufacturerRootCertificate", "V2GRootCertificate", "MORootCertificate"
]
ListType = Literal[
    "CSMSRootCertificate",
    "ManufacturerRootCertificate",
    "V2GRootCertificate",
    "MORootCertificate",
    "V2GCertificateChain",
]


class InstallBody(Body):
    certificate_type: InstallType = Field(
        description="2.0.1 names; 1.6 has CSMSRootCertificate (its CentralSystemRootCertificate)"
        " and ManufacturerRootCertificate"
    )
    certificate: str = Field(min_length=1, max_length=5500, description="PEM")


@router.post(
    "/stations/{station_id}/commands/install-certificate",
    summary="Install a root certificate on the station",
    responses=COMMAND_PROBLEMS,
)
async def install_certificate(
    station_id: str, body: InstallBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = InstallCertificate(
        certificate_type=body.certificate_type, certificate=body.certificate
    )
    return await run(ctx, station_id, command)


@router.post(
    "/stations/{station_id}/commands/delete-certificate",
    summary="Delete a certificate from the station",
    description="Name it as get-installed-certificate-ids reported it.",
    responses=COMMAND_PROBLEMS,
)
async def delete_certificate(
    station_id: str, body: CertificateHash, _: Operator, ctx: Ctx
) -> CommandResult:
    command = DeleteCertificate(certificate=CertificateId(**body.model_dump()))
    return await run(ctx, station_id, command)


class ListBody(Body):
    certificate_types: list[ListType] = Field(
        default_factory=list,
        max_length=5,
        description="2.0.1: none means all; 1.6 lists exactly one type per request",
    )


@router.post(
    "/stations/{station_id}/commands/get-installed-certificate-ids",
    summary="List the certificates installed on the station",
    description="What the station reports replaces what we kept for those types: "
    "GET /stations/{id}/certificates.",
    responses=COMMAND_PROBLEMS,
)
async def get_installed_certificate_ids(
    station_id: str, body: ListBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = GetInstalledCertificateIds(certificate_types=tuple(body.certificate_types))
    return await run(ctx, station_id, command)


class CertificateOut(BaseModel):
    certificate_type: str
    hash_algorithm: str
    issuer_name_hash: str
    issuer_key_hash: str
    serial_number: str
    children: list[dict[str, str]]
    reported_at: datetime
    command_id: int | None


def _out(found: InstalledCertificate) -> CertificateOut:
    cid = found.certificate
    return CertificateOut(
        certificate_type=found.certificate_type,
        hash_algorithm=cid.hash_algorithm,
        issuer_name_hash=cid.issuer_name_hash,
        issuer_key_hash=cid.issuer_key_hash,
        serial_number=cid.serial_number,
        children=[
            {
                "hash_algorithm": c.hash_algorithm,
                "issuer_name_hash": c.issuer_name_hash,
                "issuer_key_hash": c.issuer_key_hash,
                "serial_number": c.serial_number,
            }
            for c in found.children
        ],
        reported_at=found.reported_at,
        command_id=found.command_id,
    )


@router.get(
    "/stations/{station_id}/certificates",
    summary="Certificates the station reported as installed",
    responses=responses(401, 422),
)
async def installed_certificates(station_id: str, _: Reader, ctx: Ctx) -> list[CertificateOut]:
    return [_out(c) for c in await ctx.certificates.installed(station_id)]
