"""The status history of a station: every StatusNotification of it, its EVSEs and connectors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from ampyre.api.auth import Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.filters import TimeRange
from ampyre.api.pagination import Page, Paging, page
from ampyre.api.problems import responses
from ampyre.domain.availability import ConnectorStatus, StatusChange, StatusQuery
from ampyre.domain.station import MAX_STATION_ID_LENGTH

router = APIRouter(tags=["stations"])


class StatusChangeOut(BaseModel):
    id: int
    evse_id: int = Field(description="0: the station as a whole")
    connector_id: int
    status: ConnectorStatus
    timestamp: datetime = Field(description="the station's time of the change")
    error_code: str | None
    info: str | None
    vendor_id: str | None
    vendor_error_code: str | None


def _out(change: StatusChange) -> StatusChangeOut:
    r = change.report
    return StatusChangeOut(
        id=change.id,
        evse_id=r.evse_id,
        connector_id=r.connector_id,
        status=r.status,
        timestamp=r.timestamp,
        error_code=r.error_code,
        info=r.info,
        vendor_id=r.vendor_id,
        vendor_error_code=r.vendor_error_code,
    )


@router.get(
    "/stations/{station_id}/status-history",
    summary="The status changes of a station",
    description="Newest received first (a station that was offline reports late: its "
    "`timestamp` may be older than that of changes received before). Filters: `evse_id`, "
    "`connector_id`, `status`, `since`/`until` (on `timestamp`). The message log "
    "(`/stations/{id}/messages`) has the messages themselves.",
    responses=responses(400, 401, 404, 422),
)
async def status_history(
    station_id: Annotated[str, Path(max_length=MAX_STATION_ID_LENGTH)],
    _: Reader,
    ctx: Annotated[ApiContext, Depends(context)],
    time: Annotated[TimeRange, Depends()],
    paging: Annotated[Paging, Depends()],
    evse_id: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
    connector_id: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
    status: ConnectorStatus | None = None,
) -> Page[StatusChangeOut]:
    found = await ctx.stations.status_history(
        StatusQuery(
            station_id=station_id,
            evse_id=evse_id,
            connector_id=connector_id,
            status=status,
            since=time.since,
            until=time.until,
            before_id=paging.after_int(),
            limit=paging.fetch,
        )
    )
    return page(found, paging, _out, lambda c: c.id)
