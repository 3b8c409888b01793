"""Connect records written together: one unit of work for every station that connected
while the previous one was being stored.

Each connection is recorded (connected, OCPP version, last seen; a newcomer's record is
created) and committed before the station is served, as before. In a boot storm hundreds
of stations connect at once; one unit of work per connection spent more of the event
loop's time on the unit itself (its savepoint, its statements, its wait for the group
commit) than on the row. Here the first connect starts a writer; connects that arrive
while it stores a batch wait for the next batch: one upsert of many rows, one SELECT of
their records, one commit.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from ampyre.domain.station import Station
from ampyre.services.ports import UnitOfWorkFactory

_Waiting = tuple[str, str, datetime, "asyncio.Future[Station]"]


class ConnectRecords:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, station_id: str, ocpp_version: str, now: datetime) -> Station:
        """The station's record once its connection is stored (committed)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Station] = loop.create_future()
        self._waiting.append((station_id, ocpp_version, now, future))
        if self._writer is None:
            self._writer = loop.create_task(self._write())
        return await future

    async def _write(self) -> None:
        batch: list[_Waiting] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    async with self._uow() as uow:
                        stored = await uow.stations.record_connects([w[:3] for w in batch])
                        await uow.commit()
                except Exception as error:
                    for *_, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for station_id, *_, future in batch:
                    if not future.done():
                        future.set_result(stored[station_id])
                batch = []
        except BaseException:
            # Cancelled (shutdown): nobody waits for ever.
            for *_, future in [*batch, *self._waiting]:
                future.cancel()
            self._waiting = []
            raise
        finally:
            self._writer = None
