"""Stations: identity, registration, boot information and connection state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, or_, select, update

from ampyre.domain.errors import Conflict
from ampyre.domain.station import (
    BootInfo,
    RegistrationStatus,
    Station,
    StationAddress,
    StationChanges,
    StationQuery,
)
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


#: what `save` writes over a stored record (a column added later for something else is left
#: alone). `registered` and `description` belong to the operator (`change`): a boot or a
#: connect that read the record before the operator changed it cannot undo the change.
_SAVED = (
    "ocpp_version",
    "registration_status",
    "connected",
    "last_seen",
    "last_boot",
    *_BOOT_FIELDS,
)
_GET = select(stations).where(stations.c.id == bindparam("station"))
_ADDRESS = select(stations.c.soap_address, stations.c.soap_address_override).where(
    stations.c.id == bindparam("station")
)
# SET takes the columns given in the parameters.
_UPDATE = update(stations).where(stations.c.id == bindparam("station"))
#: last heard from, never moved back (a disconnect may have stored a later time meanwhile)
_TOUCH = (
    update(stations)
    .where(stations.c.id == bindparam("station"))
    .where(
        or_(
            stations.c.last_seen.is_(None),
            stations.c.last_seen < bindparam("seen", type_=stations.c.last_seen.type),
        )
    )
    .values(last_seen=bindparam("seen", type_=stations.c.last_seen.type))
)


def _save(db: Executor) -> Any:
    statement = db.insert(stations)
    changed: dict[str, Any] = {name: statement.excluded[name] for name in _SAVED}
    # The first creation time stays.
    changed["created_at"] = func.coalesce(stations.c.created_at, statement.excluded.created_at)
    return statement.on_conflict_do_update(index_elements=[stations.c.id], set_=changed)


def _connect(db: Executor) -> Any:
    """Mark a station connected, creating the record of a newcomer (unregistered)."""
    statement = db.insert(stations)
    changed: dict[str, Any] = {name: statement.excluded[name] for name in _CONNECTED}
    changed["created_at"] = func.coalesce(stations.c.created_at, statement.excluded.created_at)
    return statement.on_conflict_do_update(index_elements=[stations.c.id], set_=changed)


_CONNECTED = ("connected", "ocpp_version", "last_seen")
_GET_MANY = select(stations).where(stations.c.id.in_(bindparam("stations", expanding=True)))
#: ids per SELECT ... IN (well below SQLite's limit of bound parameters)
_CHUNK = 500


class SqlStationRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def get(self, station_id: str) -> Station | None:
        result = await self._db.execute(_GET, {"station": station_id})
        row = result.one_or_none()
        return None if row is None else _station(row)

    async def save(self, station: Station) -> None:
        await self._db.execute(self._db.prepared(_save), _values(station))

    async def record_connects(
        self, connects: Sequence[tuple[str, str, datetime]]
    ) -> dict[str, Station]:
        rows = [
            {"id": station_id, "ocpp_version": version, "connected": True, "last_seen": now,
             "created_at": now, "registered": False}
            for station_id, version, now in connects
        ]  # fmt: skip
        await self._db.execute(self._db.prepared(_connect), rows)
        return await self.get_many([station_id for station_id, _, _ in connects])

    async def get_many(self, station_ids: Sequence[str]) -> dict[str, Station]:
        ids = list(dict.fromkeys(station_ids))
        stored: dict[str, Station] = {}
        for start in range(0, len(ids), _CHUNK):
            result = await self._db.execute(_GET_MANY, {"stations": ids[start : start + _CHUNK]})
            for row in result:
                station = _station(row)
                stored[station.id] = station
        return stored

    async def save_many(self, many: Sequence[Station]) -> None:
        if many:
            await self._db.execute(self._db.prepared(_save), [_values(s) for s in many])

    async def mark_connected(
        self, station_id: str, connected: bool, ocpp_version: str | None, now: datetime
    ) -> None:
        values: dict[str, Any] = {"station": station_id, "connected": connected, "last_seen": now}
        if ocpp_version is not None:
            values["ocpp_version"] = ocpp_version
        await self._db.execute(_UPDATE, values)

    async def touch_many(self, seen: Sequence[tuple[str, datetime]]) -> None:
        if seen:
            await self._db.execute(_TOUCH, [{"station": s, "seen": at} for s, at in seen])

    async def add(self, station: Station) -> None:
        statement = self._db.insert(stations).values(_values(station))
        result = await self._db.execute(
            statement.on_conflict_do_nothing(index_elements=[stations.c.id]).returning(
                stations.c.id
            )
        )
        if result.first() is None:
            raise Conflict(f"station {station.id!r} already exists")

    async def change(self, station_id: str, changes: StationChanges) -> bool:
        values: dict[str, Any] = {}
        if changes.registered is not None:
            values["registered"] = changes.registered
        if changes.description is not None or changes.clear_description:
            values["description"] = changes.description
        if not values:
            return await self.get(station_id) is not None
        result = await self._db.execute(
            update(stations).where(stations.c.id == station_id).values(values)
        )
        return bool(result.rowcount)

    async def list(self, query: StationQuery) -> list[Station]:
        c = stations.c
        statement = select(stations)
        if query.connected is not None:
            statement = statement.where(c.connected.is_(query.connected))
        if query.registered is not None:
            statement = statement.where(c.registered.is_(query.registered))
        if query.ocpp_version is not None:
            statement = statement.where(c.ocpp_version == query.ocpp_version)
        if query.after_id is not None:
            statement = statement.where(c.id > query.after_id)
        result = await self._db.execute(statement.order_by(c.id).limit(query.limit))
        return [_station(row) for row in result]

    async def delete(self, station_id: str) -> bool:
        result = await self._db.execute(delete(stations).where(stations.c.id == station_id))
        return bool(result.rowcount)

    async def address(self, station_id: str) -> StationAddress | None:
        row = (await self._db.execute(_ADDRESS, {"station": station_id})).one_or_none()
        return None if row is None else StationAddress(row[0], row[1])

    async def set_address(
        self, station_id: str, *, announced: str | None = None, override: str | None = None
    ) -> bool:
        values: dict[str, Any] = {}
        if announced is not None:
            values["soap_address"] = announced or None
        if override is not None:
            values["soap_address_override"] = override or None
        if not values:
            return await self.address(station_id) is not None
        statement = update(stations).where(stations.c.id == station_id).values(**values)
        result = await self._db.execute(statement)
        return bool(result.rowcount)

    async def addressed(self) -> Sequence[tuple[str, str | None, StationAddress]]:
        c = stations.c
        statement = (
            select(c.id, c.ocpp_version, c.soap_address, c.soap_address_override)
            .where((c.soap_address.is_not(None)) | (c.soap_address_override.is_not(None)))
            .order_by(c.id)
        )
        result = await self._db.execute(statement)
        return [(row[0], row[1], StationAddress(row[2], row[3])) for row in result]

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
        "description": station.description,
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
        description=m["description"],
    )
