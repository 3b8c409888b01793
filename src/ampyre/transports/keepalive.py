"""WebSocket keepalive for many connections on one timer (the picows transport's pings).

A ping every `interval` seconds per connection; a connection whose pong has not come
`timeout` seconds after a ping is told so (it closes). Instead of a task or a timer handle
per connection (~0.5 KB each with 20,000 stations), connections wait in lists keyed by the
tick at which they are due, and one timer serves the earliest tick. A tick is a tenth of the
shorter of interval and timeout, at most a second: pings go out at most one tick late.
"""

from __future__ import annotations

import asyncio
import math
from typing import Protocol


class Pinged(Protocol):
    def keepalive_ping(self) -> int | None:
        """Send a ping; its number, or None when the connection is gone (forget it)."""
        ...

    def keepalive_answered(self, ping: int) -> bool:
        """Whether a pong came after ping number `ping` (or the connection is gone)."""
        ...

    def keepalive_expired(self) -> None:
        """No pong in time: close."""
        ...


class Keepalive:
    def __init__(self, interval: float, timeout: float | None) -> None:
        self.interval = interval
        self.timeout = timeout
        self._tick = min(1.0, interval / 10, (timeout or interval) / 10)
        self._pings: dict[int, list[Pinged]] = {}
        self._deadlines: dict[int, list[tuple[Pinged, int]]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._armed_for: int | None = None

    def _slot(self, now: float, delay: float) -> int:
        return math.ceil((now + delay) / self._tick)

    def add(self, link: Pinged) -> None:
        """Ping `link` from `interval` seconds from now on, until it is gone."""
        now = asyncio.get_running_loop().time()
        self._pings.setdefault(self._slot(now, self.interval), []).append(link)
        self._arm()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._armed_for = None
        self._pings.clear()
        self._deadlines.clear()

    def _arm(self) -> None:
        slots = [*self._pings, *self._deadlines]
        if not slots:
            return
        first = min(slots)
        if self._armed_for is not None and self._armed_for <= first:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._armed_for = first
        self._timer = asyncio.get_running_loop().call_at(first * self._tick, self._run)

    def _run(self) -> None:
        armed = self._armed_for
        self._timer = self._armed_for = None
        now = asyncio.get_running_loop().time()
        # the slot we were armed for is due even if the clock (ms resolution) says a hair less
        current = max(armed or 0, math.floor(now / self._tick))
        for slot in [s for s in self._deadlines if s <= current]:
            for link, ping in self._deadlines.pop(slot):
                if not link.keepalive_answered(ping):
                    link.keepalive_expired()
        for slot in [s for s in self._pings if s <= current]:
            for link in self._pings.pop(slot):
                sent = link.keepalive_ping()
                if sent is None:
                    continue
                self._pings.setdefault(self._slot(now, self.interval), []).append(link)
                if self.timeout is not None:
                    deadline = self._slot(now, self.timeout)
                    self._deadlines.setdefault(deadline, []).append((link, sent))
        self._arm()
