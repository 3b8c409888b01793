"""MessageLogRepository on SQLite and PostgreSQL: recorded frames in, logged messages out."""

from __future__ import annotations

from persistence_builders import at

from ampyre.domain.message_log import (
    Direction,
    FrameKind,
    LoggedMessage,
    MessageQuery,
    RecordedFrame,
)
from ampyre.persistence import Database


def frame(seconds: float, **more: object) -> RecordedFrame:
    recorded: RecordedFrame = {
        "station_id": "CS1",
        "at": at(seconds),
        "direction": "out",
        "kind": "result",
        "message_id": "m1",
        "action": "Heartbeat",
        "error_code": None,
        "answer_ms": 1.5,
        "frame": '[3,"m1",{}]',
    }
    recorded.update(more)  # type: ignore[typeddict-item]
    return recorded


async def test_frames_are_stored_as_recorded_and_long_names_cut(database: Database) -> None:
    long = "x" * 100
    too_long = frame(2, kind="error", message_id=long, action=long, error_code=long)
    async with database.unit_of_work() as uow:
        await uow.message_log.add_many([frame(1), too_long])
        await uow.commit()
    async with database.unit_of_work() as uow:
        newest, oldest = await uow.message_log.search(MessageQuery(station_id="CS1"))

    assert too_long["message_id"] == long  # the caller's frame is left as it was
    assert oldest == LoggedMessage(
        station_id="CS1",
        at=at(1),
        direction=Direction.OUT,
        kind=FrameKind.RESULT,
        message_id="m1",
        action="Heartbeat",
        frame='[3,"m1",{}]',
        answer_ms=1.5,
        error_code=None,
        id=oldest.id,
    )
    assert (newest.kind, newest.message_id, newest.action, newest.error_code) == (
        FrameKind.ERROR,
        "x" * 64,
        "x" * 64,
        "x" * 64,
    )


async def _log(database: Database, frames: list[RecordedFrame]) -> None:
    async with database.unit_of_work() as uow:
        await uow.message_log.add_many(frames)
        await uow.commit()


async def _index(database: Database) -> int:
    async with database.unit_of_work() as uow:
        added = await uow.message_log.index_stations()
        await uow.commit()
    return added


async def _search(database: Database, **query: object) -> list[LoggedMessage]:
    async with database.unit_of_work() as uow:
        return await uow.message_log.search(MessageQuery(**query))  # type: ignore[arg-type]


def _two_stations(first: int, count: int) -> list[RecordedFrame]:
    """Frames of CS1 (even n) and CS2 (odd n) in turn; every third a StatusNotification."""
    return [
        frame(
            n,
            station_id=f"CS{n % 2 + 1}",
            message_id=f"m{n}",
            action="StatusNotification" if n % 3 == 0 else "Heartbeat",
        )
        for n in range(first, first + count)
    ]


async def test_a_station_s_messages_read_alike_above_and_below_the_index(
    database: Database,
) -> None:
    """On SQLite the station index is written in batches (`index_stations`): a station's
    messages are the newest from the log itself, then the indexed ones. Newest first,
    paged by `before_id` and filtered the same on both sides of that line."""
    await _log(database, _two_stations(0, 30))
    indexed = await _index(database)
    await _log(database, _two_stations(30, 30))
    assert indexed == (30 if database.dialect == "sqlite" else 0)
    assert await _index(database) == (30 if database.dialect == "sqlite" else 0)
    await _log(database, _two_stations(60, 10))  # and some above the index again

    every = await _search(database, station_id="CS1", limit=1000)
    ids = [m.id for m in every]
    assert [m.message_id for m in every] == [f"m{n}" for n in range(68, -1, -2)]
    assert ids == sorted(ids, reverse=True)

    pages: list[int] = []
    before = None
    while True:
        page = await _search(database, station_id="CS1", limit=7, before_id=before)
        pages += [m.id for m in page]
        if len(page) < 7:
            break
        before = page[-1].id
    assert pages == ids  # across both lines, nothing twice, nothing missed

    statuses = await _search(database, station_id="CS1", action="StatusNotification", limit=4)
    expected = [f"m{n}" for n in range(68, -1, -2) if n % 3 == 0][:4]
    assert [m.message_id for m in statuses] == expected
    assert [m.message_id for m in await _search(database, station_id="CS2", limit=3)] == [
        "m69",
        "m67",
        "m65",
    ]


async def test_deleting_old_messages_deletes_their_index_entries(database: Database) -> None:
    await _log(database, _two_stations(0, 20))
    await _index(database)
    await _log(database, _two_stations(20, 4))
    async with database.unit_of_work() as uow:
        assert await uow.message_log.delete_older_than(at(10)) == 10
        await uow.commit()
    kept = await _search(database, station_id="CS1", limit=100)
    assert [m.message_id for m in kept] == [f"m{n}" for n in range(22, 9, -2)]
    if database.dialect == "sqlite":
        async with database.engine.connect() as connection:
            left = (
                await connection.exec_driver_sql(
                    "SELECT min(id), count(*) FROM message_log_stations"
                )
            ).one()
        assert tuple(left) == (kept[-1].id, 10)  # m10..m19 indexed, m0..m9 gone


async def test_a_log_emptied_by_retention_indexes_its_new_messages_afresh(
    database: Database,
) -> None:
    """SQLite numbers the next message after the newest one left: once retention has taken
    every message, ids start again below the old watermark, and the index must not hold
    them for the station it held them for before."""
    await _log(database, _two_stations(0, 10))
    await _index(database)
    async with database.unit_of_work() as uow:
        assert await uow.message_log.delete_older_than(at(100)) == 10
        await uow.commit()
    await _log(database, _two_stations(1, 6))  # CS2 first now: the old ids, other stations
    assert [m.message_id for m in await _search(database, station_id="CS1", limit=100)] == [
        "m6",
        "m4",
        "m2",
    ]
    await _index(database)
    assert [m.message_id for m in await _search(database, station_id="CS2", limit=100)] == [
        "m5",
        "m3",
        "m1",
    ]
    assert [m.message_id for m in await _search(database, station_id="CS1", limit=2)] == [
        "m6",
        "m4",
    ]
