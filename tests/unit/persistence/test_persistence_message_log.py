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
