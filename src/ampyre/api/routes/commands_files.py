"""Firmware updates, diagnostics and logs, customer information: the commands and what they
led to (firmware status with its history, uploads with theirs, customer data reported)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, Field, model_validator

from ampyre.api.auth import Operator, Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.problems import responses
from ampyre.api.routes.commands import COMMAND_PROBLEMS, Body, CommandResult, command_result, run
from ampyre.api.routes.files import FileInfo, file_info
from ampyre.domain.diagnostics import CustomerInformation, GetDiagnostics, GetLog, LogKind
from ampyre.domain.firmware import StatusStep, UpdateFirmware

router = APIRouter(tags=["commands"])

Ctx = Annotated[ApiContext, Depends(context)]
Limit = Annotated[int, Query(ge=1, le=200)]
READ_PROBLEMS = responses(401, 422)


class UpdateFirmwareBody(Body):
    location: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="where the station downloads the image; leave out and name `image` to "
        "hand out our own URL for one of our firmware images",
    )
    image: str | None = Field(
        default=None, max_length=255, description="one of ours (GET /api/v1/firmware)"
    )
    retrieve_at: AwareDatetime | None = Field(default=None, description="default: now")
    install_at: AwareDatetime | None = Field(default=None, description="2.0.1, signed 1.6")
    retries: int | None = Field(default=None, ge=0)
    retry_interval: int | None = Field(default=None, ge=0, description="seconds")
    signing_certificate: str | None = Field(
        default=None, max_length=5500, description="PEM; with `signature`: a signed update"
    )
    signature: str | None = Field(default=None, max_length=800, description="base64")

    @model_validator(mode="after")
    def _one_source(self) -> UpdateFirmwareBody:
        if (self.location is None) == (self.image is None):
            raise ValueError("give either `location` or `image`")
        return self


@router.post(
    "/stations/{station_id}/commands/update-firmware",
    summary="Update the station's firmware",
    description="1.6: UpdateFirmware, or the security extension's SignedUpdateFirmware when "
    "`signing_certificate` and `signature` are given; 2.0.1: UpdateFirmware. The requestId "
    "is the command id. Follow it with GET /stations/{id}/firmware.",
    responses=COMMAND_PROBLEMS,
)
async def update_firmware(
    station_id: str, body: UpdateFirmwareBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = UpdateFirmware(
        location=body.location or "",
        retrieve_at=body.retrieve_at or ctx.clock.now(),
        install_at=body.install_at,
        retries=body.retries,
        retry_interval=body.retry_interval,
        signing_certificate=body.signing_certificate,
        signature=body.signature,
    )
    return command_result(await ctx.firmware.update(station_id, command, body.image))


class LogBody(Body):
    location: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="where the station uploads; leave out to receive it here (a per-request "
        "URL of our own file endpoint)",
    )
    since: AwareDatetime | None = Field(default=None, description="oldest entries wanted")
    until: AwareDatetime | None = Field(default=None, description="newest entries wanted")
    retries: int | None = Field(default=None, ge=0)
    retry_interval: int | None = Field(default=None, ge=0, description="seconds")


class GetLogBody(LogBody):
    log_type: LogKind = LogKind.DIAGNOSTICS


@router.post(
    "/stations/{station_id}/commands/get-diagnostics",
    summary="Have the station upload its diagnostics",
    description="1.6: GetDiagnostics; 2.0.1: GetLog (DiagnosticsLog).",
    responses=COMMAND_PROBLEMS,
)
async def get_diagnostics(station_id: str, body: LogBody, _: Operator, ctx: Ctx) -> CommandResult:
    command = GetDiagnostics(
        location=body.location or "",
        since=body.since,
        until=body.until,
        retries=body.retries,
        retry_interval=body.retry_interval,
    )
    return command_result(await ctx.diagnostics.get_log(station_id, command))


@router.post(
    "/stations/{station_id}/commands/get-log",
    summary="Have the station upload a diagnostics or security log",
    description="2.0.1 and the 1.6 security extension: GetLog (requestId: the command id); "
    "for 1.6 core GetDiagnostics use get-diagnostics. Follow it with GET /stations/{id}/logs.",
    responses=COMMAND_PROBLEMS,
)
async def get_log(station_id: str, body: GetLogBody, _: Operator, ctx: Ctx) -> CommandResult:
    command = GetLog(
        location=body.location or "",
        log_type=body.log_type,
        since=body.since,
        until=body.until,
        retries=body.retries,
        retry_interval=body.retry_interval,
    )
    return command_result(await ctx.diagnostics.get_log(station_id, command))


class CertificateHash(Body):
    hash_algorithm: str = Field(pattern="^SHA(256|384|512)$")
    issuer_name_hash: str = Field(min_length=1, max_length=128)
    issuer_key_hash: str = Field(min_length=1, max_length=128)
    serial_number: str = Field(min_length=1, max_length=40)


class CustomerInformationBody(Body):
    report: bool = True
    clear: bool = False
    id_token: str | None = Field(default=None, min_length=1, max_length=36)
    token_type: str = Field(default="Central", max_length=20)
    customer_identifier: str | None = Field(default=None, min_length=1, max_length=64)
    customer_certificate: CertificateHash | None = None

    @model_validator(mode="after")
    def _names_someone(self) -> CustomerInformationBody:
        if (self.id_token, self.customer_identifier, self.customer_certificate) == (None,) * 3:
            raise ValueError("name the customer: id_token, customer_identifier or certificate")
        if not (self.report or self.clear):
            raise ValueError("ask to report, to clear, or both")
        return self


@router.post(
    "/stations/{station_id}/commands/customer-information",
    summary="Have the station report and/or clear what it keeps about a customer (2.0.1)",
    description="The station's NotifyCustomerInformation parts are collected per request: "
    "GET /stations/{id}/customer-information. OCPP 1.6 has no such message (409).",
    responses=COMMAND_PROBLEMS,
)
async def customer_information(
    station_id: str, body: CustomerInformationBody, _: Operator, ctx: Ctx
) -> CommandResult:
    certificate = body.customer_certificate
    command = CustomerInformation(
        report=body.report,
        clear=body.clear,
        id_token=body.id_token,
        token_type=body.token_type,
        customer_identifier=body.customer_identifier,
        customer_certificate=None if certificate is None else certificate.model_dump(),
    )
    return await run(ctx, station_id, command)


# --- what they led to --------------------------------------------------------------------------


class Step(BaseModel):
    status: str | None
    at: datetime
    request_id: int | None
    command_id: int | None = Field(description="the command the notification belongs to")
    content: dict[str, Any] = Field(description="the notification as the station sent it")


def _step(step: StatusStep) -> Step:
    return Step(
        status=step.status,
        at=step.at,
        request_id=step.request_id,
        command_id=step.command_id,
        content=step.content,
    )


class FirmwareStatusOut(BaseModel):
    station_id: str
    status: str | None = Field(description="the newest status notification's status")
    updated_at: datetime | None
    command_id: int | None
    history: list[Step] = Field(description="newest first")


@router.get(
    "/stations/{station_id}/firmware",
    summary="The station's firmware status, with its history",
    responses=READ_PROBLEMS,
)
async def firmware_status(station_id: str, _: Reader, ctx: Ctx) -> FirmwareStatusOut:
    found = await ctx.firmware.status(station_id)
    return FirmwareStatusOut(
        station_id=found.station_id,
        status=found.status,
        updated_at=found.updated_at,
        command_id=found.command_id,
        history=[_step(s) for s in found.history],
    )


class LogRequestOut(BaseModel):
    command: CommandResult
    status: str | None = Field(description="the newest upload status (Uploaded, ...)")
    history: list[Step] = Field(description="upload status notifications, newest first")
    files: list[FileInfo] = Field(description="what the station uploaded to our endpoint")


@router.get(
    "/stations/{station_id}/logs",
    summary="Diagnostics and log requests, with their upload status and files",
    responses=READ_PROBLEMS,
)
async def log_requests(
    station_id: str, _: Reader, ctx: Ctx, limit: Limit = 50
) -> list[LogRequestOut]:
    return [
        LogRequestOut(
            command=command_result(found.command),
            status=found.history[0].status if found.history else None,
            history=[_step(s) for s in found.history],
            files=[file_info(f) for f in found.files],
        )
        for found in await ctx.diagnostics.log_requests(station_id, limit)
    ]


class CustomerReportOut(BaseModel):
    command: CommandResult
    data: str = Field(description="the parts the station sent, joined in order")
    parts: int
    complete: bool = Field(description="the last part has arrived (tbc false)")
    generated_at: datetime | None


@router.get(
    "/stations/{station_id}/customer-information",
    summary="Customer information requests and what the station reported",
    responses=READ_PROBLEMS,
)
async def customer_reports(
    station_id: str, _: Reader, ctx: Ctx, limit: Limit = 50
) -> list[CustomerReportOut]:
    found = await ctx.diagnostics.customer_information(station_id, limit)
    return [
        CustomerReportOut(
            command=command_result(r.command),
            data=r.data,
            parts=r.parts,
            complete=r.complete,
            generated_at=r.generated_at,
        )
        for r in found
    ]
