"""BootNotification, when stations were heard from, and who may be served."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from ampyre.domain.events import Event, EventKind
from ampyre.domain.station import (
    BootDecision,
    BootInfo,
    RegistrationPolicy,
    RegistrationStatus,
    Station,
)
from ampyre.services.ports import EventPublisher, UnitOfWork, UnitOfWorkFactory
from ampyre.services.provisioning.connects import StoredTogether
from ampyre.services.provisioning.last_seen import LastSeen


async def _store_connects(
    uow: UnitOfWork, connects: Sequence[tuple[str, str, datetime]]
) -> list[Station]:
    stored = await uow.stations.record_connects(connects)
    return [stored[station_id] for station_id, _, _ in connects]


class ProvisioningService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        policy: RegistrationPolicy,
        heartbeat_interval: int,
        retry_interval: int,
        events: EventPublisher,
    ) -> None:
        self._uow = uow
        #: connects and boots of stations arriving together share a unit of work
        self._connects = StoredTogether(uow, _store_connects)
        self._boots = StoredTogether(uow, self._store_boots)
        self._last_seen = LastSeen(uow)
        self._events = events
        self.policy = policy
        self.heartbeat_interval = heartbeat_interval
        self.retry_interval = retry_interval

    def _status_for(self, station: Station | None) -> RegistrationStatus:
        if station is not None and station.registered:
            return RegistrationStatus.ACCEPTED
        return {
            RegistrationPolicy.ACCEPT_UNKNOWN: RegistrationStatus.ACCEPTED,
            RegistrationPolicy.KNOWN_ONLY_PENDING: RegistrationStatus.PENDING,
            RegistrationPolicy.KNOWN_ONLY_REJECTED: RegistrationStatus.REJECTED,
        }[self.policy]

    async def boot(
        self, station_id: str, ocpp_version: str, info: BootInfo, now: datetime
    ) -> tuple[BootDecision, Station]:
        """Decide a BootNotification and store what the station said about itself."""
        station = await self._boots.submit((station_id, ocpp_version, info, now))
        status = station.registration_status or self._status_for(station)  # always set
        interval = (
            self.heartbeat_interval
            if status is RegistrationStatus.ACCEPTED
            else self.retry_interval
        )
        return BootDecision(status, interval, now), station

    async def _store_boots(
        self, uow: UnitOfWork, boots: Sequence[tuple[str, str, BootInfo, datetime]]
    ) -> list[Station]:
        """Decide each boot on the stored record (or the one just decided in this batch)."""
        known = await uow.stations.get_many([station_id for station_id, *_ in boots])
        stored = []
        for station_id, ocpp_version, info, now in boots:
            previous = known.get(station_id)
            station = (
                Station(id=station_id, created_at=now)
                if previous is None
                else dataclasses.replace(previous)
            )
            station.registration_status = self._status_for(previous)
            station.ocpp_version = ocpp_version
            station.boot = info
            station.last_boot = now
            station.last_seen = now
            station.connected = True
            known[station_id] = station
            stored.append(station)
        await uow.stations.save_many(stored)
        return stored

    async def get(self, station_id: str) -> Station | None:
        async with self._uow() as uow:
            return await uow.stations.get(station_id)

    def heard(self, station_id: str, now: datetime) -> None:
        """A CALL came from the station: its `last_seen`, stored within a second."""
        self._last_seen.heard(station_id, now)

    async def close(self) -> None:
        """Store what is kept in memory (after the stations' connections are closed)."""
        await self._last_seen.close()

    async def connected(self, station_id: str, ocpp_version: str, now: datetime) -> Station:
        """A station opened a connection: load what the database knows, creating the record of
        a newcomer so that it shows up (unregistered) for the operator. Stored together with
        the other stations connecting at the same time (`ConnectRecords`)."""
        station = await self._connects.submit((station_id, ocpp_version, now))
        self._events.publish(
            Event(EventKind.STATION_CONNECTED, station_id, now, {"ocpp_version": ocpp_version})
        )
        return station

    async def disconnected(self, station_id: str, now: datetime) -> None:
        async with self._uow() as uow:
            await uow.stations.mark_connected(station_id, False, None, now)
            await uow.commit()
        self._events.publish(Event(EventKind.STATION_DISCONNECTED, station_id, now))

    async def reset_connections(self) -> None:
        """At start-up nobody is connected yet, whatever the last run left behind."""
        async with self._uow() as uow:
            await uow.stations.disconnect_all()
            await uow.commit()

    def may_serve(self, station: Station) -> bool:
        """Whether messages other than BootNotification are served for this station.

        Accepted stations are served, and so is a station that reconnects without booting
        (it was accepted before, or it is registered, or unknown stations are welcome).
        A station told Pending or Rejected must boot again first.
        """
        if station.registration_status is None:
            return station.registered or self.policy is RegistrationPolicy.ACCEPT_UNKNOWN
        if station.registration_status is RegistrationStatus.ACCEPTED:
            return True
        return station.registered
