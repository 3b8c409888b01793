"""StationRepository on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import timedelta, timezone

from persistence_builders import T0, at

from ampyre.domain.station import BootInfo, RegistrationStatus, Station
from ampyre.persistence import Database

BOOT = BootInfo(
    vendor="Vendor",
    model="Model X",
    serial_number="SN1",
    firmware_version="1.2.3",
    reason="PowerUp",
    iccid="8931",
    imsi="2620",
    meter_type="MT",
    meter_serial_number="MSN",
    modem_serial_number="MOD",
)


def full_station(station_id: str = "CS1") -> Station:
    return Station(
        id=station_id,
        ocpp_version="2.0.1",
        registered=True,
        registration_status=RegistrationStatus.ACCEPTED,
        boot=BOOT,
        connected=True,
        last_seen=at(10),
        last_boot=at(5),
        created_at=T0,
    )


async def test_round_trip_of_every_field(database: Database) -> None:
    station = full_station("S" * 48)
    async with database.unit_of_work() as uow:
        await uow.stations.save(station)
        await uow.commit()
    async with database.unit_of_work() as uow:
        stored = await uow.stations.get(station.id)
        assert await uow.stations.get("unknown") is None
    assert stored == station
    assert stored.last_seen is not None and stored.last_seen.tzinfo is not None


async def test_minimal_station_and_timezones_come_back_as_utc(database: Database) -> None:
    plus_two = timezone(timedelta(hours=2))
    station = Station(id="CS2", created_at=T0.astimezone(plus_two))
    async with database.unit_of_work() as uow:
        await uow.stations.save(station)
        await uow.commit()
    async with database.unit_of_work() as uow:
        stored = await uow.stations.get("CS2")
    assert stored == dataclasses.replace(station, created_at=T0)
    assert stored.created_at is not None and stored.created_at.utcoffset() == timedelta(0)


async def test_save_updates_but_keeps_the_creation_time(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.stations.save(full_station())
        await uow.commit()
    changed = dataclasses.replace(
        full_station(),
        boot=None,
        registration_status=RegistrationStatus.REJECTED,
        ocpp_version="1.6",
        created_at=None,
    )
    async with database.unit_of_work() as uow:
        await uow.stations.save(changed)
        await uow.commit()
    async with database.unit_of_work() as uow:
        stored = await uow.stations.get("CS1")
    assert stored == dataclasses.replace(changed, created_at=T0)


async def test_connection_state(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.stations.save(Station(id="A"))
        await uow.stations.save(Station(id="B", ocpp_version="1.6"))
        await uow.stations.mark_connected("A", True, "2.0.1", at(1))
        await uow.stations.mark_connected("B", True, None, at(2))
        await uow.stations.mark_connected("missing", True, "1.6", at(2))  # no-op
        await uow.stations.touch_many([("A", at(3))])
        await uow.commit()
    async with database.unit_of_work() as uow:
        a, b = await uow.stations.get("A"), await uow.stations.get("B")
        assert await uow.stations.get("missing") is None
    assert a == Station(id="A", ocpp_version="2.0.1", connected=True, last_seen=at(3))
    assert b == Station(id="B", ocpp_version="1.6", connected=True, last_seen=at(2))

    async with database.unit_of_work() as uow:
        await uow.stations.disconnect_all()
        await uow.commit()
    async with database.unit_of_work() as uow:
        for station_id in ("A", "B"):
            stored = await uow.stations.get(station_id)
            assert stored is not None and not stored.connected


async def test_record_connects_creates_newcomers_and_keeps_what_is_known(
    database: Database,
) -> None:
    async with database.unit_of_work() as uow:
        await uow.stations.save(dataclasses.replace(full_station(), connected=False))
        await uow.commit()
    async with database.unit_of_work() as uow:
        stored = await uow.stations.record_connects(
            [("NEW", "1.6", at(1)), ("CS1", "1.6", at(20)), ("NEW", "2.0.1", at(2))]
        )
        await uow.commit()
    newcomer = Station(
        id="NEW", ocpp_version="2.0.1", connected=True, last_seen=at(2), created_at=at(1)
    )
    known = dataclasses.replace(full_station(), ocpp_version="1.6", last_seen=at(20))
    assert stored == {"NEW": newcomer, "CS1": known}
    async with database.unit_of_work() as uow:
        assert await uow.stations.get("NEW") == newcomer
        assert await uow.stations.get("CS1") == known
