"""Upload slots handed to stations and what they uploaded (the contents are on disk)."""

from __future__ import annotations

import builtins
import dataclasses
from typing import Any

from sqlalchemy import Row, delete, insert, select, update

from ampyre.domain.diagnostics import StoredFile
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import stored_files


class SqlStoredFileRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def add(self, file: StoredFile) -> StoredFile:
        values = dataclasses.asdict(file)
        del values["id"]
        result = await self._db.execute(
            insert(stored_files).values(**values).returning(stored_files.c.id)
        )
        return dataclasses.replace(file, id=int(result.scalar_one()))

    async def by_token(self, token: str) -> StoredFile | None:
        result = await self._db.execute(select(stored_files).where(stored_files.c.token == token))
        row = result.one_or_none()
        return None if row is None else _file(row)

    async def get(self, file_id: int) -> StoredFile | None:
        result = await self._db.execute(select(stored_files).where(stored_files.c.id == file_id))
        row = result.one_or_none()
        return None if row is None else _file(row)

    async def save(self, file: StoredFile) -> None:
        values = dataclasses.asdict(file)
        del values["id"], values["command_id"]  # set by `link` only
        await self._db.execute(
            update(stored_files).where(stored_files.c.id == file.id).values(**values)
        )

    async def delete(self, file_id: int) -> None:
        await self._db.execute(delete(stored_files).where(stored_files.c.id == file_id))

    async def link(self, token: str, command_id: int, name: str | None) -> None:
        await self._db.execute(
            update(stored_files).where(stored_files.c.token == token).values(command_id=command_id)
        )
        if name is not None:  # an upload that came first keeps the name it came with
            await self._db.execute(
                update(stored_files)
                .where(stored_files.c.token == token, stored_files.c.name.is_(None))
                .values(name=name)
            )

    async def list(
        self, station_id: str | None = None, command_id: int | None = None, limit: int = 100
    ) -> builtins.list[StoredFile]:
        statement = select(stored_files)
        if station_id is not None:
            statement = statement.where(stored_files.c.station_id == station_id)
        if command_id is not None:
            statement = statement.where(stored_files.c.command_id == command_id)
        result = await self._db.execute(statement.order_by(stored_files.c.id.desc()).limit(limit))
        return [_file(row) for row in result]


def _file(row: Row[Any]) -> StoredFile:
    return StoredFile(**dict(row._mapping))
