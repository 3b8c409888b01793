"""Smart charging in no version's words: charging profiles and the commands that handle them.

A profile limits what an EVSE (or the whole station, EVSE 0) may draw over time: a schedule
of periods, each a limit in amperes or watts from a number of seconds after the schedule's
start. `problems` says what makes a profile invalid before anything is sent.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
from datetime import datetime
from typing import Any, ClassVar

from ampyre.domain.commands import Command


class ProfilePurpose(enum.StrEnum):
    """What a profile limits: the whole station (1.x ChargePointMaxProfile), sessions that
    have none of their own, or one session."""

    STATION_MAX = "ChargingStationMaxProfile"
    TX_DEFAULT = "TxDefaultProfile"
    TX = "TxProfile"


class ProfileKind(enum.StrEnum):
    ABSOLUTE = "Absolute"
    RECURRING = "Recurring"
    RELATIVE = "Relative"


class Recurrency(enum.StrEnum):
    DAILY = "Daily"
    WEEKLY = "Weekly"


class RateUnit(enum.StrEnum):
    A = "A"
    W = "W"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SchedulePeriod:
    """From `start_s` seconds after the schedule's start, at most `limit` (in its unit)."""

    start_s: int
    limit: float
    phases: int | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ChargingSchedule:
    unit: RateUnit
    periods: tuple[SchedulePeriod, ...]
    start: datetime | None = None
    duration_s: int | None = None
    min_rate: float | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ChargingProfile:
    """A profile as the operator defines it. `transaction_ref` is the station's name for the
    session of a TxProfile (the API takes our transaction id and looks it up)."""

    id: int
    stack_level: int
    purpose: ProfilePurpose
    kind: ProfileKind
    schedule: ChargingSchedule
    recurrency: Recurrency | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    transaction_ref: str | None = None


def problems(evse_id: int, profile: ChargingProfile) -> list[str]:
    """What makes `profile` on `evse_id` invalid in every version (empty: it is valid)."""
    found: list[str] = []
    periods = profile.schedule.periods
    if not periods:
        found.append("a schedule needs at least one period")
    else:
        starts = [p.start_s for p in periods]
        if starts[0] != 0:
            found.append("the first period must start at start_s 0")
        if any(b <= a for a, b in itertools.pairwise(starts)):
            found.append("periods must be in increasing start_s order, without repeats")
    if any(p.limit < 0 for p in periods):
        found.append("a limit cannot be negative")
    if any(p.phases is not None and not 1 <= p.phases <= 3 for p in periods):
        found.append("phases must be 1, 2 or 3")
    if profile.kind is ProfileKind.RECURRING and profile.recurrency is None:
        found.append("a Recurring profile needs its recurrency (Daily or Weekly)")
    if profile.kind is not ProfileKind.RECURRING and profile.recurrency is not None:
        found.append("recurrency is for Recurring profiles only")
    if profile.kind is ProfileKind.RECURRING and profile.schedule.start is None:
        found.append("a Recurring profile needs the schedule's start")
    if profile.kind is ProfileKind.RELATIVE and profile.schedule.start is not None:
        found.append("a Relative profile starts with its session: leave the schedule's start out")
    if (
        profile.valid_from is not None
        and profile.valid_to is not None
        and profile.valid_from >= profile.valid_to
    ):
        found.append("valid_from must be before valid_to")
    if profile.purpose is ProfilePurpose.TX:
        if evse_id == 0:
            found.append("a TxProfile applies to an EVSE: evse_id must be 1 or more")
    elif profile.transaction_ref is not None:
        found.append("only a TxProfile names a transaction")
    if profile.purpose is ProfilePurpose.STATION_MAX and evse_id != 0:
        found.append("a ChargingStationMaxProfile applies to the whole station: evse_id 0")
    return found


