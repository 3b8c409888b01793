"""The message log: many rows in one INSERT, keyset-paginated search, deletion by age."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Delete, Insert, Row, bindparam, delete, insert, select

from ampyre.domain.message_log import (
    Direction,
    FrameKind,
    LoggedMessage,
    MessageQuery,
    RecordedFrame,
)
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import message_log

#: longest message id / action / error code kept (the columns' size; longer ones are cut)
_SHORT = 64


def _insert(executor: Executor) -> Insert:
    return insert(message_log)


def _delete(executor: Executor) -> Delete:
    return delete(message_log).where(message_log.c.at < bindparam("cutoff"))


def _cut(value: str | None) -> str | None:
    return value if value is None or len(value) <= _SHORT else value[:_SHORT]


def _fitted(frame: RecordedFrame) -> RecordedFrame:
    """`frame`, or a copy whose message id, action and error code fit their columns."""
    message_id, action, error_code = frame["message_id"], frame["action"], frame["error_code"]
    if (
        (message_id is None or len(message_id) <= _SHORT)
        and (action is None or len(action) <= _SHORT)
        and (error_code is None or len(error_code) <= _SHORT)
    ):
        return frame
    fitted = frame.copy()
    fitted["message_id"] = _cut(message_id)
    fitted["action"] = _cut(action)
    fitted["error_code"] = _cut(error_code)
    return fitted


class SqlMessageLogRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def add_many(self, frames: Sequence[RecordedFrame]) -> None:
        if not frames:
            return
        # a RecordedFrame is keyed by the columns: the rows are the frames themselves
        await self._db.execute(self._db.prepared(_insert), [_fitted(frame) for frame in frames])

    async def search(self, query: MessageQuery) -> list[LoggedMessage]:
        c = message_log.c
        statement = select(message_log)
        if query.station_id is not None:
            statement = statement.where(c.station_id == query.station_id)
        if query.action is not None:
            statement = statement.where(c.action == query.action)
        if query.direction is not None:
            statement = statement.where(c.direction == query.direction.value)
        if query.kind is not None:
            statement = statement.where(c.kind == query.kind.value)
        if query.message_id is not None:
            statement = statement.where(c.message_id == query.message_id)
        if query.text:
            statement = statement.where(c.frame.icontains(query.text, autoescape=True))
        if query.since is not None:
            statement = statement.where(c.at >= query.since)
        if query.until is not None:
            statement = statement.where(c.at < query.until)
        if query.before_id is not None:
            statement = statement.where(c.id < query.before_id)
        result = await self._db.execute(statement.order_by(c.id.desc()).limit(query.limit))
        return [_message(row) for row in result]

    async def delete_older_than(self, cutoff: datetime) -> int:
        result = await self._db.execute(self._db.prepared(_delete), {"cutoff": cutoff})
        return int(result.rowcount)


def _message(row: Row[Any]) -> LoggedMessage:
    m = row._mapping
    return LoggedMessage(
        station_id=m["station_id"],
        at=m["at"],
        direction=Direction(m["direction"]),
        kind=FrameKind(m["kind"]),
        message_id=m["message_id"],
        action=m["action"],
        frame=m["frame"],
        answer_ms=m["answer_ms"],
        error_code=m["error_code"],
        id=m["id"],
    )
