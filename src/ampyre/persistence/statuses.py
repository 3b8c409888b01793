"""Connector status: the current state per station/EVSE/connector and the history of changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, bindparam, delete, insert, select

from ampyre.domain.availability import (
    ConnectorState,
    ConnectorStatus,
    StatusChange,
    StatusQuery,
    StatusReport,
)
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import connector_status, status_history

_KEYS = ("station_id", "evse_id", "connector_id")
_FIELDS = ("status", "error_code", "info", "vendor_id", "vendor_error_code")
_ADD_HISTORY = insert(status_history)


def _set_current(db: Executor) -> Any:
    return _newer_only(db.insert(connector_status))


def _newer_only(statement: Any) -> Any:
    """The current state takes the report unless it already holds a newer one."""
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[connector_status.c[key] for key in _KEYS],
        set_={name: excluded[name] for name in (*_FIELDS, "updated_at")},
        where=connector_status.c.updated_at <= excluded.updated_at,
    )


def _add_report(db: Executor) -> Any:
    """PostgreSQL: the history row and the current state in one statement, one round trip
    instead of two (a data-modifying WITH runs once, read or not). Its parameters are the
    report's fields prefixed `r_`, and `r_at`."""
    fields = {
        name: bindparam(f"r_{name}", type_=connector_status.c[name].type)
        for name in (*_KEYS, *_FIELDS)
    }
    at = bindparam("r_at", type_=connector_status.c.updated_at.type)
    history = insert(status_history).values({**fields, "timestamp": at}).cte("history")
    current = db.insert(connector_status).values({**fields, "updated_at": at})
    return _newer_only(current).add_cte(history)


class SqlStatusRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def add(self, report: StatusReport) -> None:
        """Append to the history; the current state takes the report unless it is older.

        A report that arrives late (offline queue) goes into the history but does not
        overwrite a newer current state.
        """
        values: dict[str, Any] = {
            "station_id": report.station_id,
            "evse_id": report.evse_id,
            "connector_id": report.connector_id,
            "status": report.status.value,
            "error_code": report.error_code,
            "info": report.info,
            "vendor_id": report.vendor_id,
            "vendor_error_code": report.vendor_error_code,
        }
        if self._db.dialect == "postgresql":
            parameters = {f"r_{name}": value for name, value in values.items()}
            parameters["r_at"] = report.timestamp
            await self._db.execute(self._db.prepared(_add_report), parameters)
            return
        # Nothing of either is read: on the group commit they run with other reports'.
        await self._db.defer(_ADD_HISTORY, {**values, "timestamp": report.timestamp})
        connector = ("connector_status", report.station_id, report.evse_id, report.connector_id)
        await self._db.defer(
            self._db.prepared(_set_current),
            {**values, "updated_at": report.timestamp},
            row=connector,
        )

    async def current(self, station_id: str) -> list[ConnectorState]:
        result = await self._db.execute(
            select(connector_status)
            .where(connector_status.c.station_id == station_id)
            .order_by(connector_status.c.evse_id, connector_status.c.connector_id)
        )
        return [_state(row) for row in result]

    async def history(self, station_id: str, limit: int = 100) -> list[StatusReport]:
        result = await self._db.execute(
            select(status_history)
            .where(status_history.c.station_id == station_id)
            .order_by(status_history.c.timestamp.desc(), status_history.c.id.desc())
            .limit(limit)
        )
        return [_report(row) for row in result]

    async def changes(self, query: StatusQuery) -> list[StatusChange]:
        c = status_history.c
        statement = select(status_history).where(c.station_id == query.station_id)
        if query.evse_id is not None:
            statement = statement.where(c.evse_id == query.evse_id)
        if query.connector_id is not None:
            statement = statement.where(c.connector_id == query.connector_id)
        if query.status is not None:
            statement = statement.where(c.status == query.status.value)
        if query.since is not None:
            statement = statement.where(c.timestamp >= query.since)
        if query.until is not None:
            statement = statement.where(c.timestamp < query.until)
        if query.before_id is not None:
            statement = statement.where(c.id < query.before_id)
        result = await self._db.execute(statement.order_by(c.id.desc()).limit(query.limit))
        return [StatusChange(id=int(row.id), report=_report(row)) for row in result]

    async def forget_current(self, station_id: str) -> None:
        await self._db.execute(
            delete(connector_status).where(connector_status.c.station_id == station_id)
        )


def _state(row: Row[Any]) -> ConnectorState:
    m = row._mapping
    return ConnectorState(
        evse_id=m["evse_id"],
        connector_id=m["connector_id"],
        status=ConnectorStatus(m["status"]),
        error_code=m["error_code"],
        updated_at=m["updated_at"],
    )


def _report(row: Row[Any]) -> StatusReport:
    m = row._mapping
    return StatusReport(
        station_id=m["station_id"],
        evse_id=m["evse_id"],
        connector_id=m["connector_id"],
        status=ConnectorStatus(m["status"]),
        timestamp=m["timestamp"],
        error_code=m["error_code"],
        info=m["info"],
        vendor_id=m["vendor_id"],
        vendor_error_code=m["vendor_error_code"],
    )
