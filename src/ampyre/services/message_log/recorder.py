"""The wiretap behind every transport: frames in a bounded queue, written in batches.

`frame()` runs on the stations' hot path, so it only appends to a deque: no parsing, no
task, no await. A single flusher task wakes when the first frame arrives, lets frames
gather for `interval` seconds (or until `batch` of them wait), then describes those the
transport did not (type, message id, action), pairs each answer with its CALL (same station,
same message id, other direction) to get the action and the answer time, hands the batch to
the observers (metrics) and writes it with one INSERT in one unit of work. When the queue is
full, frames are counted as dropped and logged, never waited for: a station's answer does
not depend on the log.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from ampyre.domain.message_log import Direction, FrameInfo, FrameKind, RecordedFrame
from ampyre.services.ports import UnitOfWorkFactory

log = logging.getLogger("ampyre.message_log")

Describe = Callable[[str], FrameInfo]
Observer = Callable[[Sequence[RecordedFrame]], None]

_Entry = tuple[str, Direction, str | bytes, FrameInfo | None, float]

#: the other direction, by value. The flusher's loop works with the plain strings `str()`
#: gives of the enum members: their `.value` and their hash run Python code (~150 ns each).
_OTHER = {Direction.IN.value: Direction.OUT.value, Direction.OUT.value: Direction.IN.value}
#: seconds between two warnings about dropped frames
_DROP_WARNING_EVERY = 10.0


class MessageRecorder:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        describe: Describe,
        store: bool = True,
        capacity: int = 50_000,
        batch: int = 500,
        interval: float = 0.1,
        index_every: int = 20_000,
        wall_time: Callable[[], float] = time.time,
    ) -> None:
        self._uow = uow
        self._describe = describe
        #: write to the database (False: observers only, e.g. metrics with the log off)
        self.store = store
        self._capacity = capacity
        self._batch = batch
        self._interval = interval
        #: frames written between two updates of the station index (where it is batched)
        self._index_every = index_every
        self._unindexed = 0
        self._time = wall_time
        self._queue: collections.deque[_Entry] = collections.deque()
        self._wake = asyncio.Event()
        self._full = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self._observers: list[Observer] = []
        #: the CALL each station has open per direction (its value): (message id, action, time)
        self._open: dict[tuple[str, str], tuple[str | None, str | None, float]] = {}
        self._last_warning = 0.0
        self._flushed = asyncio.Event()
        self._busy = False
        #: frames lost to a full queue, and frames whose batch could not be stored
        self.dropped = 0
        self.failed = 0
        self.written = 0

    # --- the hot path -------------------------------------------------------------------

    def frame(
        self,
        station_id: str,
        direction: Direction,
        data: str | bytes,
        info: FrameInfo | None = None,
    ) -> None:
        """Record one frame as it passes (`info` when the transport already knows it)."""
        queue = self._queue
        if len(queue) >= self._capacity:
            self._drop()
            return
        queue.append((station_id, direction, data, info, self._time()))
        waiting = len(queue)
        if waiting == 1:
            self._wake.set()
        elif waiting == self._batch:
            self._full.set()

    def _drop(self) -> None:
        self.dropped += 1
        now = self._time()
        if now - self._last_warning >= _DROP_WARNING_EVERY:
            self._last_warning = now
            log.warning(
                "message log queue full (%d frames): %d frames dropped so far; the database "
                "does not keep up",
                self._capacity,
                self.dropped,
            )

    # --- observers and life cycle -----------------------------------------------------

    def observe(self, observer: Observer) -> None:
        """Also hand every described batch to `observer` (synchronous; must not block)."""
        self._observers.append(observer)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="message-log")

    async def close(self) -> None:
        """Write what is queued, then stop."""
        self._closing = True
        self._wake.set()
        self._full.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def flushed(self) -> None:
        """Wait until every frame queued so far was handled (tests, shutdown)."""
        while self._queue or self._busy:
            self._full.set()
            await self._flushed.wait()

    # --- the flusher --------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            if not self._queue:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            if len(self._queue) < self._batch and not self._closing:
                self._full.clear()
                try:
                    async with asyncio.timeout(self._interval):
                        await self._full.wait()
                except TimeoutError:
                    pass
            await self._flush()

    async def _flush(self) -> None:
        queue = self._queue
        entries = [queue.popleft() for _ in range(min(len(queue), self._batch))]
        self._busy = True
        frames = self._recorded(entries)
        for observer in self._observers:
            try:
                observer(frames)
            except Exception:
                log.exception("a message log observer failed")
        if self.store:
            try:
                async with self._uow() as uow:
                    await uow.message_log.add_many(frames)
                    await uow.commit()
                self.written += len(frames)
                self._unindexed += len(frames)
            except Exception as exc:
                self.failed += len(frames)
                log.error("message log: %d messages not stored: %s", len(frames), exc)
            if self._unindexed >= self._index_every:
                await self._index_stations()
        self._busy = False
        flushed, self._flushed = self._flushed, asyncio.Event()
        flushed.set()

    async def _index_stations(self) -> None:
        """Add the messages written since the last time to the station index, in one sorted
        statement (SQLite; searches read the newer ones from the log itself meanwhile)."""
        try:
            async with self._uow() as uow:
                await uow.message_log.index_stations()
                await uow.commit()
        except Exception as exc:
            log.error("message log: the station index was not updated (next time): %s", exc)
            return
        self._unindexed = 0

    def _recorded(self, entries: list[_Entry]) -> list[RecordedFrame]:
        """The entries described (when they came without) and each answer paired with its CALL."""
        describe, calls = self._describe, self._open
        call_kind, invalid_kind = FrameKind.CALL, FrameKind.INVALID
        frames: list[RecordedFrame] = []
        for station_id, direction, data, info, at in entries:
            text = data if isinstance(data, str) else data.decode("utf-8", "replace")
            if info is None:
                info = describe(text)
            kind, message_id = info.kind, info.message_id
            action, answer_ms = info.action, None
            direction_value = str(direction)
            if kind is call_kind:
                calls[station_id, direction_value] = (message_id, action, at)
            elif kind is not invalid_kind:
                key = (station_id, _OTHER[direction_value])
                call = calls.get(key)
                if call is not None and call[0] == message_id:
                    del calls[key]
                    action = action or call[1]
                    answer_ms = round((at - call[2]) * 1000.0, 3)
            frames.append(
                {
                    "station_id": station_id,
                    "at": datetime.fromtimestamp(at, UTC),
                    "direction": direction_value,
                    "kind": str(kind),
                    "message_id": message_id,
                    "action": action,
                    "error_code": info.error_code,
                    "answer_ms": answer_ms,
                    "frame": text,
                }
            )
        return frames
