"""The message log: many rows in one INSERT, keyset-paginated search, deletion by age."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    Delete,
    Insert,
    Row,
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from ampyre.domain.message_log import (
    Direction,
    FrameKind,
    LoggedMessage,
    MessageQuery,
    RecordedFrame,
)
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import message_log, message_log_indexed, message_log_stations

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
        if query.station_id is not None and self._db.dialect == "sqlite":
            return await self._search_station(query, query.station_id)
        statement = _filtered(select(message_log), query)
        if query.station_id is not None:
            statement = statement.where(c.station_id == query.station_id)
        if query.before_id is not None:
            statement = statement.where(c.id < query.before_id)
        result = await self._db.execute(statement.order_by(c.id.desc()).limit(query.limit))
        return [_message(row) for row in result]

    async def _search_station(self, query: MessageQuery, station_id: str) -> list[LoggedMessage]:
        """SQLite: the messages above the index's watermark (the newest, not indexed yet:
        scanned newest first), then the indexed ones through message_log_stations."""
        c, s = message_log.c, message_log_stations.c
        up_to = await self._indexed_up_to()
        newest = _filtered(select(message_log), query).where(
            c.station_id == station_id, c.id > up_to
        )
        if query.before_id is not None:
            newest = newest.where(c.id < query.before_id)
        result = await self._db.execute(newest.order_by(c.id.desc()).limit(query.limit))
        found = [_message(row) for row in result]
        if len(found) >= query.limit:
            return found
        older = (
            _filtered(select(message_log), query)
            .join(message_log_stations, s.id == c.id)
            .where(s.station_id == station_id, s.id <= up_to, c.station_id == station_id)
        )
        if query.before_id is not None:
            older = older.where(s.id < query.before_id)
        result = await self._db.execute(older.order_by(s.id.desc()).limit(query.limit - len(found)))
        return found + [_message(row) for row in result]

    async def _indexed_up_to(self) -> int:
        result = await self._db.execute(select(message_log_indexed.c.up_to))
        return int(result.scalar_one_or_none() or 0)

    async def index_stations(self) -> int:
        if self._db.dialect != "sqlite":
            return 0
        up_to = await self._indexed_up_to()
        newest = (await self._db.execute(select(func.max(message_log.c.id)))).scalar()
        if newest is None or newest <= up_to:
            return 0
        c = message_log.c
        rows = (
            select(c.station_id, c.id)
            .where(c.id > up_to, c.id <= newest)
            .order_by(c.station_id, c.id)
        )
        added = await self._db.execute(
            insert(message_log_stations).from_select(["station_id", "id"], rows)
        )
        await self._db.execute(update(message_log_indexed).values(up_to=newest))
        return int(added.rowcount)

    async def delete_older_than(self, cutoff: datetime) -> int:
        result = await self._db.execute(self._db.prepared(_delete), {"cutoff": cutoff})
        if self._db.dialect == "sqlite" and result.rowcount:
            await self._forget_deleted()
        return int(result.rowcount)

    async def _forget_deleted(self) -> None:
        """SQLite: drop the index entries of deleted messages.

        Below the oldest message kept: station by station, by the key's leading column (no
        scan of the whole index). Above the newest message kept, where the newest were
        deleted too: SQLite numbers the next message after the newest one left, an id the
        index may still hold for another station, so those entries go and the watermark
        comes down with them."""
        c, s = message_log.c, message_log_stations.c
        oldest, newest = (await self._db.execute(select(func.min(c.id), func.max(c.id)))).one()
        if (newest or 0) < await self._indexed_up_to():
            await self._db.execute(delete(message_log_stations).where(s.id > (newest or 0)))
            await self._db.execute(update(message_log_indexed).values(up_to=newest or 0))
        if oldest is not None:
            await self._db.execute(
                delete(message_log_stations).where(
                    s.station_id.in_(select(_stations_indexed().c.station_id)), s.id < oldest
                )
            )


def _stations_indexed() -> CTE:
    """The stations message_log_stations holds, found one after the other by its key (a
    skip scan, which SQLite's planner does not do by itself)."""
    s = message_log_stations.c
    walk = select(func.min(s.station_id).label("station_id")).cte("stations", recursive=True)
    after = select(func.min(s.station_id)).where(s.station_id > walk.c.station_id)
    return walk.union_all(select(after.scalar_subquery()).where(walk.c.station_id.is_not(None)))


def _filtered(statement: Select[Any], query: MessageQuery) -> Select[Any]:
    """`statement` with the query's filters but its station and its page (`before_id`)."""
    c = message_log.c
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
    return statement


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
