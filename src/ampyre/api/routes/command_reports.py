"""What stations sent later in answer to a command: the reports carrying its id.

get-charging-profiles, get-base-report, get-report, get-monitoring-report and
get-display-messages send the command id as the request's requestId; the station's
ReportChargingProfiles, NotifyReport, NotifyMonitoringReport and NotifyDisplayMessages
carry it back, and are collected here in the order received.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from ampyre.api.auth import Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.problems import responses
from ampyre.domain.reports import ReportKind

router = APIRouter(tags=["commands"])

Ctx = Annotated[ApiContext, Depends(context)]


class ReportPart(BaseModel):
    kind: ReportKind
    received_at: datetime
    status: str | None
    content: dict[str, Any] = Field(description="the message as the station sent it")


class CommandReports(BaseModel):
    command_id: int
    station_id: str
    complete: bool = Field(description="the station sent its last part (one without `tbc: true`)")
    parts: list[ReportPart]


@router.get(
    "/commands/{command_id}/reports",
    summary="The reports a station sent in answer to a command",
    description="Collected by requestId (the command id), in the order received; `complete` "
    "once the part marked last has arrived.",
    responses=responses(401, 404, 422),
)
async def command_reports(command_id: int, _: Reader, ctx: Ctx) -> CommandReports:
    record = await ctx.commands.get(command_id)
    found = await ctx.reports.for_request(record.station_id, record.id)
    return CommandReports(
        command_id=record.id,
        station_id=record.station_id,
        complete=any(not r.content.get("tbc", False) for r in found),
        parts=[
            ReportPart(kind=r.kind, received_at=r.received_at, status=r.status, content=r.content)
            for r in found
        ],
    )
