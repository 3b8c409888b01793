"""Reservations made by reserve-now, and what became of them."""

from __future__ import annotations

import builtins
import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update

from ampyre.domain.reservations import Reservation, ReservationState
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import reservations as t


class SqlReservationRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def add(self, reservation: Reservation) -> None:
        values = {f.name: getattr(reservation, f.name) for f in dataclasses.fields(reservation)}
        values["state"] = reservation.state.value
        await self._db.execute(insert(t).values(**values))

    async def get(self, reservation_id: int) -> Reservation | None:
        result = await self._db.execute(select(t).where(t.c.id == reservation_id))
        row = result.one_or_none()
        return None if row is None else _reservation(row)

    async def set_state(
        self,
        reservation_id: int,
        state: ReservationState,
        now: datetime,
        transaction_id: int | None = None,
    ) -> None:
        values: dict[str, Any] = {"state": state.value, "updated_at": now}
        if transaction_id is not None:
            values["transaction_id"] = transaction_id
        await self._db.execute(update(t).where(t.c.id == reservation_id).values(**values))

    async def expire(self, station_id: str, now: datetime) -> None:
        await self._db.execute(
            update(t)
            .where(
                t.c.station_id == station_id,
                t.c.state == ReservationState.ACTIVE.value,
                t.c.expires_at <= now,
            )
            .values(state=ReservationState.EXPIRED.value, updated_at=now)
        )

    async def list(
        self,
        station_id: str,
        state: ReservationState | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> builtins.list[Reservation]:
        statement = select(t).where(t.c.station_id == station_id)
        if state is not None:
            statement = statement.where(t.c.state == state.value)
        if before is not None:
            statement = statement.where(t.c.id < before)
        result = await self._db.execute(statement.order_by(t.c.id.desc()).limit(limit))
        return [_reservation(row) for row in result]


def _reservation(row: Row[Any]) -> Reservation:
    m = row._mapping
    return Reservation(
        id=int(m["id"]),
        station_id=m["station_id"],
        id_token=m["id_token"],
        token_type=m["token_type"],
        expires_at=m["expires_at"],
        state=ReservationState(m["state"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        evse_id=m["evse_id"],
        connector_type=m["connector_type"],
        group_id=m["group_id"],
        status=m["status"],
        transaction_id=m["transaction_id"],
    )
