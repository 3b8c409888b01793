"""Connects and boots of stations arriving together are stored in one unit of work each."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from counting_units import CountingUnits

from ampyre.domain.errors import StorageUnavailable
from ampyre.domain.events import Event
from ampyre.domain.station import BootInfo, RegistrationPolicy, RegistrationStatus, Station
from ampyre.persistence import Database
from ampyre.services.provisioning import ProvisioningService
from ampyre.services.provisioning.connects import StoredTogether

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
INFO = BootInfo(vendor="V", model="M")


def service(units: CountingUnits, policy: RegistrationPolicy) -> ProvisioningService:
    events: list[Event] = []

    class Events:
        def publish(self, event: Event) -> None:
            events.append(event)

    return ProvisioningService(
        units, policy=policy, heartbeat_interval=60, retry_interval=30, events=Events()
    )


async def test_stations_connecting_and_booting_together_share_units_of_work(
    database: Database,
) -> None:
    units = CountingUnits(database)
    provisioning = service(units, RegistrationPolicy.ACCEPT_UNKNOWN)
    ids = [f"CS{i:02d}" for i in range(50)]
    stations = await asyncio.gather(*(provisioning.connected(i, "1.6", NOW) for i in ids))
    assert stations == [
        Station(id=i, ocpp_version="1.6", connected=True, last_seen=NOW, created_at=NOW)
        for i in ids
    ]
    assert units.units < len(ids)
    units.units = 0
    boots = await asyncio.gather(*(provisioning.boot(i, "1.6", INFO, NOW) for i in ids))
    assert units.units < len(ids)
    for (decision, station), station_id in zip(boots, ids, strict=True):
        assert decision.status is RegistrationStatus.ACCEPTED and decision.interval_s == 60
        assert (station.id, station.boot, station.last_boot) == (station_id, INFO, NOW)
    async with database.unit_of_work() as uow:
        assert await uow.stations.get("CS49") == boots[-1][1]


async def test_boots_in_one_batch_are_decided_each_on_its_own_record(
    database: Database,
) -> None:
    async with database.unit_of_work() as uow:
        await uow.stations.save(Station(id="REG", registered=True, created_at=NOW))
        await uow.commit()
    provisioning = service(CountingUnits(database), RegistrationPolicy.KNOWN_ONLY_PENDING)
    (reg, _), (unknown, stored), (again, _) = await asyncio.gather(
        provisioning.boot("REG", "2.0.1", INFO, NOW),
        provisioning.boot("NEW", "2.0.1", INFO, NOW),
        provisioning.boot("NEW", "2.0.1", INFO, NOW),
    )
    assert reg.status is RegistrationStatus.ACCEPTED
    assert unknown.status is again.status is RegistrationStatus.PENDING
    assert unknown.interval_s == 30 and not stored.registered
    async with database.unit_of_work() as uow:
        new = await uow.stations.get("NEW")
    assert new is not None and new.registration_status is RegistrationStatus.PENDING


async def test_a_failed_batch_fails_its_stations_and_the_next_one_is_stored(
    database: Database,
) -> None:
    provisioning = service(CountingUnits(database, failures=1), RegistrationPolicy.ACCEPT_UNKNOWN)
    results = await asyncio.gather(
        *(provisioning.connected(f"CS{i}", "1.6", NOW) for i in range(3)),
        return_exceptions=True,
    )
    assert all(isinstance(r, StorageUnavailable) for r in results)
    stored = await provisioning.connected("CS9", "1.6", NOW)
    assert stored.id == "CS9" and stored.connected


async def test_a_waiting_submit_that_is_cancelled_does_not_stop_the_others() -> None:
    stored: list[list[str]] = []

    class Unit:
        async def __aenter__(self) -> Unit:
            return self

        async def __aexit__(self, *exc: object) -> None:
            return None

        async def commit(self) -> None:
            await asyncio.sleep(0)

    async def store(uow: Any, items: Any) -> list[str]:
        stored.append(list(items))
        return [item.upper() for item in items]

    together: StoredTogether[str, str] = StoredTogether(Unit, store)
    first = asyncio.ensure_future(together.submit("a"))
    second = asyncio.ensure_future(together.submit("b"))
    await asyncio.sleep(0)
    first.cancel()
    assert await second == "B"
    with pytest.raises(asyncio.CancelledError):
        await first
    assert stored == [["a", "b"]]
