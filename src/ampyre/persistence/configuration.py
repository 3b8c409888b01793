"""Station settings (1.x configuration keys, 2.0.1 variables) as last reported."""

from __future__ import annotations

import builtins
from collections.abc import Collection
from typing import Any

from sqlalchemy import Row, delete, select

from ampyre.domain.configuration import SettingSource, StoredSetting
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import station_settings as t


class SqlConfigurationRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def put(self, setting: StoredSetting) -> None:
        values: dict[str, Any] = {
            "station_id": setting.station_id,
            "key": setting.key,
            "value": setting.value,
            "readonly": setting.readonly,
            "status": setting.status,
            "source": setting.source.value,
            "updated_at": setting.updated_at,
        }
        statement = self._db.insert(t).values(values)
        # a change does not say whether the key is read-only: keep what a get said
        changed = [k for k in values if k not in ("station_id", "key")]
        if setting.readonly is None:
            changed.remove("readonly")
        await self._db.execute(
            statement.on_conflict_do_update(
                index_elements=[t.c.station_id, t.c.key],
                set_={name: statement.excluded[name] for name in changed},
            )
        )

    async def remove(self, station_id: str, keys: Collection[str]) -> None:
        if keys:
            await self._db.execute(
                delete(t).where(t.c.station_id == station_id, t.c.key.in_(list(keys)))
            )

    async def keep_only(self, station_id: str, keys: Collection[str]) -> None:
        statement = delete(t).where(t.c.station_id == station_id)
        if keys:
            statement = statement.where(t.c.key.not_in(list(keys)))
        await self._db.execute(statement)

    async def list(self, station_id: str) -> builtins.list[StoredSetting]:
        result = await self._db.execute(
            select(t).where(t.c.station_id == station_id).order_by(t.c.key)
        )
        return [_setting(row) for row in result]


def _setting(row: Row[Any]) -> StoredSetting:
    m = row._mapping
    return StoredSetting(
        station_id=m["station_id"],
        key=m["key"],
        value=m["value"],
        readonly=m["readonly"],
        status=m["status"],
        source=SettingSource(m["source"]),
        updated_at=m["updated_at"],
    )
