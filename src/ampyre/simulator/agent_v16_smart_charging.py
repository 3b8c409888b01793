"""OCPP 1.6 smart charging for the simulated station: profiles kept, limits followed.

The profiles live here as `charging_limits.Profile` values (mirrored, as plain dicts, into
`model.charging_profiles`). Whenever they, a session or the schedule's period changes, each
EVSE's `limit_w` is recomputed, so `model.advance` really charges at the limit.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from ampyre.messages.v16 import types as m
from ampyre.simulator import charging_limits as cl
from ampyre.simulator.agent_v16_reservations import _int_config, features
from ampyre.simulator.limit_follower import LimitFollower
from ampyre.simulator.model import Evse, Session

if TYPE_CHECKING:
    from ampyre.simulator.agent_v16 import AgentV16, Handler

log = logging.getLogger("ampyre.simulator")

PURPOSES = {
    m.ChargingProfilePurposeType.ChargePointMaxProfile: cl.Purpose.STATION_MAX,
    m.ChargingProfilePurposeType.TxDefaultProfile: cl.Purpose.TX_DEFAULT,
    m.ChargingProfilePurposeType.TxProfile: cl.Purpose.TX,
}
CONFIG = {
    "ChargeProfileMaxStackLevel": "8",
    "ChargingScheduleAllowedChargingRateUnit": "Current,Power",
    "ChargingScheduleMaxPeriods": "24",
    "MaxChargingProfilesInstalled": "16",
    "ConnectorSwitch3to1PhaseSupported": "false",
}
READ_ONLY = set(CONFIG)


def to_profile(evse_id: int, wire: m.ChargingProfile, received: datetime) -> cl.Profile:
    schedule = wire.chargingSchedule
    kind = cl.Kind(wire.chargingProfileKind.value)
    start = schedule.startSchedule
    if start is None and kind is not cl.Kind.RELATIVE:
        start = received  # a schedule without a start begins when the station gets it
    return cl.Profile(
        id=wire.chargingProfileId,
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
        transaction_id=None if wire.transactionId is None else str(wire.transactionId),
    )


class SmartCharging:
    def __init__(self, agent: AgentV16) -> None:
        self.agent = agent
        self.profiles: list[cl.Profile] = []
        #: EVSE → the TxProfile of an accepted RemoteStartTransaction, installed at the start
        self.pending: dict[int, m.ChargingProfile] = {}
        self.limits = LimitFollower(
            agent.station,
            lambda: self.profiles,
            lambda s: None if s.csms_id is None else str(s.csms_id),
        )

    def handlers(self) -> dict[str, Handler]:
        return {
            "SetChargingProfile": self.set_charging_profile,
            "ClearChargingProfile": self.clear_charging_profile,
            "GetCompositeSchedule": self.get_composite_schedule,
        }

    def supported(self) -> bool:
        return "SmartCharging" in features(self.agent)

    # --- requests -------------------------------------------------------------------------------

    def refusal(self, connector_id: int, wire: m.ChargingProfile) -> str | None:
        """Why the station cannot take this profile on this connector (None: it can)."""
        model = self.agent.station.model
        schedule = wire.chargingSchedule
        periods = schedule.chargingSchedulePeriod
        purpose = wire.chargingProfilePurpose
        units = self.agent.station.model.config.get("ChargingScheduleAllowedChargingRateUnit", "")
        unit_name = "Power" if schedule.chargingRateUnit == m.ChargingRateUnitType.W else "Current"
        if connector_id != 0 and connector_id not in {e.id for e in model.evses}:
            return f"no connector {connector_id}"
        if purpose == m.ChargingProfilePurposeType.ChargePointMaxProfile and connector_id != 0:
            return "ChargePointMaxProfile only on connector 0"
        if purpose == m.ChargingProfilePurposeType.TxProfile:
            if connector_id == 0:
                return "TxProfile only on a connector > 0"
            session = model.evse(connector_id).session
            if session is None or session.ended:
                return "TxProfile without a transaction on the connector"
            if wire.transactionId is not None and wire.transactionId != session.csms_id:
                return f"transaction {wire.transactionId} is not running on the connector"
        if not 0 <= wire.stackLevel <= _int_config(self.agent, "ChargeProfileMaxStackLevel", 8):
            return f"stackLevel {wire.stackLevel} out of range"
        if not periods or len(periods) > _int_config(self.agent, "ChargingScheduleMaxPeriods", 24):
            return f"{len(periods)} schedule periods"
        starts = [p.startPeriod for p in periods]
        if starts[0] != 0 or starts != sorted(set(starts)):
            return "periods must start at 0 and increase"
        if any(p.limit < 0 for p in periods):
            return "negative limit"
        if unit_name not in units:
            return f"{schedule.chargingRateUnit} schedules are not allowed"
        if wire.chargingProfileKind == m.ChargingProfileKindType.Recurring and (
            wire.recurrencyKind is None
        ):
            return "Recurring without recurrencyKind"
        return None

    def install(self, connector_id: int, wire: m.ChargingProfile) -> str | None:
        """Add or replace a profile; why not, or None when installed."""
        reason = self.refusal(connector_id, wire)
        if reason is not None:
            return reason
        profile = to_profile(connector_id, wire, self.agent.station.now())
        # the same id, or the same stack level and purpose (on the same connector), is replaced
        kept = [
            p
            for p in self.profiles
            if p.id != profile.id
            and not (
                p.stack_level == profile.stack_level
                and p.purpose is profile.purpose
                and p.evse_id == profile.evse_id
            )
        ]
        if len(kept) >= _int_config(self.agent, "MaxChargingProfilesInstalled", 16):
            return "no room for more profiles"
        self.profiles = [*kept, profile]
        self.changed()
        return None

    async def set_charging_profile(
        self, req: m.SetChargingProfileRequest
    ) -> m.SetChargingProfileResponse:
        if not self.supported():
            return m.SetChargingProfileResponse(status=m.ChargingProfileStatus.NotSupported)
        self.follow()
        reason = self.install(req.connectorId, req.csChargingProfiles)
        if reason is not None:
            log.info("%s: charging profile rejected: %s", self.agent.station.station_id, reason)
            return m.SetChargingProfileResponse(status=m.ChargingProfileStatus.Rejected)
        return m.SetChargingProfileResponse(status=m.ChargingProfileStatus.Accepted)

    async def clear_charging_profile(
        self, req: m.ClearChargingProfileRequest
    ) -> m.ClearChargingProfileResponse:
        def matches(p: cl.Profile) -> bool:
            if req.id is not None:  # an id names one profile; the other criteria then do not
                return p.id == req.id
            purpose = req.chargingProfilePurpose
            return (
                (req.connectorId is None or p.evse_id == req.connectorId)
                and (purpose is None or p.purpose is PURPOSES[purpose])
                and (req.stackLevel is None or p.stack_level == req.stackLevel)
            )

        kept = [p for p in self.profiles if not matches(p)]
        if len(kept) == len(self.profiles):
            return m.ClearChargingProfileResponse(status=m.ClearChargingProfileStatus.Unknown)
        self.profiles = kept
        self.changed()
        return m.ClearChargingProfileResponse(status=m.ClearChargingProfileStatus.Accepted)

    async def get_composite_schedule(
        self, req: m.GetCompositeScheduleRequest
    ) -> m.GetCompositeScheduleResponse:
        station = self.agent.station
        model = station.model
        if req.connectorId != 0 and req.connectorId not in {e.id for e in model.evses}:
            return m.GetCompositeScheduleResponse(status=m.GetCompositeScheduleStatus.Rejected)
        now = station.now().replace(microsecond=0)
        ctx = self.context(model.evse(req.connectorId) if req.connectorId else None)
        unit = self._unit(req)
        # without any limit the rating applies: the curve's maximum, per EVSE
        rating = station.curve.max_power_w * (len(model.evses) if req.connectorId == 0 else 1)
        periods = cl.composite(self.profiles, ctx, now, req.duration, rating, unit)
        schedule = m.ChargingSchedule(
            duration=req.duration,
            startSchedule=now,
            chargingRateUnit=m.ChargingRateUnitType(unit.value),
            chargingSchedulePeriod=[
                m.ChargingSchedulePeriod(
                    startPeriod=p.start_s, limit=p.limit, numberPhases=p.phases
                )
                for p in periods
            ],
        )
        return m.GetCompositeScheduleResponse(
            status=m.GetCompositeScheduleStatus.Accepted,
            connectorId=req.connectorId,
            scheduleStart=now,
            chargingSchedule=schedule,
        )

    def _unit(self, req: m.GetCompositeScheduleRequest) -> cl.Unit:
        """The unit asked for; else A when every profile that may apply is in A; else W."""
        if req.chargingRateUnit is not None:
            return cl.Unit(req.chargingRateUnit.value)
        units = {p.unit for p in self.profiles if p.evse_id in (0, req.connectorId)}
        return cl.Unit.A if units == {cl.Unit.A} else cl.Unit.W

    # --- following the limits -------------------------------------------------------------------

    def context(self, evse: Evse | None) -> cl.Context:
        """The limit context of an EVSE (None: the station as a whole)."""
        return self.limits.context(evse)

    def session_started(self, session: Session) -> None:
        wire = self.pending.pop(session.evse_id, None)
        if wire is not None and self.install(session.evse_id, wire) is not None:
            log.info("%s: RemoteStart profile not installed", self.agent.station.station_id)
        self.changed()

    def session_ended(self, session: Session) -> None:
        """A TxProfile ends with its transaction (3.13.1)."""
        self.profiles = [
            p
            for p in self.profiles
            if not (p.purpose is cl.Purpose.TX and p.evse_id == session.evse_id)
        ]
        self.changed()

    def changed(self) -> None:
        self.agent.station.model.charging_profiles = [dataclasses.asdict(p) for p in self.profiles]
        self.limits.changed()

    def follow(self) -> None:
        """From a request handler: keep the limits following the schedules from now on."""
        self.limits.follow()
