"""OCPP 2.0.1 smart charging (K) for the simulated station: profiles kept, limits followed.

Each profile is kept as sent (for ReportChargingProfiles) and as a `charging_limits.Profile`
(for the arithmetic), and mirrored into `model.charging_profiles` as plain dicts with their
evseId. Whenever the profiles, a session or a schedule period change, each EVSE's `limit_w` is
recomputed, so `model.advance` really charges at the tightest limit in force (amperes become
watts with the session's voltage x phases). Only the first of up to three schedules is used:
the others carry ISO 15118 sales tariffs, which this station does not speak.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import TYPE_CHECKING

import msgspec
from msgspec.structs import replace

from ampyre.messages.v201 import types as m
from ampyre.simulator import charging_limits as cl
from ampyre.simulator.limit_follower import LimitFollower
from ampyre.simulator.model import Evse, Session

if TYPE_CHECKING:
    from ampyre.simulator.agent_v201 import AgentV201, Handler

log = logging.getLogger("ampyre.simulator")

P = m.ChargingProfilePurposeEnumType
PURPOSES = {
    P.ChargingStationMaxProfile: cl.Purpose.STATION_MAX,
    P.TxDefaultProfile: cl.Purpose.TX_DEFAULT,
    P.TxProfile: cl.Purpose.TX,
}
MAX_PROFILES = 16  # SmartChargingCtrlr.Entries(ChargingProfiles) maxLimit


@dataclasses.dataclass(frozen=True)
class Installed:
    evse_id: int
    wire: m.ChargingProfileType
    profile: cl.Profile


def to_profile(evse_id: int, wire: m.ChargingProfileType, received: datetime) -> cl.Profile:
    schedule = wire.chargingSchedule[0]
    kind = cl.Kind(wire.chargingProfileKind.value)
    start = schedule.startSchedule
    if start is None and kind is not cl.Kind.RELATIVE:
        start = received  # a schedule without a start begins when the station gets it
    return cl.Profile(
        id=wire.id,
        evse_id=evse_id,
        stack_level=wire.stackLevel,
        purpose=PURPOSES[wire.chargingProfilePurpose],
        kind=kind,
        unit=cl.Unit(schedule.chargingRateUnit.value),
        periods=tuple(
            cl.Period(p.startPeriod, p.limit, p.numberPhases)
            for p in schedule.chargingSchedulePeriod
        ),
        start=start,
        duration_s=schedule.duration,
        recurrency=None if wire.recurrencyKind is None else cl.Recurrency(wire.recurrencyKind),
        valid_from=wire.validFrom,
        valid_to=wire.validTo,
        transaction_id=wire.transactionId,
    )


def _overlap(a: m.ChargingProfileType, b: m.ChargingProfileType) -> bool:
    """Whether two validity periods overlap (an open end is unbounded)."""
    starts_before_b_ends = b.validTo is None or a.validFrom is None or a.validFrom < b.validTo
    ends_after_b_starts = a.validTo is None or b.validFrom is None or a.validTo > b.validFrom
    return starts_before_b_ends and ends_after_b_starts


def _info(reason: str | None) -> m.StatusInfoType | None:
    return None if reason is None else m.StatusInfoType(reasonCode=reason)


class SmartCharging:
    def __init__(self, agent: AgentV201) -> None:
        self.agent = agent
        self.installed: list[Installed] = []
        #: EVSE → the TxProfile of an accepted RequestStartTransaction, installed at the start
        self.pending: dict[int, m.ChargingProfileType] = {}
        self.limits = LimitFollower(
            agent.station, lambda: [i.profile for i in self.installed], lambda s: s.local_id
        )

    def handlers(self) -> dict[str, Handler]:
        return {
            "SetChargingProfile": self.set_charging_profile,
            "ClearChargingProfile": self.clear_charging_profile,
            "GetChargingProfiles": self.get_charging_profiles,
            "GetCompositeSchedule": self.get_composite_schedule,
        }

    def enabled(self) -> bool:
        return self.agent.device_model.enabled("SmartChargingCtrlr.Enabled")

    def _units(self) -> set[str]:
        value = self.agent.device_model.config("SmartChargingCtrlr.RateUnit", "A,W")
        return {u.strip() for u in value.split(",")}

    # --- requests -------------------------------------------------------------------------------

    def refusal(self, evse_id: int, wire: m.ChargingProfileType) -> str | None:
        """Why the station cannot take this profile on this EVSE (a reason code), or None."""
        model = self.agent.station.model
        dm = self.agent.device_model
        purpose = wire.chargingProfilePurpose
        if evse_id != 0 and evse_id not in {e.id for e in model.evses}:
            return "UnknownEvse"
        if purpose == P.ChargingStationExternalConstraints:
            return "InvalidProfile"  # only an external system sets those (K01.FR.22)
        if purpose == P.ChargingStationMaxProfile and evse_id != 0:
            return "InvalidProfile"
        if purpose == P.TxProfile:
            if evse_id == 0:
                return "InvalidProfile"
            if wire.transactionId is None:
                return "MissingParam"
            session = model.evse(evse_id).session
            if session is None or session.ended or session.local_id != wire.transactionId:
                return "TxNotFound"
        if not 0 <= wire.stackLevel <= dm.integer("SmartChargingCtrlr.ProfileStackLevel", 8):
            return "InvalidStackLevel"
        if len(wire.chargingSchedule) > 1:
            return "UnsupportedParam"  # several schedules are for ISO 15118 sales tariffs
        schedule = wire.chargingSchedule[0]
        periods = schedule.chargingSchedulePeriod
        if len(periods) > dm.integer("SmartChargingCtrlr.PeriodsPerSchedule", 24):
            return "TooManyElements"
        starts = [p.startPeriod for p in periods]
        if starts[0] != 0 or starts != sorted(set(starts)) or any(p.limit < 0 for p in periods):
            return "InvalidSchedule"
        if schedule.chargingRateUnit.value not in self._units():
            return "UnsupportedRateUnit"
        if (
            wire.chargingProfileKind == m.ChargingProfileKindEnumType.Recurring
            and wire.recurrencyKind is None
        ):
            return "InvalidProfile"
        for other in self.installed:
            if (
                other.evse_id == evse_id
                and other.wire.id != wire.id
                and other.wire.stackLevel == wire.stackLevel
                and other.wire.chargingProfilePurpose == purpose
                and _overlap(other.wire, wire)
            ):
                return "DuplicateProfile"  # K01.FR.06
        return None

    def install(self, evse_id: int, wire: m.ChargingProfileType) -> str | None:
        """Add or replace (same id) a profile; the reason code when refused."""
        reason = self.refusal(evse_id, wire)
        if reason is not None:
            return reason
        kept = [i for i in self.installed if i.wire.id != wire.id]
        if len(kept) >= MAX_PROFILES:
            return "OutOfStorage"
        profile = to_profile(evse_id, wire, self.agent.station.now())
        self.installed = [*kept, Installed(evse_id, wire, profile)]
        self.changed()
        return None

    async def set_charging_profile(
        self, req: m.SetChargingProfileRequest
    ) -> m.SetChargingProfileResponse:
        status = m.ChargingProfileStatusEnumType
        if not self.enabled():
            return m.SetChargingProfileResponse(
                status=status.Rejected, statusInfo=_info("NotEnabled")
            )
        self.follow()
        reason = self.install(req.evseId, req.chargingProfile)
        if reason is not None:
            log.info("%s: charging profile refused: %s", self.agent.station.station_id, reason)
            return m.SetChargingProfileResponse(status=status.Rejected, statusInfo=_info(reason))
        return m.SetChargingProfileResponse(status=status.Accepted)

    async def clear_charging_profile(
        self, req: m.ClearChargingProfileRequest
    ) -> m.ClearChargingProfileResponse:
        criteria = req.chargingProfileCriteria

        def chosen(item: Installed) -> bool:
            if req.chargingProfileId is not None:
                return item.wire.id == req.chargingProfileId
            if criteria is None:
                return True
            return (
                criteria.evseId in (None, item.evse_id)
                and criteria.chargingProfilePurpose in (None, item.wire.chargingProfilePurpose)
                and criteria.stackLevel in (None, item.wire.stackLevel)
            )

        kept = [i for i in self.installed if not chosen(i)]
        status = m.ClearChargingProfileStatusEnumType
        if len(kept) == len(self.installed):
            return m.ClearChargingProfileResponse(status=status.Unknown)
        self.installed = kept
        self.changed()
        return m.ClearChargingProfileResponse(status=status.Accepted)

    async def get_charging_profiles(
        self, req: m.GetChargingProfilesRequest
    ) -> m.GetChargingProfilesResponse:
        wanted = req.chargingProfile
        sources = wanted.chargingLimitSource
        chosen = [
            i
            for i in self.installed
            if req.evseId in (None, i.evse_id)
            and wanted.chargingProfilePurpose in (None, i.wire.chargingProfilePurpose)
            and wanted.stackLevel in (None, i.wire.stackLevel)
            and (not wanted.chargingProfileId or i.wire.id in wanted.chargingProfileId)
            and (not sources or m.ChargingLimitSourceEnumType.CSO in sources)
        ]
        if not chosen:
            return m.GetChargingProfilesResponse(
                status=m.GetChargingProfileStatusEnumType.NoProfiles
            )
        self.agent._later(self._report(req.requestId, chosen))
        return m.GetChargingProfilesResponse(status=m.GetChargingProfileStatusEnumType.Accepted)

    async def _report(self, request_id: int, chosen: list[Installed]) -> None:
        by_evse: dict[int, list[m.ChargingProfileType]] = {}
        for item in chosen:
            by_evse.setdefault(item.evse_id, []).append(item.wire)
        for index, (evse_id, profiles) in enumerate(by_evse.items()):
            await self.agent.call(
                "ReportChargingProfiles",
                m.ReportChargingProfilesRequest(
                    requestId=request_id,
                    chargingLimitSource=m.ChargingLimitSourceEnumType.CSO,
                    chargingProfile=profiles,
                    tbc=index < len(by_evse) - 1,
                    evseId=evse_id,
                ),
            )

    async def get_composite_schedule(
        self, req: m.GetCompositeScheduleRequest
    ) -> m.GetCompositeScheduleResponse:
        station = self.agent.station
        model = station.model
        rejected = m.GenericStatusEnumType.Rejected
        evse = self.agent.evse(req.evseId)
        if req.evseId != 0 and evse is None:
            return m.GetCompositeScheduleResponse(status=rejected, statusInfo=_info("UnknownEvse"))
        unit_asked = req.chargingRateUnit
        if unit_asked is not None and unit_asked.value not in self._units():
            reason = _info("UnsupportedRateUnit")
            return m.GetCompositeScheduleResponse(status=rejected, statusInfo=reason)
        now = station.now().replace(microsecond=0)
        ctx = self.context(evse)
        unit = cl.Unit(unit_asked.value) if unit_asked is not None else self._unit(req.evseId)
        # without any limit the rating applies: the curve's maximum, per EVSE
        rating = station.curve.max_power_w * (len(model.evses) if req.evseId == 0 else 1)
        profiles = [i.profile for i in self.installed]
        periods = cl.composite(profiles, ctx, now, req.duration, rating, unit)
        schedule = m.CompositeScheduleType(
            evseId=req.evseId,
            duration=req.duration,
            scheduleStart=now,
            chargingRateUnit=m.ChargingRateUnitEnumType(unit.value),
            chargingSchedulePeriod=[
                m.ChargingSchedulePeriodType(
                    startPeriod=p.start_s, limit=p.limit, numberPhases=p.phases
                )
                for p in periods
            ],
        )
        return m.GetCompositeScheduleResponse(
            status=m.GenericStatusEnumType.Accepted, schedule=schedule
        )

    def _unit(self, evse_id: int) -> cl.Unit:
        """A when every profile that may apply is in A; else W."""
        units = {i.profile.unit for i in self.installed if i.evse_id in (0, evse_id)}
        return cl.Unit.A if units == {cl.Unit.A} else cl.Unit.W

    # --- following the limits -------------------------------------------------------------------

    def context(self, evse: Evse | None) -> cl.Context:
        """The limit context of an EVSE (None: the station as a whole)."""
        return self.limits.context(evse)

    def session_started(self, session: Session) -> None:
        wire = self.pending.pop(session.evse_id, None)
        if wire is not None:
            wire = replace(wire, transactionId=session.local_id)
            if self.install(session.evse_id, wire) is not None:
                log.info("%s: RequestStart profile not installed", self.agent.station.station_id)
        self.changed()

    def session_ended(self, session: Session) -> None:
        """A TxProfile ends with its transaction (K01.FR.?)."""
        self.installed = [
            i
            for i in self.installed
            if not (i.profile.purpose is cl.Purpose.TX and i.evse_id == session.evse_id)
        ]
        self.changed()

    def changed(self) -> None:
        self.agent.station.model.charging_profiles = [
            {"evseId": i.evse_id, **msgspec.to_builtins(i.wire)} for i in self.installed
        ]
        self.limits.changed()

    def follow(self) -> None:
        """From a request handler: keep the limits following the schedules from now on."""
        self.limits.follow()
