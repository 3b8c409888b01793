"""The operator's side of stations: list, look at, register, change, delete."""

from __future__ import annotations

import dataclasses

from ampyre.domain.availability import ConnectorState, StatusChange, StatusQuery
from ampyre.domain.errors import Conflict, InvalidInput, NotFound
from ampyre.domain.station import Station, StationChanges, StationQuery
from ampyre.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclasses.dataclass(frozen=True, slots=True)
class StationDetail:
    station: Station
    #: the current status of the station (EVSE 0), its EVSEs and connectors
    states: list[ConnectorState]


async def _require(uow: UnitOfWork, station_id: str) -> Station:
    station = await uow.stations.get(station_id)
    if station is None:
        raise NotFound(f"there is no station {station_id!r}")
    return station


class StationService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def find(self, query: StationQuery) -> list[Station]:
        async with self._uow() as uow:
            return await uow.stations.list(query)

    async def detail(self, station_id: str) -> StationDetail:
        async with self._uow() as uow:
            station = await _require(uow, station_id)
            return StationDetail(station, await uow.statuses.current(station_id))

    async def require(self, station_id: str) -> Station:
        """The station; `NotFound` if there is none."""
        async with self._uow() as uow:
            return await _require(uow, station_id)

    async def create(
        self, station_id: str, *, registered: bool, description: str | None
    ) -> StationDetail:
        """A record the operator creates before the station connects (the registration the
        known-only policies ask for). `Conflict` if the station is known already."""
        if station_id in (".", ".."):
            raise InvalidInput(f"{station_id!r} cannot be a station id")
        station = Station(
            id=station_id,
            registered=registered,
            description=description,
            created_at=self._clock.now(),
        )
        async with self._uow() as uow:
            if await uow.stations.get(station_id) is not None:
                raise Conflict(
                    f"station {station_id!r} is known already (stations that connect on their "
                    "own are recorded unregistered); change it instead"
                )
            await uow.stations.add(station)
            await uow.commit()
        return StationDetail(station, [])

    async def change(self, station_id: str, changes: StationChanges) -> StationDetail:
        async with self._uow() as uow:
            if not await uow.stations.change(station_id, changes):
                raise NotFound(f"there is no station {station_id!r}")
            await uow.commit()
            station = await _require(uow, station_id)
            return StationDetail(station, await uow.statuses.current(station_id))

    async def delete(self, station_id: str) -> None:
        """Forget the station record and its current state; its history stays.
        `Conflict` while it is connected (unregister it instead)."""
        async with self._uow() as uow:
            station = await _require(uow, station_id)
            if station.connected:
                raise Conflict(
                    f"station {station_id!r} is connected; unregister it "
                    '(`"registered": false`) or wait until it disconnects'
                )
            await uow.stations.delete(station_id)
            await uow.statuses.forget_current(station_id)
            await uow.commit()

    async def status_history(self, query: StatusQuery) -> list[StatusChange]:
        async with self._uow() as uow:
            await _require(uow, query.station_id)
            return await uow.statuses.changes(query)
