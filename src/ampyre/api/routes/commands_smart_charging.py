"""Smart charging commands: set, clear and get charging profiles, get the composite schedule;
and the profiles a station holds as we know them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, model_validator

from ampyre.api.auth import Operator, Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.problems import responses
from ampyre.api.routes.commands import COMMAND_PROBLEMS, Body, CommandResult, run
from ampyre.domain.smart_charging import (
    ChargingProfile,
    ChargingSchedule,
    ClearChargingProfile,
    GetChargingProfiles,
    GetCompositeSchedule,
    ProfileKind,
    ProfilePurpose,
    ProfileState,
    RateUnit,
    Recurrency,
    SchedulePeriod,
    SetChargingProfile,
    StoredProfile,
    problems,
    profile_document,
)

router = APIRouter(tags=["smart charging"])

Ctx = Annotated[ApiContext, Depends(context)]

#: 1.x calls the station's own maximum ChargePointMaxProfile: both spellings are taken
PurposeName = Literal[
    "ChargingStationMaxProfile", "ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"
]


def _purpose(name: PurposeName) -> ProfilePurpose:
    if name == "ChargePointMaxProfile":
        return ProfilePurpose.STATION_MAX
    return ProfilePurpose(name)


class PeriodBody(Body):
    start_s: int = Field(ge=0, description="seconds after the schedule's start")
    limit: float = Field(ge=0, description="in the schedule's unit (A or W)")
    phases: int | None = Field(default=None, ge=1, le=3)


class ScheduleBody(Body):
    unit: RateUnit = Field(description="A (amperes per phase) or W")
    periods: list[PeriodBody] = Field(min_length=1, max_length=1024)
    start: datetime | None = Field(default=None, description="absent: when the station gets it")
    duration_s: int | None = Field(default=None, ge=0)
    min_rate: float | None = Field(default=None, ge=0)


class ProfileBody(Body):
    id: int = Field(ge=1, description="the profile id; a profile with the same id is replaced")
    stack_level: int = Field(ge=0)
    purpose: PurposeName
    kind: ProfileKind = ProfileKind.ABSOLUTE
    recurrency: Recurrency | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    schedule: ScheduleBody


class SetProfileBody(Body):
    evse_id: int = Field(ge=0, description="0: the station as a whole (1.x connector 0)")
    transaction_id: int | None = Field(
        default=None, ge=1, description="TxProfile: our id of the running transaction it limits"
    )
    profile: ProfileBody

    def domain(self, transaction_ref: str | None = None) -> ChargingProfile:
        p = self.profile
        return ChargingProfile(
            id=p.id,
            stack_level=p.stack_level,
            purpose=_purpose(p.purpose),
            kind=p.kind,
            recurrency=p.recurrency,
            valid_from=p.valid_from,
            valid_to=p.valid_to,
            transaction_ref=transaction_ref,
            schedule=ChargingSchedule(
                unit=p.schedule.unit,
                start=p.schedule.start,
                duration_s=p.schedule.duration_s,
                min_rate=p.schedule.min_rate,
                periods=tuple(
                    SchedulePeriod(start_s=s.start_s, limit=s.limit, phases=s.phases)
                    for s in p.schedule.periods
                ),
            ),
        )

    @model_validator(mode="after")
    def _valid(self) -> Self:
        # a TxProfile's transaction is looked up later: a placeholder ref stands for it here
        ref = "?" if self.transaction_id is not None else None
        found = problems(self.evse_id, self.domain(ref))
        if self.profile.purpose == "TxProfile" and self.transaction_id is None:
            found.append("a TxProfile needs the transaction_id of the session it limits")
        if found:
            raise ValueError("invalid charging profile: " + "; ".join(found))
        return self


@router.post(
    "/stations/{station_id}/commands/set-charging-profile",
    summary="Install a charging profile",
    description="Installs (or replaces, same id) a profile on an EVSE or the whole station "
    "(evse_id 0). Accepted profiles are kept: GET /stations/{id}/charging-profiles. "
    "422 when the profile is invalid (periods, kind and recurrency, purpose and EVSE).",
    responses=COMMAND_PROBLEMS,
)
async def set_charging_profile(
    station_id: str, body: SetProfileBody, _: Operator, ctx: Ctx
) -> CommandResult:
    ref = None
    if body.transaction_id is not None:
        ref = await ctx.smart_charging.transaction_ref(station_id, body.transaction_id)
    command = SetChargingProfile(
        evse_id=body.evse_id, profile=body.domain(ref), transaction_id=body.transaction_id
    )
    return await run(ctx, station_id, command)


class ClearProfileBody(Body):
    profile_id: int | None = Field(
        default=None, ge=1, description="one profile by id (the other criteria then do not count)"
    )
    evse_id: int | None = Field(default=None, ge=0)
    purpose: PurposeName | None = None
    stack_level: int | None = Field(default=None, ge=0)


@router.post(
    "/stations/{station_id}/commands/clear-charging-profile",
    summary="Clear charging profiles",
    description="By id, or every profile matching EVSE, purpose and stack level (none given: "
    "all). The station answers Unknown when none matched; nothing changes then.",
    responses=COMMAND_PROBLEMS,
)
async def clear_charging_profile(
    station_id: str, body: ClearProfileBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = ClearChargingProfile(
        profile_id=body.profile_id,
        evse_id=body.evse_id,
        purpose=None if body.purpose is None else _purpose(body.purpose),
        stack_level=body.stack_level,
    )
    return await run(ctx, station_id, command)


class GetProfilesBody(Body):
    evse_id: int | None = Field(default=None, ge=0)
    purpose: PurposeName | None = None
    stack_level: int | None = Field(default=None, ge=0)
    profile_ids: list[int] = Field(default_factory=list, max_length=100)
    sources: list[Literal["EMS", "Other", "SO", "CSO"]] = Field(
        default_factory=list, max_length=4, description="who set the limits (CSO: us)"
    )


@router.post(
    "/stations/{station_id}/commands/get-charging-profiles",
    summary="Ask the station to report its charging profiles",
    description="2.0.1 only (1.6 has no such message: 409; what we installed is at GET "
    "/stations/{id}/charging-profiles). The reports arrive after the answer, with the "
    "command id as their requestId: GET /commands/{id}/reports.",
    responses=COMMAND_PROBLEMS,
)
async def get_charging_profiles(
    station_id: str, body: GetProfilesBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = GetChargingProfiles(
        evse_id=body.evse_id,
        purpose=None if body.purpose is None else _purpose(body.purpose),
        stack_level=body.stack_level,
        profile_ids=tuple(body.profile_ids),
        sources=tuple(body.sources),
    )
    return await run(ctx, station_id, command)


class CompositeBody(Body):
    evse_id: int = Field(ge=0, description="0: the station as a whole")
    duration_s: int = Field(ge=1, le=7 * 24 * 3600)
    unit: RateUnit | None = Field(default=None, description="absent: the station chooses")


@router.post(
    "/stations/{station_id}/commands/get-composite-schedule",
    summary="The limits the station will apply",
    description="`result.schedule`: evse_id, start, duration_s, unit and periods "
    "(start_s, limit, phases), whatever the version.",
    responses=COMMAND_PROBLEMS,
)
async def get_composite_schedule(
    station_id: str, body: CompositeBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = GetCompositeSchedule(evse_id=body.evse_id, duration_s=body.duration_s, unit=body.unit)
    return await run(ctx, station_id, command)


# --- what is kept -----------------------------------------------------------------------------


class InstalledProfile(BaseModel):
    evse_id: int
    profile: dict[str, Any] = Field(description="the profile as sent, in neutral shape")
    state: ProfileState = Field(
        description="`installed`; `cleared`, `replaced`, or `ended` with its transaction"
    )
    transaction_id: int | None
    set_by: int = Field(description="the set-charging-profile command")
    installed_at: datetime
    ended_at: datetime | None
    ended_by: int | None = Field(description="the command that cleared or replaced it")


def _installed(stored: StoredProfile) -> InstalledProfile:
    return InstalledProfile(
        evse_id=stored.evse_id,
        profile=profile_document(stored.profile),
        state=stored.state,
        transaction_id=stored.transaction_id,
        set_by=stored.set_by,
        installed_at=stored.installed_at,
        ended_at=stored.ended_at,
        ended_by=stored.ended_by,
    )


@router.get(
    "/stations/{station_id}/charging-profiles",
    summary="The charging profiles a station holds, as we know them",
    description="What its accepted set-charging-profile commands installed and no accepted "
    "clear or later profile ended. `history=true` adds the ended ones.",
    responses=responses(401, 404, 422),
)
async def charging_profiles(
    station_id: str,
    _: Reader,
    ctx: Ctx,
    history: Annotated[bool, Query()] = False,
) -> list[InstalledProfile]:
    found = await ctx.smart_charging.profiles(station_id, installed_only=not history)
    return [_installed(p) for p in found]
