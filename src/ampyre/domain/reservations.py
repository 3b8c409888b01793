"""Reservations: an EVSE (or any EVSE of a station) kept for one id token until a time.

The reservation id the station sees is the id of the reserve-now command that made it, so a
reservation is stored (and numbered) once the station answered, Accepted or not.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import ClassVar

from ampyre.domain.commands import Command


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ReserveNow(Command):
    """Reserve `evse_id` (None: any EVSE, where the station allows) for `id_token`."""

    name: ClassVar[str] = "reserve-now"
    id_token: str
    expires_at: datetime
    token_type: str = "Central"
    evse_id: int | None = None
    #: 2.0.1 only: reserve a connector of this type (cType2, cCCS2, ...)
    connector_type: str | None = None
    #: the group token (1.x parentIdTag, 2.0.1 groupIdToken)
    group_id: str | None = None
    #: the command's own id, filled in by the service: it becomes the reservation id
    reservation_id: int | None = dataclasses.field(default=None, metadata={"assigned": True})

    def numbered(self, command_id: int) -> ReserveNow:
        return dataclasses.replace(self, reservation_id=command_id)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CancelReservation(Command):
    name: ClassVar[str] = "cancel-reservation"
    reservation_id: int


class ReservationState(enum.StrEnum):
    ACTIVE = "active"
    #: a session started with it
    USED = "used"
    #: cancelled by the operator (cancel-reservation accepted)
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    #: the station removed it (2.0.1 ReservationStatusUpdate Removed)
    REMOVED = "removed"
    #: the station did not take it (Occupied, Faulted, Unavailable, Rejected)
    REJECTED = "rejected"


@dataclasses.dataclass(slots=True, kw_only=True)
class Reservation:
    id: int
    station_id: str
    id_token: str
    expires_at: datetime
    state: ReservationState
    created_at: datetime
    updated_at: datetime
    token_type: str | None = None
    evse_id: int | None = None
    connector_type: str | None = None
    group_id: str | None = None
    #: the station's answer to reserve-now
    status: str | None = None
    #: the session that used it
    transaction_id: int | None = None
