"""Charging profiles sent to stations: what each accepted command installed or cleared.

Kept as the station should now hold them (K01, K10; 1.6 3.13): a profile the station
accepted is installed, replacing any with its id or, with overlapping validity, its EVSE,
purpose and stack level; an accepted clear ends every profile it matches. A refused command
changes nothing. A TxProfile ends with its transaction: reads show it `ended` then.
"""

from __future__ import annotations

import dataclasses

from ampyre.domain.commands import Command, CommandRecord, CommandReply
from ampyre.domain.smart_charging import (
    ChargingProfile,
    ClearChargingProfile,
    ProfileState,
    SetChargingProfile,
    StoredProfile,
)
from ampyre.services.commands.sessions import ended_at, session_ref, sessions_ended
from ampyre.services.known_station import ensure_known
from ampyre.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


def _overlap(a: ChargingProfile, b: ChargingProfile) -> bool:
    """Whether two validity periods overlap (an open end is unbounded)."""
    a_before_b_ends = b.valid_to is None or a.valid_from is None or a.valid_from < b.valid_to
    a_after_b_starts = a.valid_to is None or b.valid_from is None or a.valid_to > b.valid_from
    return a_before_b_ends and a_after_b_starts


def _replaces(new: StoredProfile, old: StoredProfile) -> bool:
    if old.profile.id == new.profile.id:
        return True
    return (
        old.evse_id == new.evse_id
        and old.profile.purpose is new.profile.purpose
        and old.profile.stack_level == new.profile.stack_level
        and _overlap(old.profile, new.profile)
    )


def _cleared_by(command: ClearChargingProfile, stored: StoredProfile) -> bool:
    if command.profile_id is not None:
        return stored.profile.id == command.profile_id
    return (
        command.evse_id in (None, stored.evse_id)
        and command.purpose in (None, stored.profile.purpose)
        and command.stack_level in (None, stored.profile.stack_level)
    )


class SmartChargingService:
    """The CommandEffect of set/clear-charging-profile, and what is kept of them."""

    commands: tuple[type[Command], ...] = (SetChargingProfile, ClearChargingProfile)

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def apply(
        self, uow: UnitOfWork, record: CommandRecord, command: Command, reply: CommandReply
    ) -> None:
        if reply.status != "Accepted":
            return
        at = record.answered_at or record.created_at
        installed = await uow.charging_profiles.list(record.station_id)
        if isinstance(command, SetChargingProfile):
            new = StoredProfile(
                station_id=record.station_id,
                evse_id=command.evse_id,
                profile=command.profile,
                state=ProfileState.INSTALLED,
                set_by=record.id,
                installed_at=at,
                transaction_id=command.transaction_id,
            )
            replaced = [old.id for old in installed if _replaces(new, old)]
            await uow.charging_profiles.end(replaced, ProfileState.REPLACED, at, record.id)
            await uow.charging_profiles.add(new)
        elif isinstance(command, ClearChargingProfile):
            cleared = [old.id for old in installed if _cleared_by(command, old)]
            await uow.charging_profiles.end(cleared, ProfileState.CLEARED, at, record.id)

    async def profiles(self, station_id: str, installed_only: bool = True) -> list[StoredProfile]:
        """The station's profiles as we know them; a TxProfile whose session is over, or a
        profile past its valid_to, is shown `ended` (the station drops it then)."""
        async with self._uow() as uow:
            found = await uow.charging_profiles.list(station_id, installed_only=False)
            if not found:
                await ensure_known(uow, station_id)
            ended = await sessions_ended(
                uow, (s.transaction_id for s in found if s.state is ProfileState.INSTALLED)
            )
        now = self._clock.now()
        shown = []
        for stored in found:
            over = ended_at(ended.get(stored.transaction_id or 0), stored.profile.valid_to, now)
            if stored.state is ProfileState.INSTALLED and over is not None:
                stored = dataclasses.replace(stored, state=ProfileState.ENDED, ended_at=over)
            if not installed_only or stored.state is ProfileState.INSTALLED:
                shown.append(stored)
        return shown

    async def transaction_ref(self, station_id: str, transaction_id: int) -> str:
        return await session_ref(self._uow, station_id, transaction_id)
