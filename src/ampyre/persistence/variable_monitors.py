"""Variable monitors stations accepted, as we know them: active until cleared or replaced."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert

from ampyre.domain.device_model import (
    ComponentRef,
    MonitorSetting,
    MonitorState,
    MonitorType,
    StoredMonitor,
    VariableRef,
    component_document,
    variable_document,
)
from ampyre.persistence.executor import Executor
from ampyre.persistence.kept_state import end_rows, station_rows
from ampyre.persistence.tables import variable_monitors as table


class SqlMonitorRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def add(self, stored: StoredMonitor) -> None:
        setting = stored.setting
        await self._db.execute(
            insert(table).values(
                station_id=stored.station_id,
                monitor_id=stored.monitor_id,
                component=component_document(setting.component),
                variable=variable_document(setting.variable),
                type=setting.type.value,
                value=setting.value,
                severity=setting.severity,
                transaction_only=setting.transaction,
                state=stored.state.value,
                set_by=stored.set_by,
                set_at=stored.set_at,
                ended_at=stored.ended_at,
                ended_by=stored.ended_by,
            )
        )

    async def list(self, station_id: str, active_only: bool = True) -> builtins.list[StoredMonitor]:
        live = MonitorState.ACTIVE.value if active_only else None
        return [_stored(row) for row in await station_rows(self._db, table, station_id, live)]

    async def end(self, row_ids: Sequence[int], state: MonitorState, at: datetime, by: int) -> None:
        await end_rows(self._db, table, row_ids, state.value, at, by)


def _stored(row: Row[Any]) -> StoredMonitor:
    m = row._mapping
    component, variable = dict(m["component"]), dict(m["variable"])
    return StoredMonitor(
        id=m["id"],
        station_id=m["station_id"],
        monitor_id=m["monitor_id"],
        setting=MonitorSetting(
            id=m["monitor_id"],
            component=ComponentRef(
                name=component["name"],
                instance=component.get("instance"),
                evse_id=component.get("evse_id"),
                connector_id=component.get("connector_id"),
            ),
            variable=VariableRef(name=variable["name"], instance=variable.get("instance")),
            type=MonitorType(m["type"]),
            value=m["value"],
            severity=m["severity"],
            transaction=m["transaction_only"],
        ),
        state=MonitorState(m["state"]),
        set_by=m["set_by"],
        set_at=m["set_at"],
        ended_at=m["ended_at"],
        ended_by=m["ended_by"],
    )
