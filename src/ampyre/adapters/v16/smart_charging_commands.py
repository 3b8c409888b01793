"""Smart charging commands → OCPP 1.6 requests (connector n is EVSE n; 0 is the station).

1.6 has no GetChargingProfiles: that command is refused (409); what we installed is kept on
our side (GET /stations/{id}/charging-profiles).
"""

from __future__ import annotations

from typing import Any

from ampyre.adapters.command_codec import Codecs, CommandCodec, raw, refuse, status_reply
from ampyre.domain.commands import CommandReply
from ampyre.domain.smart_charging import (
    ChargingProfile,
    ClearChargingProfile,
    GetCompositeSchedule,
    ProfilePurpose,
    SetChargingProfile,
)
from ampyre.messages.v16 import types as m

PURPOSES = {
    ProfilePurpose.STATION_MAX: m.ChargingProfilePurposeType.ChargePointMaxProfile,
    ProfilePurpose.TX_DEFAULT: m.ChargingProfilePurposeType.TxDefaultProfile,
    ProfilePurpose.TX: m.ChargingProfilePurposeType.TxProfile,
}


def _transaction(ref: str | None) -> int | None:
    if ref is None:
        return None
    try:
        return int(ref)
    except ValueError:
        raise refuse(f"OCPP 1.x numbers sessions; {ref!r} is not a 1.x session id") from None


def charging_profile(profile: ChargingProfile) -> m.ChargingProfile:
    schedule = profile.schedule
    return m.ChargingProfile(
        chargingProfileId=profile.id,
        transactionId=_transaction(profile.transaction_ref),
        stackLevel=profile.stack_level,
        chargingProfilePurpose=PURPOSES[profile.purpose],
        chargingProfileKind=m.ChargingProfileKindType(profile.kind.value),
        recurrencyKind=None
        if profile.recurrency is None
        else m.RecurrencyKindType(profile.recurrency.value),
        validFrom=profile.valid_from,
        validTo=profile.valid_to,
        chargingSchedule=m.ChargingSchedule(
            duration=schedule.duration_s,
            startSchedule=schedule.start,
            chargingRateUnit=m.ChargingRateUnitType(schedule.unit.value),
            chargingSchedulePeriod=[
                m.ChargingSchedulePeriod(
                    startPeriod=p.start_s, limit=p.limit, numberPhases=p.phases
                )
                for p in schedule.periods
            ],
            minChargingRate=schedule.min_rate,
        ),
    )


def _set(command: SetChargingProfile) -> m.SetChargingProfileRequest:
    return m.SetChargingProfileRequest(
        connectorId=command.evse_id, csChargingProfiles=charging_profile(command.profile)
    )


def _clear(command: ClearChargingProfile) -> m.ClearChargingProfileRequest:
    return m.ClearChargingProfileRequest(
        id=command.profile_id,
        connectorId=command.evse_id,
        chargingProfilePurpose=None if command.purpose is None else PURPOSES[command.purpose],
        stackLevel=command.stack_level,
    )


def _composite(command: GetCompositeSchedule) -> m.GetCompositeScheduleRequest:
    return m.GetCompositeScheduleRequest(
        connectorId=command.evse_id,
        duration=command.duration_s,
        chargingRateUnit=None
        if command.unit is None
        else m.ChargingRateUnitType(command.unit.value),
    )


def _composite_reply(command: GetCompositeSchedule, answer: Any) -> CommandReply:
    schedule = answer.chargingSchedule
    if schedule is None:
        return status_reply(answer)
    start = answer.scheduleStart or schedule.startSchedule
    details = {
        "schedule": {
            "evse_id": answer.connectorId if answer.connectorId is not None else command.evse_id,
            "start": None if start is None else start.isoformat(),
            "duration_s": schedule.duration,
            "unit": schedule.chargingRateUnit.value,
            "periods": [
                {"start_s": p.startPeriod, "limit": p.limit, "phases": p.numberPhases}
                for p in schedule.chargingSchedulePeriod
            ],
            "min_rate": schedule.minChargingRate,
        }
    }
    return CommandReply(status=str(answer.status), details=details, raw=raw(answer))


CODECS: Codecs = {
    SetChargingProfile: CommandCodec("SetChargingProfile", _set),
    ClearChargingProfile: CommandCodec("ClearChargingProfile", _clear),
    GetCompositeSchedule: CommandCodec("GetCompositeSchedule", _composite, _composite_reply),
}
