"""Reservation bookkeeping both OCPP versions share: finding a reservation and its expiry.

What the station then reports (1.6 StatusNotification, 2.0.1 ReservationStatusUpdate) stays
in each version's agent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from ampyre.simulator.model import Evse, Reservation, StationModel

if TYPE_CHECKING:
    from ampyre.simulator.station import SimulatedStation

log = logging.getLogger("ampyre.simulator")


def find(model: StationModel, reservation_id: int) -> Evse | None:
    """The EVSE holding the reservation, or None."""
    for evse in model.evses:
        if evse.reservation is not None and evse.reservation.id == reservation_id:
            return evse
    return None


async def expire(station: SimulatedStation, evse: Evse, reservation: Reservation) -> bool:
    """Wait until the reservation expires and end it; False when it was used, cancelled or
    replaced meanwhile (nothing to do)."""
    delay = (reservation.expiry - station.now()).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)
    if evse.reservation is not reservation:
        return False
    log.info("%s: reservation %s expired", station.station_id, reservation.id)
    evse.reservation = None
    return True
