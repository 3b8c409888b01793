"""Stations: identity, registration, boot information and connection state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, select, update

from ampyre.domain.station import BootInfo, RegistrationStatus, Station
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import stations

_BOOT_FIELDS = (
    "vendor",
    "model",
    "serial_number",
    "firmware_version",
    "reason",
    "iccid",
    "imsi",
    "meter_type",
    "meter_serial_number",
    "modem_serial_number",
)


#: what `save` writes (a column added later for something else is left alone)
_SAVED = (
    "ocpp_version",
    "registered",
    "registration_status",
    "connected",
    "last_seen",
    "last_boot",
    *_BOOT_FIELDS,
)
_GET = select(stations).where(stations.c.id == bindparam("station"))
# SET takes the columns given in the parameters.
_UPDATE = update(stations).where(stations.c.id == bindparam("station"))


def _save(db: Executor) -> Any:
    statement = db.insert(stations)
    changed: dict[str, Any] = {name: statement.excluded[name] for name in _SAVED}
    # The first creation time stays.
    changed["created_at"] = func.coalesce(stations.c.created_at, statement.excluded.created_at)
    return statement.on_conflict_do_update(index_elements=[stations.c.id], set_=changed)


class SqlStationRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def get(self, station_id: str) -> Station | None:
        result = await self._db.execute(_GET, {"station": station_id})
        row = result.one_or_none()
        return None if row is None else _station(row)

    async def save(self, station: Station) -> None:
        await self._db.execute(self._db.prepared(_save), _values(station))

    async def mark_connected(
        self, station_id: str, connected: bool, ocpp_version: str | None, now: datetime
    ) -> None:
        values: dict[str, Any] = {"station": station_id, "connected": connected, "last_seen": now}
        if ocpp_version is not None:
            values["ocpp_version"] = ocpp_version
        await self._db.execute(_UPDATE, values)

    async def touch(self, station_id: str, now: datetime) -> None:
        await self._db.execute(_UPDATE, {"station": station_id, "last_seen": now})

    async def disconnect_all(self) -> None:
        await self._db.execute(
            update(stations).where(stations.c.connected.is_(True)).values(connected=False)
        )


def _values(station: Station) -> dict[str, Any]:
    boot = station.boot
    values: dict[str, Any] = {
        "id": station.id,
        "ocpp_version": station.ocpp_version,
        "registered": station.registered,
        "registration_status": (
            None if station.registration_status is None else station.registration_status.value
        ),
        "connected": station.connected,
        "last_seen": station.last_seen,
        "last_boot": station.last_boot,
        "created_at": station.created_at,
    }
    for name in _BOOT_FIELDS:
        values[name] = None if boot is None else getattr(boot, name)
    return values


def _station(row: Row[Any]) -> Station:
    m = row._mapping
    boot = None
    if m["vendor"] is not None and m["model"] is not None:
        boot = BootInfo(**{name: m[name] for name in _BOOT_FIELDS})
    status = m["registration_status"]
    return Station(
        id=m["id"],
        ocpp_version=m["ocpp_version"],
        registered=bool(m["registered"]),
        registration_status=None if status is None else RegistrationStatus(status),
        boot=boot,
        connected=bool(m["connected"]),
        last_seen=m["last_seen"],
        last_boot=m["last_boot"],
        created_at=m["created_at"],
    )
