"""Reservations: stored when the station answers reserve-now (active, or rejected with its
answer), then cancelled, used by a session that names them, expired or removed.

1.x stations do not tell when a reservation expires: an active reservation past its expiry
is marked expired when the station's reservations are read.
"""

from __future__ import annotations

from datetime import datetime

from ampyre.domain.commands import Command, CommandRecord, CommandReply
from ampyre.domain.errors import NotFound
from ampyre.domain.reservations import (
    CancelReservation,
    Reservation,
    ReservationState,
    ReserveNow,
)
from ampyre.services.known_station import ensure_known
from ampyre.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

#: 2.0.1 ReservationStatusUpdate statuses
_UPDATES = {"Expired": ReservationState.EXPIRED, "Removed": ReservationState.REMOVED}


async def use_reservation(
    uow: UnitOfWork, station_id: str, reservation_id: int, transaction_id: int, now: datetime
) -> None:
    """A session of `station_id` started with `reservation_id`: mark it used by that session
    (whatever we thought of it: the station has the last word)."""
    found = await uow.reservations.get(reservation_id)
    if found is None or found.station_id != station_id or found.transaction_id is not None:
        return
    await uow.reservations.set_state(reservation_id, ReservationState.USED, now, transaction_id)


class ReservationService:
    """Also the CommandEffect of reserve-now and cancel-reservation."""

    commands: tuple[type[Command], ...] = (ReserveNow, CancelReservation)

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def apply(
        self, uow: UnitOfWork, record: CommandRecord, command: Command, reply: CommandReply
    ) -> None:
        now = record.answered_at or record.created_at
        if isinstance(command, ReserveNow) and command.reservation_id is not None:
            await uow.reservations.add(
                Reservation(
                    id=command.reservation_id,
                    station_id=record.station_id,
                    id_token=command.id_token,
                    token_type=command.token_type,
                    expires_at=command.expires_at,
                    evse_id=command.evse_id,
                    connector_type=command.connector_type,
                    group_id=command.group_id,
                    state=ReservationState.ACTIVE
                    if reply.status == "Accepted"
                    else ReservationState.REJECTED,
                    status=reply.status,
                    created_at=now,
                    updated_at=now,
                )
            )
        elif isinstance(command, CancelReservation) and reply.status == "Accepted":
            found = await uow.reservations.get(command.reservation_id)
            if found is not None and found.station_id == record.station_id:
                await uow.reservations.set_state(found.id, ReservationState.CANCELLED, now)

    async def status_update(self, station_id: str, reservation_id: int, status: str) -> None:
        """What a 2.0.1 station says became of a reservation (Expired, Removed)."""
        state = _UPDATES.get(status)
        if state is None:
            return
        async with self._uow() as uow:
            found = await uow.reservations.get(reservation_id)
            if (
                found is not None
                and found.station_id == station_id
                and found.state is ReservationState.ACTIVE
            ):
                await uow.reservations.set_state(reservation_id, state, self._clock.now())
                await uow.commit()

    async def list(
        self,
        station_id: str,
        state: ReservationState | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> list[Reservation]:
        async with self._uow() as uow:
            await uow.reservations.expire(station_id, self._clock.now())
            await uow.commit()
            found = await uow.reservations.list(station_id, state, before, limit)
            if not found:
                await ensure_known(uow, station_id)
        return found

    async def get(self, reservation_id: int) -> Reservation:
        async with self._uow() as uow:
            found = await uow.reservations.get(reservation_id)
            if found is not None and found.state is ReservationState.ACTIVE:
                await uow.reservations.expire(found.station_id, self._clock.now())
                await uow.commit()
                found = await uow.reservations.get(reservation_id)
        if found is None:
            raise NotFound(f"no reservation {reservation_id}")
        return found
