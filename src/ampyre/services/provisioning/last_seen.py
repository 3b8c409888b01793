"""When each station was last heard from: kept in memory, stored soon after, in one write.

Every CALL from a station moves its `last_seen`. Storing each one as it comes would cost a
write and a durable commit per message, and a Heartbeat would be nothing else: the station
would wait for the disk to learn the time. Here the times are kept per station and stored
together, one UPDATE per station in one unit of work, `delay` seconds after the first of
them. A crash loses at most the last `delay` seconds of `last_seen`, nothing else: boots,
connects and disconnects store it with their own records, as before.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from ampyre.services.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)

#: seconds between the first unstored time and its write
DELAY = 1.0


class LastSeen:
    def __init__(self, uow: UnitOfWorkFactory, delay: float = DELAY) -> None:
        self._uow = uow
        self._delay = delay
        #: station id → when it was last heard from, not stored yet
        self._pending: dict[str, datetime] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._writing: asyncio.Task[None] | None = None
        self._closed = False

    def heard(self, station_id: str, at: datetime) -> None:
        """The station was heard from `at` (the server's clock: later calls, later times)."""
        self._pending[station_id] = at
        if self._timer is None and self._writing is None and not self._closed:
            self._timer = asyncio.get_running_loop().call_later(self._delay, self._write_soon)

    def _write_soon(self) -> None:
        self._timer = None
        self._writing = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        try:
            await self.flush()
        finally:
            self._writing = None
            if self._pending and not self._closed:
                loop = asyncio.get_running_loop()
                self._timer = loop.call_later(self._delay, self._write_soon)

    async def flush(self) -> None:
        """Store every time gathered so far; on failure keep them for the next try."""
        seen, self._pending = self._pending, {}
        if not seen:
            return
        try:
            async with self._uow() as uow:
                await uow.stations.touch_many(list(seen.items()))
                await uow.commit()
        except Exception as error:
            for station_id, at in seen.items():
                self._pending.setdefault(station_id, at)  # unless heard from again meanwhile
            log.warning(
                "last seen times of %d station(s) not stored yet (%s); retrying",
                len(seen),
                error,
            )

    async def close(self) -> None:
        """Store what is left; no more timed writes."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._writing is not None:
            await self._writing
        await self.flush()
