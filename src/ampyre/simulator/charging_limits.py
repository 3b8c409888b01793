"""Charging-profile arithmetic for simulated stations, version-neutral and pure.

Plain values in, plain values out: each OCPP version's agent turns its wire profiles into
`Profile` values (1.6 ChargePointMaxProfile → `Purpose.STATION_MAX`, 2.0.1
ChargingStationMaxProfile likewise) and asks for the limit in force at an instant
(`limit_w`) or for a composite schedule over a window (`composite`). No clock reads: every
instant is passed in.

Precedence (OCPP 1.6 §3.13, 2.0.1 K01): within a purpose the valid profile in effect with the
highest stack level prevails (an EVSE's own TxDefault beats a station-wide one of the same
level); a TxProfile overrules the TxDefault for its transaction; the result is the minimum of
that and the station maximum. A station-wide maximum is applied to each EVSE on its own: the
simulator does not share it out between EVSEs (a real station balances it across them).
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

DAY_S = 86_400
WEEK_S = 7 * DAY_S
#: breakpoints considered in one composite window (keeps absurd requests cheap)
MAX_BREAKPOINTS = 10_000


class Purpose(enum.StrEnum):
    STATION_MAX = "station-max"
    TX_DEFAULT = "tx-default"
    TX = "tx"


class Kind(enum.StrEnum):
    ABSOLUTE = "Absolute"
    RECURRING = "Recurring"
    RELATIVE = "Relative"


class Recurrency(enum.StrEnum):
    DAILY = "Daily"
    WEEKLY = "Weekly"


class Unit(enum.StrEnum):
    W = "W"
    A = "A"


@dataclasses.dataclass(frozen=True)
class Period:
    start_s: int
    limit: float
    phases: int | None = None


@dataclasses.dataclass(frozen=True)
class Profile:
    """A charging profile. `evse_id` 0 is the station; `transaction_id` None: any transaction."""

    id: int
    evse_id: int
    stack_level: int
    purpose: Purpose
    kind: Kind
    unit: Unit
    periods: tuple[Period, ...]
    start: datetime | None = None
    duration_s: int | None = None
    recurrency: Recurrency | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    transaction_id: str | None = None


@dataclasses.dataclass(frozen=True)
class Supply:
    """How amperes become watts: volts per phase and the phases the car draws on."""

    voltage: float = 230.0
    phases: int = 3

    def watts(self, limit: float, unit: Unit, phases: int | None = None) -> float:
        if unit is Unit.W:
            return limit
        used = self.phases if phases is None else min(phases, self.phases)
        return limit * self.voltage * max(used, 1)

    def amperes(self, watts: float) -> float:
        return watts / (self.voltage * max(self.phases, 1))


@dataclasses.dataclass(frozen=True)
class Context:
    """What the limit depends on besides the profiles, for one EVSE.

    `session_start` is the origin of Relative profiles (None: no session; Relative profiles
    then start at the instant asked about, as for a session starting now); `transaction_id`
    selects TxProfiles; `in_session` False ignores TxProfiles (they exist only in a session).
    """

    evse_id: int
    supply: Supply = Supply()
    in_session: bool = True
    session_start: datetime | None = None
    transaction_id: str | None = None


def _occurrence(profile: Profile, at: datetime, origin: datetime) -> datetime | None:
    """Start of the schedule occurrence covering `at`, or None before the schedule starts."""
    if profile.kind is Kind.RELATIVE:
        start = origin
    elif profile.start is None:
        return None
    else:
        start = profile.start
    if profile.kind is Kind.RECURRING:
        if at < start:
            return None
        period = WEEK_S if profile.recurrency is Recurrency.WEEKLY else DAY_S
        cycles = int((at - start).total_seconds() // period)
        start += timedelta(seconds=cycles * period)
    return start if at >= start else None


def _length_s(profile: Profile) -> float | None:
    """How long one occurrence lasts (None: forever). A recurrence cuts its schedule short."""
    if profile.kind is Kind.RECURRING:
        period = WEEK_S if profile.recurrency is Recurrency.WEEKLY else DAY_S
        return float(min(profile.duration_s or period, period))
    return None if profile.duration_s is None else float(profile.duration_s)


def period_at(profile: Profile, at: datetime, origin: datetime) -> Period | None:
    """The schedule period of `profile` in force at `at` (None: the profile is not in effect)."""
    if profile.valid_from is not None and at < profile.valid_from:
        return None
    if profile.valid_to is not None and at >= profile.valid_to:
        return None
    start = _occurrence(profile, at, origin)
    if start is None:
        return None
    offset = (at - start).total_seconds()
    length = _length_s(profile)
    if length is not None and offset >= length:
        return None
    current: Period | None = None
    for period in profile.periods:  # sorted by start_s
        if period.start_s <= offset:
            current = period
    return current


def _prevailing(
    profiles: Iterable[Profile], at: datetime, origin: datetime, evse_id: int
) -> tuple[Profile, Period] | None:
    best: tuple[Profile, Period] | None = None
    for profile in profiles:
        period = period_at(profile, at, origin)
        if period is None:
            continue
        rank = (profile.stack_level, profile.evse_id == evse_id)
        if best is None or rank > (best[0].stack_level, best[0].evse_id == evse_id):
            best = (profile, period)
    return best


def limit_w(profiles: Sequence[Profile], ctx: Context, at: datetime) -> float | None:
    """The tightest limit in force for the EVSE at `at`, in W (None: no limit applies).

    For EVSE 0 (the station itself) only the station maximum counts.
    """
    origin = ctx.session_start or at
    limits: list[float] = []
    station = [p for p in profiles if p.purpose is Purpose.STATION_MAX]
    chosen = _prevailing(station, at, origin, 0)
    if chosen is not None:
        limits.append(ctx.supply.watts(chosen[1].limit, chosen[0].unit, chosen[1].phases))
    if ctx.evse_id != 0:
        tx = [
            p
            for p in profiles
            if p.purpose is Purpose.TX
            and ctx.in_session
            and p.evse_id == ctx.evse_id
            and (p.transaction_id is None or p.transaction_id == ctx.transaction_id)
        ]
        chosen = _prevailing(tx, at, origin, ctx.evse_id)
        if chosen is None:
            defaults = [
                p
                for p in profiles
                if p.purpose is Purpose.TX_DEFAULT and p.evse_id in (0, ctx.evse_id)
            ]
            chosen = _prevailing(defaults, at, origin, ctx.evse_id)
        if chosen is not None:
            limits.append(ctx.supply.watts(chosen[1].limit, chosen[0].unit, chosen[1].phases))
    return min(limits) if limits else None


def _breakpoints(profile: Profile, start: datetime, end: datetime, origin: datetime) -> set[float]:
    """Offsets (s from `start`) inside the window where `profile` may change its limit."""
    edges: list[datetime] = [t for t in (profile.valid_from, profile.valid_to) if t is not None]
    first = origin if profile.kind is Kind.RELATIVE else profile.start
    if first is not None:
        length = _length_s(profile)
        cycle: float | None = None
        if profile.kind is Kind.RECURRING:
            cycle = WEEK_S if profile.recurrency is Recurrency.WEEKLY else DAY_S
            if start > first:
                skipped = int((start - first).total_seconds() // cycle)
                first += timedelta(seconds=skipped * cycle)
        occurrence = first
        while occurrence <= end and len(edges) < MAX_BREAKPOINTS:
            edges += [occurrence + timedelta(seconds=p.start_s) for p in profile.periods]
            if length is not None:
                edges.append(occurrence + timedelta(seconds=length))
            if cycle is None:
                break
            occurrence += timedelta(seconds=cycle)
    return {(t - start).total_seconds() for t in edges if start < t < end}


def composite(
    profiles: Sequence[Profile],
    ctx: Context,
    start: datetime,
    duration_s: int,
    unlimited_w: float,
    unit: Unit = Unit.W,
) -> list[Period]:
    """The composite schedule from `start` for `duration_s` seconds: the limit in force per
    interval (the minimum over purposes, after stacking), in `unit`, equal neighbours merged.

    Intervals without any limit get `unlimited_w` (e.g. the station's rating). Periods start
    on whole seconds, as the wire has it. Relative profiles without a session start at `start`.
    """
    origin = ctx.session_start or start
    fixed = dataclasses.replace(ctx, session_start=origin)
    end = start + timedelta(seconds=max(duration_s, 0))
    offsets = {0}
    for profile in profiles:
        offsets |= {math.ceil(x) for x in _breakpoints(profile, start, end, origin)}
    result: list[Period] = []
    for offset in sorted(offsets)[:MAX_BREAKPOINTS]:
        if offset >= duration_s > 0:
            break
        watts = limit_w(profiles, fixed, start + timedelta(seconds=offset))
        if watts is None:
            watts = unlimited_w
        value = watts if unit is Unit.W else ctx.supply.amperes(watts)
        value = round(value, 1)
        if result and result[-1].limit == value:
            continue
        phases = None if unit is Unit.W else ctx.supply.phases
        result.append(Period(offset, value, phases))
    return result


def next_change(
    profiles: Sequence[Profile], ctx: Context, at: datetime, horizon_s: int = DAY_S
) -> float | None:
    """Seconds from `at` until the limit may next change (None: not within `horizon_s`)."""
    origin = ctx.session_start or at
    end = at + timedelta(seconds=horizon_s)
    offsets: set[float] = set()
    for profile in profiles:
        offsets |= _breakpoints(profile, at, end, origin)
    return min(offsets) if offsets else None
