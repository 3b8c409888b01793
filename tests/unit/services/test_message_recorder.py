"""The message recorder: frames described by the transport or by its describer, paired.

Observers see each batch as it is stored; no database here (`store=False`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import pytest

from ampyre.domain.message_log import (
    Direction,
    FrameInfo,
    FrameKind,
    MessageQuery,
    RecordedFrame,
)
from ampyre.persistence import Database
from ampyre.services.message_log import MessageRecorder
from ampyre.transports.frame_info import describe_json_frame


class _Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def _no_database() -> contextlib.AbstractAsyncContextManager[object]:
    raise AssertionError("store=False writes nothing")


@pytest.fixture
def clock() -> _Clock:
    return _Clock()


@pytest.fixture
async def recorded(clock: _Clock) -> AsyncIterator[tuple[MessageRecorder, list[RecordedFrame]]]:
    seen: list[RecordedFrame] = []

    def observe(batch: Sequence[RecordedFrame]) -> None:
        seen.extend(batch)

    recorder = MessageRecorder(
        _no_database,  # type: ignore[arg-type]
        describe=describe_json_frame,
        store=False,
        wall_time=clock,
    )
    recorder.observe(observe)
    recorder.start()
    try:
        yield recorder, seen
    finally:
        await recorder.close()


async def test_an_answer_described_by_the_link_keeps_its_action_and_answer_time(
    recorded: tuple[MessageRecorder, list[RecordedFrame]], clock: _Clock
) -> None:
    recorder, seen = recorded
    call = '[2,"m1","Heartbeat",{}]'
    result = b'[3,"m1",{"currentTime":"2025-01-01T00:00:00Z"}]'
    recorder.frame("CS-1", Direction.IN, call, FrameInfo(FrameKind.CALL, "m1", "Heartbeat"))
    clock.now += 0.25
    recorder.frame("CS-1", Direction.OUT, result, FrameInfo(FrameKind.RESULT, "m1", "Heartbeat"))
    await recorder.flushed()

    (logged_call, logged_result) = seen
    assert (logged_call["kind"], logged_call["action"], logged_call["answer_ms"]) == (
        "call",
        "Heartbeat",
        None,
    )
    assert logged_result == {
        "station_id": "CS-1",
        "at": datetime.fromtimestamp(clock.now, UTC),
        "direction": "out",
        "kind": "result",
        "message_id": "m1",
        "action": "Heartbeat",
        "error_code": None,
        "answer_ms": 250.0,
        "frame": result.decode(),
    }


async def test_bare_frames_are_described_and_paired_as_before(
    recorded: tuple[MessageRecorder, list[RecordedFrame]], clock: _Clock
) -> None:
    recorder, seen = recorded
    recorder.frame("CS-2", Direction.OUT, b'[2,"c7","Reset",{"type":"Soft"}]')
    clock.now += 0.5
    recorder.frame("CS-2", Direction.IN, '[4,"c7","NotSupported","no",{}]')
    recorder.frame("CS-2", Direction.IN, "not json")
    await recorder.flushed()

    call, error, invalid = seen
    assert (call["kind"], call["message_id"], call["action"]) == ("call", "c7", "Reset")
    assert (error["kind"], error["action"], error["error_code"], error["answer_ms"]) == (
        "error",
        "Reset",
        "NotSupported",
        500.0,
    )
    assert (invalid["kind"], invalid["message_id"], invalid["action"]) == ("invalid", None, None)


async def test_the_station_index_follows_every_so_many_frames(database: Database) -> None:
    """Stored frames are added to the station index once `index_every` were written since
    the last time (SQLite; on PostgreSQL the index is a plain one and there is nothing to
    add); a station's search finds them all either way."""
    recorder = MessageRecorder(
        database.unit_of_work, describe=describe_json_frame, batch=4, index_every=10
    )
    recorder.start()
    try:
        for n in range(25):
            recorder.frame(f"CS{n % 2}", Direction.IN, f'[2,"m{n}","Heartbeat",{{}}]')
            if n % 4 == 3:
                await recorder.flushed()
        await recorder.flushed()
    finally:
        await recorder.close()
    async with database.engine.connect() as connection:
        up_to = (
            await connection.exec_driver_sql("SELECT up_to FROM message_log_indexed")
        ).scalar_one()
    assert up_to == (24 if database.dialect == "sqlite" else 0)  # at 12 written, then at 24
    async with database.unit_of_work() as uow:
        found = await uow.message_log.search(MessageQuery(station_id="CS1", limit=100))
    assert [m.message_id for m in found] == [f"m{n}" for n in range(23, 0, -2)]
