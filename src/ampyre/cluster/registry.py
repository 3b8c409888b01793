"""Which worker holds which station: claims on connect, releases on disconnect.

Changes to one station are serialised: a claim waits while a release of the same station is
being recorded (its disconnect written to the database), so the record of a station that
moved from one worker to another always ends with the worker that holds it now.

This is the memory twin, kept by the primary for the workers of one host. A twin over a
shared store (e.g. Redis) would give the same answers to primaries on several hosts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Holding:
    station_id: str
    node: int
    version: str
    #: which of the node's claims (a node may claim a station again, e.g. on a reconnect)
    claim: int = 0


class _Turn:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class StationRegistry:
    def __init__(self) -> None:
        self._held: dict[str, Holding] = {}
        self._locks: dict[str, _Turn] = {}

    def owner(self, station_id: str) -> Holding | None:
        return self._held.get(station_id)

    def held_by(self, node: int) -> list[str]:
        return sorted(h.station_id for h in self._held.values() if h.node == node)

    def __len__(self) -> int:
        return len(self._held)

    def holdings(self) -> list[Holding]:
        return list(self._held.values())

    @contextlib.asynccontextmanager
    async def _turn(self, station_id: str) -> AsyncIterator[None]:
        """One change of the station at a time; the lock is forgotten when nobody waits."""
        turn = self._locks.get(station_id)
        if turn is None:
            turn = self._locks[station_id] = _Turn()
        turn.users += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._locks[station_id]

    async def claim(
        self, station_id: str, node: int, version: str, claim: int = 0
    ) -> Holding | None:
        """`node` holds the station now (by its `claim`); return the holding this replaced
        when another node held the station (that node must close its connection)."""
        async with self._turn(station_id):
            before = self._held.get(station_id)
            self._held[station_id] = Holding(station_id, node, version, claim)
            return before if before is not None and before.node != node else None

    async def release(
        self,
        station_id: str,
        node: int,
        then: Callable[[], Awaitable[None]] | None = None,
    ) -> bool:
        """Forget the station if `node` still holds it, and run `then` before anyone may claim
        it again. False (and nothing run) when another node holds it now."""
        async with self._turn(station_id):
            held = self._held.get(station_id)
            if held is None or held.node != node:
                return False
            del self._held[station_id]
            if then is not None:
                await then()
            return True
