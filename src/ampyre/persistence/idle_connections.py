"""PostgreSQL connections handed from one unit of work to the next, in front of the pool.

Every unit of work on PostgreSQL used to take its connection from SQLAlchemy's pool and
give it back: `AsyncEngine.connect()` and `AsyncConnection.close()`, each a greenlet spawn
around the pool's checkout or its return (with its reset): a unit of work of a BEGIN, one
SELECT and a COMMIT took 160 µs of CPU, 88 µs without them (raw asyncpg: ~55). Here a
connection a unit of work leaves clean goes straight to the next one:

- clean means: the unit did not fail; a transaction it left open (a unit that only read)
  rolled back; then no transaction at any level (SQLAlchemy's, the adapted connection's,
  asyncpg's), neither closed nor invalidated. Anything else goes back to the pool as
  before, which rolls it back or throws it away;
- units of work hold at most `limit` connections (the pool's size plus its overflow), and
  those kept idle count too, so the pool is never asked for more than it has. A unit that
  finds none free waits its turn here, first come first served: a freed connection goes
  to the longest waiting unit (kept instead, it would go to whichever unit came next and
  the waiting ones would starve), or its place does, when the connection went back to the
  pool. After `timeout` seconds of waiting (the pool's own default, 30 s) the unit fails
  with `StorageUnavailable`, as the pool's timeout did. One timer serves all the waiting
  units, at the oldest one's deadline (`asyncio.timeout()` around each wait cost 2.5 % of
  the instructions per message when most units wait: `hotpath.py` on PostgreSQL, 100
  stations, under callgrind);
- at most `keep` (the pool's size) are kept idle; when one is found dead (the server
  restarted or dropped it) the others are as old: `discard` gives them all back, and the
  pool replaces them at their next checkout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ampyre.domain.errors import StorageUnavailable

if TYPE_CHECKING:
    from ampyre.persistence.database import Database

log = logging.getLogger(__name__)

#: what a waiting unit is handed: a connection, or None (a place: take one from the pool)
_Handed = AsyncConnection | None


class IdleConnections:
    """The connections units of work hold, keep idle, and wait for (see the module)."""

    __slots__ = ("_database", "_held", "_idle", "_sweep", "_waiters", "keep", "limit", "timeout")

    def __init__(self, database: Database, keep: int, limit: int, timeout: float = 30.0) -> None:
        self._database = database
        #: clean connections between units of work, most recently used last
        self._idle: list[AsyncConnection] = []
        #: units of work waiting for a connection, with their deadline; longest waiting first
        self._waiters: deque[tuple[asyncio.Future[_Handed], float]] = deque()
        #: the timer that fails the waiting units past their deadline, while there are any
        self._sweep: asyncio.TimerHandle | None = None
        #: connections units of work hold or are getting from the pool
        self._held = 0
        #: connections kept idle at most
        self.keep = keep
        #: connections held and kept idle at most (the pool's size and overflow)
        self.limit = limit
        #: seconds a unit of work waits for a connection before it fails
        self.timeout = timeout

    def __len__(self) -> int:
        return len(self._idle)

    async def take(self) -> AsyncConnection:
        """A connection for a unit of work: a kept one, a new one from the pool, or the
        next one freed."""
        idle = self._idle
        while idle:
            connection = idle.pop()
            if not (connection.closed or connection.invalidated):
                self._held += 1
                return connection
            await self._database.checkin(connection)
        if self._waiters or self._held + len(idle) >= self.limit:
            handed = await self._wait()
            if handed is not None:
                return handed
        else:
            self._held += 1
        try:
            return await self._database.checkout()
        except BaseException:
            self._free_place()
            raise

    async def give_back(self, connection: AsyncConnection, clean: bool) -> None:
        """After a unit of work: to the next one if `connection` is clean, else to the pool."""
        passed_on = False
        try:
            if clean:
                try:
                    await _roll_back(connection)
                    clean = _reusable(connection)
                except Exception:
                    log.debug("rolling back a unit of work's connection failed", exc_info=True)
                    clean = False
            passed_on = clean and self._pass_on(connection)
        finally:  # cancelled while rolling back too: the pool has it back, its place is freed
            if not passed_on:
                try:
                    await self._database.checkin(connection)
                finally:
                    self._free_place()

    async def replace(self, dead: AsyncConnection) -> AsyncConnection:
        """A fresh connection from the pool for one found closed; the kept ones are as old
        and go back to the pool too (it replaces them at their next checkout)."""
        try:
            await self._database.checkin(dead)
            await self.discard()
            return await self._database.checkout()
        except BaseException:
            self._free_place()
            raise

    async def discard(self) -> None:
        """Give every kept connection back to the pool (closing time, or they went stale)."""
        idle, self._idle = self._idle, []
        for connection in idle:
            await self._database.checkin(connection)

    def _pass_on(self, connection: AsyncConnection, over_keep: bool = False) -> bool:
        """A clean connection to the longest waiting unit, or kept idle; False: neither."""
        waiter = self._next_waiter()
        if waiter is not None:
            waiter.set_result(connection)
            return True
        if over_keep or len(self._idle) < self.keep:
            self._held -= 1
            self._idle.append(connection)
            return True
        return False

    def _free_place(self) -> None:
        """A held connection went back to the pool: its place to the longest waiting unit."""
        waiter = self._next_waiter()
        if waiter is not None:
            waiter.set_result(None)
            return
        self._held -= 1

    def _next_waiter(self) -> asyncio.Future[_Handed] | None:
        """The longest waiting unit still waiting (it leaves the queue), or None."""
        while self._waiters:
            waiter, _ = self._waiters.popleft()
            if not waiter.done():
                return waiter
        return None

    async def _wait(self) -> _Handed:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_Handed] = loop.create_future()
        waiter = (future, loop.time() + self.timeout)
        self._waiters.append(waiter)
        if self._sweep is None:
            self._sweep = loop.call_at(waiter[1], self._fail_the_late)
        try:
            return await future
        except BaseException:
            if future.done() and not future.cancelled() and future.exception() is None:
                handed = future.result()  # handed over as it gave up
                if handed is None:
                    self._free_place()
                else:  # clean: the next unit's, or kept (held and kept stay within limit)
                    self._pass_on(handed, over_keep=True)
            elif not future.done():
                future.cancel()
            with contextlib.suppress(ValueError):  # a giver or the timer may have taken it
                self._waiters.remove(waiter)
            raise

    def _fail_the_late(self) -> None:
        """Fail the units that waited `timeout` seconds; the timer again for the next one."""
        self._sweep = None
        waiters = self._waiters
        loop = asyncio.get_running_loop()
        now = loop.time()
        while waiters and (waiters[0][0].done() or waiters[0][1] <= now):
            future, _ = waiters.popleft()
            if not future.done():
                future.set_exception(
                    StorageUnavailable(
                        f"no database connection became free within {self.timeout:g} s "
                        f"({self.limit} in use by units of work)"
                    )
                )
        if waiters:
            self._sweep = loop.call_at(waiters[0][1], self._fail_the_late)


async def _roll_back(connection: AsyncConnection) -> None:
    """End what a unit of work that only read left open (a BEGIN, no COMMIT)."""
    if connection.closed or connection.invalidated:
        return
    if connection.in_transaction():  # begun through SQLAlchemy
        await connection.rollback()
        return
    driver = adapted(connection)
    if driver._transaction is not None:  # begun by the fast path
        await driver._call_and_discard(driver._transaction.rollback)


def adapted(connection: AsyncConnection) -> Any:
    """SQLAlchemy's adapted asyncpg connection under a pooled connection."""
    sync = connection.sync_connection
    if sync is None:  # pragma: no cover - a started AsyncConnection has one
        raise RuntimeError("the connection is not started")
    return sync.connection.dbapi_connection


def _reusable(connection: AsyncConnection) -> bool:
    """No transaction open at any level, the connection alive as far as it is known."""
    if connection.closed or connection.invalidated or connection.in_transaction():
        return False
    driver = adapted(connection)
    if driver._transaction is not None:
        return False
    asyncpg_connection = driver._connection
    return not (asyncpg_connection.is_closed() or asyncpg_connection.is_in_transaction())
