"""Smart charging commands → OCPP 2.0.1 requests (K01, K08-K10, K14-K15)."""

from __future__ import annotations

from typing import Any

from ampyre.adapters.command_codec import Codecs, CommandCodec, raw, status_reply
from ampyre.domain.commands import CommandReply
from ampyre.domain.smart_charging import (
    ChargingProfile,
    ClearChargingProfile,
    GetChargingProfiles,
    GetCompositeSchedule,
    ProfilePurpose,
    SetChargingProfile,
)
from ampyre.messages.v201 import types as m


def _purpose(purpose: ProfilePurpose | None) -> m.ChargingProfilePurposeEnumType | None:
    return None if purpose is None else m.ChargingProfilePurposeEnumType(purpose.value)


def charging_profile(profile: ChargingProfile) -> m.ChargingProfileType:
    schedule = profile.schedule
    return m.ChargingProfileType(
        id=profile.id,
        stackLevel=profile.stack_level,
        chargingProfilePurpose=m.ChargingProfilePurposeEnumType(profile.purpose.value),
        chargingProfileKind=m.ChargingProfileKindEnumType(profile.kind.value),
        recurrencyKind=None
        if profile.recurrency is None
        else m.RecurrencyKindEnumType(profile.recurrency.value),
        validFrom=profile.valid_from,
        validTo=profile.valid_to,
        transactionId=profile.transaction_ref,
        chargingSchedule=[
            m.ChargingScheduleType(
                id=profile.id,  # one schedule per profile: it takes the profile's id
                startSchedule=schedule.start,
                duration=schedule.duration_s,
                chargingRateUnit=m.ChargingRateUnitEnumType(schedule.unit.value),
                chargingSchedulePeriod=[
                    m.ChargingSchedulePeriodType(
                        startPeriod=p.start_s, limit=p.limit, numberPhases=p.phases
                    )
                    for p in schedule.periods
                ],
                minChargingRate=schedule.min_rate,
            )
        ],
    )


def _set(command: SetChargingProfile) -> m.SetChargingProfileRequest:
    return m.SetChargingProfileRequest(
        evseId=command.evse_id, chargingProfile=charging_profile(command.profile)
    )


def _clear(command: ClearChargingProfile) -> m.ClearChargingProfileRequest:
    criteria = None
    if any(v is not None for v in (command.evse_id, command.purpose, command.stack_level)):
        criteria = m.ClearChargingProfileType(
            evseId=command.evse_id,
            chargingProfilePurpose=_purpose(command.purpose),
            stackLevel=command.stack_level,
        )
    return m.ClearChargingProfileRequest(
        chargingProfileId=command.profile_id, chargingProfileCriteria=criteria
    )


def _get_profiles(command: GetChargingProfiles) -> m.GetChargingProfilesRequest:
    if command.request_id is None:
        raise ValueError("GetChargingProfiles needs its requestId (the command id)")
    sources = [m.ChargingLimitSourceEnumType(s) for s in command.sources]
    return m.GetChargingProfilesRequest(
        requestId=command.request_id,
        evseId=command.evse_id,
        chargingProfile=m.ChargingProfileCriterionType(
            chargingProfilePurpose=_purpose(command.purpose),
            stackLevel=command.stack_level,
            chargingProfileId=list(command.profile_ids) or None,
            chargingLimitSource=sources or None,
        ),
    )


def _composite(command: GetCompositeSchedule) -> m.GetCompositeScheduleRequest:
    return m.GetCompositeScheduleRequest(
        evseId=command.evse_id,
        duration=command.duration_s,
        chargingRateUnit=None
        if command.unit is None
        else m.ChargingRateUnitEnumType(command.unit.value),
    )


def _composite_reply(command: GetCompositeSchedule, answer: Any) -> CommandReply:
    reply = status_reply(answer)
    schedule = answer.schedule
    if schedule is not None:
        reply.details["schedule"] = {
            "evse_id": schedule.evseId,
            "start": schedule.scheduleStart.isoformat(),
            "duration_s": schedule.duration,
            "unit": schedule.chargingRateUnit.value,
            "periods": [
                {"start_s": p.startPeriod, "limit": p.limit, "phases": p.numberPhases}
                for p in schedule.chargingSchedulePeriod
            ],
            "min_rate": None,
        }
    return CommandReply(status=reply.status, details=reply.details, raw=raw(answer))


CODECS: Codecs = {
    SetChargingProfile: CommandCodec("SetChargingProfile", _set),
    ClearChargingProfile: CommandCodec("ClearChargingProfile", _clear),
    GetChargingProfiles: CommandCodec("GetChargingProfiles", _get_profiles),
    GetCompositeSchedule: CommandCodec("GetCompositeSchedule", _composite, _composite_reply),
}
