"""Charging profiles stations accepted, as we know them: installed until cleared or replaced."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert

from ampyre.domain.smart_charging import (
    ProfileState,
    StoredProfile,
    profile_document,
    profile_from_document,
)
from ampyre.persistence.executor import Executor
from ampyre.persistence.kept_state import end_rows, station_rows
from ampyre.persistence.tables import charging_profiles as table


class SqlChargingProfileRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def add(self, stored: StoredProfile) -> None:
        profile = stored.profile
        await self._db.execute(
            insert(table).values(
                station_id=stored.station_id,
                evse_id=stored.evse_id,
                profile_id=profile.id,
                stack_level=profile.stack_level,
                purpose=profile.purpose.value,
                transaction_id=stored.transaction_id,
                profile=profile_document(profile),
                state=stored.state.value,
                set_by=stored.set_by,
                installed_at=stored.installed_at,
                ended_at=stored.ended_at,
                ended_by=stored.ended_by,
            )
        )

    async def list(
        self, station_id: str, installed_only: bool = True
    ) -> builtins.list[StoredProfile]:
        live = ProfileState.INSTALLED.value if installed_only else None
        return [_stored(row) for row in await station_rows(self._db, table, station_id, live)]

    async def end(self, row_ids: Sequence[int], state: ProfileState, at: datetime, by: int) -> None:
        await end_rows(self._db, table, row_ids, state.value, at, by)


def _stored(row: Row[Any]) -> StoredProfile:
    m = row._mapping
    return StoredProfile(
        id=m["id"],
        station_id=m["station_id"],
        evse_id=m["evse_id"],
        profile=profile_from_document(dict(m["profile"])),
        state=ProfileState(m["state"]),
        set_by=m["set_by"],
        installed_at=m["installed_at"],
        transaction_id=m["transaction_id"],
        ended_at=m["ended_at"],
        ended_by=m["ended_by"],
    )
