"""Reservations and local authorization lists: the commands and what is kept of them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import AwareDatetime, BaseModel, Field, model_validator

from ampyre.api.auth import Operator, Reader
from ampyre.api.pagination import Page, Paging, page
from ampyre.api.problems import responses
from ampyre.api.routes.commands import COMMAND_PROBLEMS, Body, CommandResult, Ctx, run
from ampyre.domain.local_list import GetLocalListVersion, LocalListEntry
from ampyre.domain.reservations import CancelReservation, Reservation, ReservationState, ReserveNow

router = APIRouter(tags=["reservations and local lists"])

TOKEN_TYPES = (
    "the token's type where the version has types (2.0.1): Central, eMAID, ISO14443, "
    "ISO15693, KeyCode, Local, MacAddress, NoAuthorization"
)

# --- reservations -----------------------------------------------------------------------------


class ReserveNowBody(Body):
    id_token: str = Field(min_length=1, max_length=36, description="1.x: at most 20 characters")
    token_type: str = Field(default="Central", max_length=20, description=TOKEN_TYPES)
    expires_at: AwareDatetime = Field(description="when the reservation ends (with time zone)")
    evse_id: int | None = Field(
        default=None, ge=0, description="the EVSE (1.x: connector); none or 0: any EVSE"
    )
    connector_type: str | None = Field(
        default=None, max_length=20, description="2.0.1 only: cType2, cCCS2, sType2, ..."
    )
    group_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=36,
        description="a group token that may use it too (1.x parentIdTag, 2.0.1 groupIdToken)",
    )


@router.post(
    "/stations/{station_id}/commands/reserve-now",
    summary="Reserve an EVSE (or any EVSE) for an id token until a time",
    description="The reservation id is the command id (`result.reservation_id`). The "
    "reservation is kept as `active` when Accepted, else `rejected` with the station's "
    "answer (Occupied, Faulted, Unavailable, Rejected); it becomes `used` when a session "
    "starts with it, `cancelled`, `expired` or (2.0.1) `removed`.",
    responses=COMMAND_PROBLEMS,
)
async def reserve_now(
    station_id: str, body: ReserveNowBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = ReserveNow(
        id_token=body.id_token,
        token_type=body.token_type,
        expires_at=body.expires_at,
        evse_id=body.evse_id or None,
        connector_type=body.connector_type,
        group_id=body.group_id,
    )
    return await run(ctx, station_id, command)


class CancelReservationBody(Body):
    reservation_id: int = Field(ge=1, le=2**31 - 1)


@router.post(
    "/stations/{station_id}/commands/cancel-reservation",
    summary="Cancel a reservation",
    responses=COMMAND_PROBLEMS,
)
async def cancel_reservation(
    station_id: str, body: CancelReservationBody, _: Operator, ctx: Ctx
) -> CommandResult:
    return await run(ctx, station_id, CancelReservation(reservation_id=body.reservation_id))


class ReservationOut(BaseModel):
    id: int = Field(description="the reservation id the station knows (the command id)")
    station_id: str
    state: ReservationState
    status: str | None = Field(description="the station's answer to reserve-now")
    id_token: str
    token_type: str | None
    evse_id: int | None
    connector_type: str | None
    group_id: str | None
    expires_at: datetime
    transaction_id: int | None = Field(description="the session that used it")
    created_at: datetime
    updated_at: datetime


ReservationPage = Page[ReservationOut]


def _out(r: Reservation) -> ReservationOut:
    return ReservationOut(
        id=r.id,
        station_id=r.station_id,
        state=r.state,
        status=r.status,
        id_token=r.id_token,
        token_type=r.token_type,
        evse_id=r.evse_id,
        connector_type=r.connector_type,
        group_id=r.group_id,
        expires_at=r.expires_at,
        transaction_id=r.transaction_id,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


@router.get(
    "/stations/{station_id}/reservations",
    summary="A station's reservations, newest first",
    responses=responses(400, 401, 404, 422),
)
async def station_reservations(
    station_id: str,
    _: Reader,
    ctx: Ctx,
    paging: Annotated[Paging, Depends()],
    state: ReservationState | None = None,
) -> ReservationPage:
    found = await ctx.reservations.list(station_id, state, paging.after_int(), paging.fetch)
    return page(found, paging, _out, lambda r: r.id)


@router.get(
    "/reservations/{reservation_id}",
    summary="One reservation",
    responses=responses(401, 404, 422),
)
async def get_reservation(
    reservation_id: Annotated[int, Path(ge=1, lt=2**63)], _: Reader, ctx: Ctx
) -> ReservationOut:
    return _out(await ctx.reservations.get(reservation_id))


# --- local authorization lists ----------------------------------------------------------------

AuthorizationStatus = Literal[
    "Accepted",
    "Blocked",
    "Expired",
    "Invalid",
    "ConcurrentTx",
    "NoCredit",
    "NotAllowedTypeEVSE",
    "NotAtThisLocation",
    "NotAtThisTime",
    "Unknown",
]


class Entry(Body):
    id_token: str = Field(min_length=1, max_length=36, description="1.x: at most 20 characters")
    token_type: str | None = Field(default=None, max_length=20, description=TOKEN_TYPES)
    status: AuthorizationStatus | None = Field(
        default="Accepted",
        description="null removes the token (differential updates only); 1.x knows Accepted, "
        "Blocked, Expired, Invalid, ConcurrentTx",
    )
    expires_at: AwareDatetime | None = None
    group_id: str | None = Field(default=None, min_length=1, max_length=36)


class SendLocalListBody(Body):
    update: Literal["Full", "Differential"] = Field(
        description="Full replaces the station's list; Differential adds, changes or removes "
        "the tokens named"
    )
    entries: list[Entry] = Field(default_factory=list, max_length=10_000)
    from_id_tokens: bool = Field(
        default=False,
        description="Full only: send every id token the operator manages (the id tokens "
        "resource), with their status, expiry and group; `entries` are added or override",
    )

    @model_validator(mode="after")
    def _consistent(self) -> SendLocalListBody:
        full = self.update == "Full"
        if self.from_id_tokens and not full:
            raise ValueError("from_id_tokens builds a full list: use update Full")
        if full and any(e.status is None for e in self.entries):
            raise ValueError(
                "a Full list gives every token a status (null removes a token "
                "in Differential updates only)"
            )
        tokens = [e.id_token for e in self.entries]
        if len(set(tokens)) != len(tokens):
            raise ValueError("each id token appears once in a list")
        return self


@router.post(
    "/stations/{station_id}/commands/send-local-list",
    summary="Send the local authorization list (full or differential update)",
    description="The version is ours: the stored version plus one (`result.version`). Once "
    "the station accepts, the stored list and version change (GET "
    "/stations/{station_id}/local-list). VersionMismatch, Failed or NotSupported change "
    "nothing.",
    responses=COMMAND_PROBLEMS,
)
async def send_local_list(
    station_id: str, body: SendLocalListBody, _: Operator, ctx: Ctx
) -> CommandResult:
    entries = [
        LocalListEntry(
            id_token=e.id_token,
            token_type=e.token_type,
            status=e.status,
            expires_at=e.expires_at,
            group_id=e.group_id,
        )
        for e in body.entries
    ]
    command = await ctx.local_lists.prepare(
        station_id,
        full=body.update == "Full",
        entries=entries,
        from_id_tokens=body.from_id_tokens,
    )
    return await run(ctx, station_id, command)


@router.post(
    "/stations/{station_id}/commands/get-local-list-version",
    summary="Ask the station for its local list version and compare it with ours",
    description="`result.version` is the station's (1.x: `supported` false when it has no "
    "local list), `result.stored_version` ours, `result.in_sync` whether they match.",
    responses=COMMAND_PROBLEMS,
)
async def get_local_list_version(station_id: str, _: Operator, ctx: Ctx) -> CommandResult:
    return await run(ctx, station_id, GetLocalListVersion())


class EntryOut(BaseModel):
    id_token: str
    token_type: str | None
    status: str | None
    expires_at: datetime | None
    group_id: str | None


class LocalListOut(BaseModel):
    station_id: str
    version: int = Field(description="the last version the station accepted; 0: none yet")
    updated_at: datetime | None
    entries: list[EntryOut]


@router.get(
    "/stations/{station_id}/local-list",
    summary="The local authorization list the station holds (the last update it accepted)",
    responses=responses(401, 404, 422),
)
async def stored_local_list(station_id: str, _: Reader, ctx: Ctx) -> LocalListOut:
    found = await ctx.local_lists.get(station_id)
    return LocalListOut(
        station_id=station_id,
        version=found.version,
        updated_at=found.updated_at,
        entries=[
            EntryOut(
                id_token=e.id_token,
                token_type=e.token_type,
                status=e.status,
                expires_at=e.expires_at,
                group_id=e.group_id,
            )
            for e in found.entries
        ],
    )