# --- as JSON ---------------------------------------------------------------------------------


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def profile_document(profile: ChargingProfile) -> dict[str, Any]:
    """The profile as JSON (stored, and shown by the API)."""
    schedule = profile.schedule
    return {
        "id": profile.id,
        "stack_level": profile.stack_level,
        "purpose": profile.purpose.value,
        "kind": profile.kind.value,
        "recurrency": None if profile.recurrency is None else profile.recurrency.value,
        "valid_from": _time(profile.valid_from),
        "valid_to": _time(profile.valid_to),
        "transaction_ref": profile.transaction_ref,
        "schedule": {
            "unit": schedule.unit.value,
            "start": _time(schedule.start),
            "duration_s": schedule.duration_s,
            "min_rate": schedule.min_rate,
            "periods": [
                {"start_s": p.start_s, "limit": p.limit, "phases": p.phases}
                for p in schedule.periods
            ],
        },
    }


def profile_from_document(document: dict[str, Any]) -> ChargingProfile:
    schedule = document["schedule"]
    recurrency = document.get("recurrency")
    return ChargingProfile(
        id=document["id"],
        stack_level=document["stack_level"],
        purpose=ProfilePurpose(document["purpose"]),
        kind=ProfileKind(document["kind"]),
        recurrency=None if recurrency is None else Recurrency(recurrency),
        valid_from=_parse(document.get("valid_from")),
        valid_to=_parse(document.get("valid_to")),
        transaction_ref=document.get("transaction_ref"),
        schedule=ChargingSchedule(
            unit=RateUnit(schedule["unit"]),
            start=_parse(schedule.get("start")),
            duration_s=schedule.get("duration_s"),
            min_rate=schedule.get("min_rate"),
            periods=tuple(
                SchedulePeriod(start_s=p["start_s"], limit=p["limit"], phases=p.get("phases"))
                for p in schedule["periods"]
            ),
        ),
    )


# --- the commands -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SetChargingProfile(Command):
    """Install (or replace: same id) `profile` on `evse_id` (0: the station as a whole)."""

    name: ClassVar[str] = "set-charging-profile"
    evse_id: int
    profile: ChargingProfile
    #: our id of the TxProfile's session (kept with the profile; the station gets its ref)
    transaction_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ClearChargingProfile(Command):
    """Clear the profile `profile_id`, or every profile matching the other criteria (none
    given: every profile the central system installed)."""

    name: ClassVar[str] = "clear-charging-profile"
    profile_id: int | None = None
    evse_id: int | None = None
    purpose: ProfilePurpose | None = None
    stack_level: int | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GetChargingProfiles(Command):
    """Ask the station to report its profiles matching the criteria; the reports carry the
    command id as their requestId (`request_id` is filled in by the command service)."""

    name: ClassVar[str] = "get-charging-profiles"
    evse_id: int | None = None
    purpose: ProfilePurpose | None = None
    stack_level: int | None = None
    profile_ids: tuple[int, ...] = ()
    sources: tuple[str, ...] = ()
    request_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GetCompositeSchedule(Command):
    """The limits the station will apply on `evse_id` (0: the station) for `duration_s`."""

    name: ClassVar[str] = "get-composite-schedule"
    evse_id: int
    duration_s: int
    unit: RateUnit | None = None


# --- what is kept -----------------------------------------------------------------------------


class ProfileState(enum.StrEnum):
    INSTALLED = "installed"
    CLEARED = "cleared"
    #: another profile with its id (or its EVSE, purpose and stack level) replaced it
    REPLACED = "replaced"
    #: a TxProfile whose session is over (the station drops it with the session)
    ENDED = "ended"


@dataclasses.dataclass(slots=True)
class StoredProfile:
    """A profile the station accepted, as we know it: installed until cleared or replaced."""

    station_id: str
    evse_id: int
    profile: ChargingProfile
    state: ProfileState
    set_by: int
    installed_at: datetime
    transaction_id: int | None = None
    ended_at: datetime | None = None
    ended_by: int | None = None
    #: the row's own id (0 until stored)
    id: int = 0
