"""Stations: list, detail (EVSEs and connectors with their status), register, change, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from ampyre.api.auth import Operator, Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.pagination import Page, Paging, page
from ampyre.api.problems import responses
from ampyre.domain.availability import ConnectorState, ConnectorStatus
from ampyre.domain.station import (
    MAX_STATION_ID_LENGTH,
    STATION_ID_PATTERN,
    RegistrationStatus,
    Station,
    StationChanges,
    StationQuery,
)
from ampyre.services.stations import StationDetail

router = APIRouter(tags=["stations"])

StationId = Annotated[str, Path(max_length=MAX_STATION_ID_LENGTH, description="the station id")]
Description = Annotated[
    str | None, Field(max_length=255, description="a note for operators (place, owner, ...)")
]


class BootInfo(BaseModel):
    """What the station said about itself at its last boot."""

    vendor: str
    model: str
    serial_number: str | None
    firmware_version: str | None
    reason: str | None = Field(description="why it booted (when the version tells)")
    iccid: str | None
    imsi: str | None
    meter_type: str | None
    meter_serial_number: str | None
    modem_serial_number: str | None


class ConnectorOut(BaseModel):
    connector_id: int
    status: ConnectorStatus
    error_code: str | None
    updated_at: datetime = Field(description="the station's time of the status")


class EvseOut(BaseModel):
    evse_id: int
    connectors: list[ConnectorOut]


class StationStatus(BaseModel):
    status: ConnectorStatus
    error_code: str | None
    updated_at: datetime


class StationOut(BaseModel):
    id: str
    ocpp_version: str | None = Field(description="the OCPP version of its last connection")
    registered: bool = Field(description="registered by the operator (served by any policy)")
    registration_status: RegistrationStatus | None = Field(
        description="the answer to its last BootNotification"
    )
    connected: bool
    last_seen: datetime | None = Field(description="when the station was last heard from")
    last_boot: datetime | None
    created_at: datetime | None
    description: str | None
    boot: BootInfo | None


class StationDetailOut(StationOut):
    status: StationStatus | None = Field(description="the status of the station as a whole")
    evses: list[EvseOut] = Field(description="EVSEs and their connectors, with current status")


class StationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        min_length=1,
        max_length=MAX_STATION_ID_LENGTH,
        pattern=STATION_ID_PATTERN,
        description="the id the station connects with (letters, digits, * - _ = + | @ .)",
        examples=["CS001"],
    )
    registered: bool = Field(
        default=True, description="accepted at boot whatever the registration policy"
    )
    description: Description = None


class StationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    registered: bool | None = None
    description: Description = None


def _station(station: Station) -> StationOut:
    return StationOut(**_fields(station))


def _fields(station: Station) -> dict[str, object]:
    boot = station.boot
    return {
        "id": station.id,
        "ocpp_version": station.ocpp_version,
        "registered": station.registered,
        "registration_status": station.registration_status,
        "connected": station.connected,
        "last_seen": station.last_seen,
        "last_boot": station.last_boot,
        "created_at": station.created_at,
        "description": station.description,
        "boot": None if boot is None else BootInfo.model_validate(boot, from_attributes=True),
    }


def _detail(detail: StationDetail) -> StationDetailOut:
    station_status: StationStatus | None = None
    evses: dict[int, list[ConnectorState]] = {}
    for state in detail.states:
        if state.evse_id == 0:
            station_status = StationStatus(
                status=state.status, error_code=state.error_code, updated_at=state.updated_at
            )
        else:
            evses.setdefault(state.evse_id, []).append(state)
    return StationDetailOut(
        **_fields(detail.station),
        status=station_status,
        evses=[
            EvseOut(
                evse_id=evse_id,
                connectors=[
                    ConnectorOut(
                        connector_id=s.connector_id,
                        status=s.status,
                        error_code=s.error_code,
                        updated_at=s.updated_at,
                    )
                    for s in states
                ],
            )
            for evse_id, states in sorted(evses.items())
        ],
    )


@router.get(
    "/stations",
    summary="List stations",
    description="Every station the CSMS knows, by id: registered by an operator, or recorded "
    "when it first connected. Filter with `connected`, `registered`, `ocpp_version`.",
    responses=responses(400, 401, 422),
)
async def list_stations(
    _: Reader,
    ctx: Annotated[ApiContext, Depends(context)],
    paging: Annotated[Paging, Depends()],
    connected: bool | None = None,
    registered: bool | None = None,
    ocpp_version: Annotated[str | None, Query(max_length=16, examples=["1.6"])] = None,
) -> Page[StationOut]:
    found = await ctx.stations.find(
        StationQuery(
            connected=connected,
            registered=registered,
            ocpp_version=ocpp_version,
            after_id=paging.after_text(),
            limit=paging.fetch,
        )
    )
    return page(found, paging, _station, lambda s: s.id)


@router.get(
    "/stations/{station_id}",
    summary="One station, with its EVSEs and connectors",
    responses=responses(401, 404, 422),
)
async def get_station(
    station_id: StationId, _: Reader, ctx: Annotated[ApiContext, Depends(context)]
) -> StationDetailOut:
    return _detail(await ctx.stations.detail(station_id))


@router.post(
    "/stations",
    status_code=201,
    summary="Register a station",
    description="Create the record of a station before it connects. A registered station is "
    "accepted at boot whatever the registration policy (`known-only-*`). A station that "
    "connected on its own is known already (unregistered): register it with PATCH.",
    responses=responses(401, 403, 409, 422),
)
async def create_station(
    body: StationCreate,
    _: Operator,
    ctx: Annotated[ApiContext, Depends(context)],
    response: Response,
) -> StationDetailOut:
    created = await ctx.stations.create(
        body.id, registered=body.registered, description=body.description
    )
    response.headers["Location"] = f"/api/v1/stations/{body.id}"
    return _detail(created)


@router.patch(
    "/stations/{station_id}",
    summary="Register, unregister or describe a station",
    description="Change `registered` and `description`; fields left out stay as they are, "
    '`"description": null` removes it. Unregistering takes effect at the next boot.',
    responses=responses(401, 403, 404, 422),
)
async def update_station(
    station_id: StationId,
    body: StationUpdate,
    _: Operator,
    ctx: Annotated[ApiContext, Depends(context)],
) -> StationDetailOut:
    changes = StationChanges(
        registered=body.registered,
        description=body.description,
        clear_description="description" in body.model_fields_set and body.description is None,
    )
    return _detail(await ctx.stations.change(station_id, changes))


@router.delete(
    "/stations/{station_id}",
    status_code=204,
    summary="Delete a station record",
    description="Forget the station and its current status; its transactions, status history "
    "and messages stay. A connected station cannot be deleted (409): unregister it.",
    responses=responses(401, 403, 404, 409, 422),
)
async def delete_station(
    station_id: StationId, _: Operator, ctx: Annotated[ApiContext, Depends(context)]
) -> Response:
    await ctx.stations.delete(station_id)
    return Response(status_code=204)
