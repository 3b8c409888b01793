"""Connects and boots stored together: one unit of work for every station that connected
(or booted) while the previous batch was being stored.

Each connection is recorded (connected, OCPP version, last seen; a newcomer's record is
created) and each boot stored, and committed, before the station is served or answered, as
before. In a boot storm hundreds of stations connect and boot at once; one unit of work per
station spent more of the event loop's time on the unit itself (its savepoint, its
statements, its wait for the group commit) than on the row. Here the first arrival starts a
writer; arrivals while it stores a batch wait for the next one: one SELECT of the batch's
records, one upsert of many rows, one commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from ampyre.services.ports import UnitOfWork, UnitOfWorkFactory

I = TypeVar("I")  # noqa: E741
R = TypeVar("R")


class StoredTogether(Generic[I, R]):
    """`store(uow, items)` (results in the order of the items) for batches of `submit`s; the
    writer commits each batch."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        store: Callable[[UnitOfWork, Sequence[I]], Awaitable[Sequence[R]]],
    ) -> None:
        self._uow = uow
        self._store = store
        self._waiting: list[tuple[I, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: I) -> R:
        """The item's result once its batch is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._waiting.append((item, future))
        if self._writer is None:
            self._writer = loop.create_task(self._write())
        return await future

    async def _write(self) -> None:
        batch: list[tuple[I, asyncio.Future[R]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    async with self._uow() as uow:
                        results = await self._store(uow, [item for item, _ in batch])
                        await uow.commit()
                except Exception as error:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
                batch = []
        except BaseException:
            # Cancelled (shutdown): nobody waits for ever.
            for _, future in [*batch, *self._waiting]:
                future.cancel()
            self._waiting = []
            raise
        finally:
            self._writer = None
