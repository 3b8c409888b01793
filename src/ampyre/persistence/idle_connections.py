"""PostgreSQL connections a unit of work left clean, kept for the next one.

Every unit of work on PostgreSQL used to take its connection from SQLAlchemy's pool and
give it back: `AsyncEngine.connect()` and `AsyncConnection.close()`, each a greenlet spawn
around the pool's checkout or its return (with its reset): a unit of work of a BEGIN, one
SELECT and a COMMIT took 160 µs of CPU, 88 µs without them (raw asyncpg: ~55). This keeps
up to `keep` connections, still checked out of the pool, for the next unit:

- a connection is kept only when its unit of work did not fail, and once it is as the
  pool would hand it out: a transaction left open (a unit that only read) rolled back, no
  transaction at any level (SQLAlchemy's, the adapted connection's, asyncpg's), neither
  closed nor invalidated. Anything else goes back to the pool as before, which rolls it
  back or throws it away;
- the kept ones count against the pool's size as connections in use, so the engine never
  holds more than `pool_size + max_overflow`; `keep` is at most the pool's size;
- when a connection is found dead (the server restarted or dropped it), the kept ones are
  as old: `discard` gives them all back, and the pool replaces them at their next checkout.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection

if TYPE_CHECKING:
    from ampyre.persistence.database import Database

log = logging.getLogger(__name__)


class IdleConnections:
    """Clean connections between units of work, most recently used first."""

    __slots__ = ("_database", "_idle", "keep")

    def __init__(self, database: Database, keep: int) -> None:
        self._database = database
        self._idle: list[AsyncConnection] = []
        #: connections kept at most
        self.keep = keep

    def __len__(self) -> int:
        return len(self._idle)

    async def take(self) -> AsyncConnection:
        """The most recently kept connection, or a new one from the pool."""
        idle = self._idle
        while idle:
            connection = idle.pop()
            if not (connection.closed or connection.invalidated):
                return connection
            await self._database.checkin(connection)
        return await self._database.checkout()

    async def give_back(self, connection: AsyncConnection, clean: bool) -> None:
        """Keep `connection` for the next unit of work if it is clean, else return it."""
        if clean and len(self._idle) < self.keep:
            try:
                await _roll_back(connection)
            except Exception:
                log.debug("rolling back before keeping a connection failed", exc_info=True)
            else:
                if _reusable(connection):
                    self._idle.append(connection)
                    return
        await self._database.checkin(connection)

    async def discard(self) -> None:
        """Give every kept connection back to the pool (closing time, or they went stale)."""
        idle, self._idle = self._idle, []
        for connection in idle:
            await self._database.checkin(connection)


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
