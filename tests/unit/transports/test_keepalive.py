"""One timer pings many connections; a connection without a pong in time expires."""

from __future__ import annotations

import asyncio

from ampyre.transports.keepalive import Keepalive


class Link:
    def __init__(self, answers: bool) -> None:
        self.answers = answers
        self.pings = 0
        self.ponged = 0
        self.gone = False
        self.expired = asyncio.Event()
        self.pinged = asyncio.Event()

    def keepalive_ping(self) -> int | None:
        if self.gone:
            return None
        self.pings += 1
        if self.answers:
            self.ponged = self.pings
        if self.pings >= 3:
            self.pinged.set()
        return self.pings

    def keepalive_answered(self, ping: int) -> bool:
        return self.ponged >= ping or self.gone

    def keepalive_expired(self) -> None:
        self.gone = True
        self.expired.set()


async def test_answering_links_are_pinged_again_and_silent_ones_expire() -> None:
    keepalive = Keepalive(interval=0.05, timeout=0.1)
    alive, silent = Link(answers=True), Link(answers=False)
    keepalive.add(alive)
    keepalive.add(silent)
    try:
        await asyncio.wait_for(silent.expired.wait(), 10)
        assert silent.pings >= 1
        await asyncio.wait_for(alive.pinged.wait(), 10)
        assert not alive.gone
    finally:
        keepalive.stop()


async def test_a_gone_link_is_forgotten_and_the_timer_stops() -> None:
    keepalive = Keepalive(interval=0.05, timeout=None)
    link = Link(answers=False)  # no timeout: never expires, pinged until gone
    keepalive.add(link)
    await asyncio.wait_for(link.pinged.wait(), 10)
    assert not link.expired.is_set()
    link.gone = True
    async with asyncio.timeout(10):
        while keepalive._pings:  # noqa: ASYNC110 - polled: its next ping slot drops it
            await asyncio.sleep(0.01)
    assert keepalive._timer is None and not keepalive._deadlines
