"""Transactions (charging sessions): search, detail with meter values, CSV export for billing."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from ampyre.api.auth import Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.filters import TimeRange
from ampyre.api.pagination import Page, Paging, page
from ampyre.api.problems import responses
from ampyre.domain.metering import MeterValue
from ampyre.domain.station import MAX_STATION_ID_LENGTH
from ampyre.domain.transactions import Transaction, TransactionQuery, TransactionState
from ampyre.services.transactions import TransactionDetail

router = APIRouter(tags=["transactions"])

#: ids are 64-bit
MAX_ID = 2**63 - 1


class TransactionOut(BaseModel):
    id: int = Field(description="the CSMS's id of the session (never reused)")
    station_id: str
    ref: str = Field(description="the station's id of the session")
    evse_id: int
    connector_id: int
    state: TransactionState
    started_at: datetime | None
    ended_at: datetime | None
    id_token: str | None
    id_token_type: str | None
    meter_start_wh: float | None
    meter_stop_wh: float | None
    energy_wh: float | None = Field(
        description="energy delivered: stop - start reading, or the span of the readings"
    )
    stop_reason: str | None
    charging_state: str | None
    remote_start_id: int | None
    reservation_id: int | None
    offline: bool = Field(description="the station started it while offline")
    flags: list[str] = Field(description="rule breaches the station made that were accepted")


class SampleOut(BaseModel):
    value: str = Field(description="as the station sent it")
    measurand: str
    unit: str | None
    multiplier: int
    phase: str | None
    location: str | None
    context: str | None


class MeterValueOut(BaseModel):
    timestamp: datetime
    samples: list[SampleOut]


class TransactionDetailOut(TransactionOut):
    meter_values: list[MeterValueOut] = Field(description="oldest first")


class TransactionFilters:
    def __init__(
        self,
        time: Annotated[TimeRange, Depends()],
        id_token: Annotated[str | None, Query(max_length=255)] = None,
        state: TransactionState | None = None,
    ) -> None:
        self.time = time
        self.id_token = id_token
        self.state = state

    def query(
        self, station_id: str | None, before_id: int | None = None, limit: int = 50
    ) -> TransactionQuery:
        return TransactionQuery(
            station_id=station_id,
            id_token=self.id_token,
            state=self.state,
            since=self.time.since,
            until=self.time.until,
            before_id=before_id,
            limit=limit,
        )


def _fields(t: Transaction) -> dict[str, object]:
    token = t.id_token
    return {
        "id": t.id,
        "station_id": t.station_id,
        "ref": t.ref,
        "evse_id": t.evse_id,
        "connector_id": t.connector_id,
        "state": t.state,
        "started_at": t.started_at,
        "ended_at": t.ended_at,
        "id_token": None if token is None else token.value,
        "id_token_type": None if token is None else token.type,
        "meter_start_wh": t.meter_start_wh,
        "meter_stop_wh": t.meter_stop_wh,
        "energy_wh": t.energy_wh,
        "stop_reason": t.stop_reason,
        "charging_state": t.charging_state,
        "remote_start_id": t.remote_start_id,
        "reservation_id": t.reservation_id,
        "offline": t.offline,
        "flags": sorted(flag.value for flag in t.flags),
    }


def _out(t: Transaction) -> TransactionOut:
    return TransactionOut.model_validate(_fields(t))


def _meter_value(value: MeterValue) -> MeterValueOut:
    return MeterValueOut(
        timestamp=value.timestamp,
        samples=[SampleOut.model_validate(s, from_attributes=True) for s in value.samples],
    )


def _detail(detail: TransactionDetail) -> TransactionDetailOut:
    return TransactionDetailOut.model_validate(
        {
            **_fields(detail.transaction),
            "meter_values": [_meter_value(v) for v in detail.meter_values],
        }
    )


async def _search(
    ctx: ApiContext, filters: TransactionFilters, paging: Paging, station_id: str | None
) -> Page[TransactionOut]:
    found = await ctx.transaction_history.find(
        filters.query(station_id, before_id=paging.after_int(), limit=paging.fetch)
    )
    return page(found, paging, _out, lambda t: t.id)


_LIST_DOC = (
    "Newest first. Filters: `id_token`, `state` (Active, Ended), `since`/`until` (the start "
    "time: since <= started_at < until)."
)


@router.get(
    "/transactions",
    summary="Search transactions",
    description=_LIST_DOC + " `station_id` too.",
    responses=responses(400, 401, 422),
)
async def list_transactions(
    _: Reader,
    ctx: Annotated[ApiContext, Depends(context)],
    filters: Annotated[TransactionFilters, Depends()],
    paging: Annotated[Paging, Depends()],
    station_id: Annotated[str | None, Query(max_length=MAX_STATION_ID_LENGTH)] = None,
) -> Page[TransactionOut]:
    return await _search(ctx, filters, paging, station_id)


@router.get(
    "/stations/{station_id}/transactions",
    summary="The transactions of one station",
    description=_LIST_DOC,
    responses=responses(400, 401, 404, 422),
)
async def station_transactions(
    station_id: Annotated[str, Path(max_length=MAX_STATION_ID_LENGTH)],
    _: Reader,
    ctx: Annotated[ApiContext, Depends(context)],
    filters: Annotated[TransactionFilters, Depends()],
    paging: Annotated[Paging, Depends()],
) -> Page[TransactionOut]:
    await ctx.stations.require(station_id)
    return await _search(ctx, filters, paging, station_id)


#: the export's columns, in order
CSV_COLUMNS = (
    "id",
    "station_id",
    "ref",
    "evse_id",
    "connector_id",
    "state",
    "started_at",
    "ended_at",
    "id_token",
    "id_token_type",
    "meter_start_wh",
    "meter_stop_wh",
    "energy_wh",
    "stop_reason",
    "offline",
    "flags",
)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


async def _csv(first: Transaction | None, rows: AsyncIterator[Transaction]) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    if first is None:
        yield buffer.getvalue()
        return
    writer.writerow([_cell(_fields(first)[name]) for name in CSV_COLUMNS])
    async for transaction in rows:
        fields = _fields(transaction)
        writer.writerow([_cell(fields[name]) for name in CSV_COLUMNS])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@router.get(
    "/transactions/export",
    summary="Export transactions as CSV (billing)",
    description="Every matching transaction, **oldest first**, as `text/csv` (UTF-8, header "
    f"row, CRLF lines), streamed: columns {', '.join(f'`{c}`' for c in CSV_COLUMNS)}. Times "
    "are ISO 8601 UTC, energy and meter readings in Wh, empty cells are unknown values, "
    "`flags` are separated by `;`. The same filters as `GET /transactions`, plus `station_id`.",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
        **responses(401, 422),
    },
)
async def export_transactions(
    _: Reader,
    ctx: Annotated[ApiContext, Depends(context)],
    filters: Annotated[TransactionFilters, Depends()],
    station_id: Annotated[str | None, Query(max_length=MAX_STATION_ID_LENGTH)] = None,
) -> StreamingResponse:
    rows = ctx.transaction_history.export(filters.query(station_id))
    # the first row is read before the answer starts: what the database refuses is a problem
    # document, not a broken stream
    first = await anext(rows, None)
    return StreamingResponse(
        _csv(first, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="transactions.csv"'},
    )


@router.get(
    "/transactions/{transaction_id}",
    summary="One transaction with its meter values",
    responses=responses(401, 404, 422),
)
async def get_transaction(
    transaction_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    _: Reader,
    ctx: Annotated[ApiContext, Depends(context)],
) -> TransactionDetailOut:
    return _detail(await ctx.transaction_history.detail(transaction_id))
