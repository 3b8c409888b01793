"""The worker's end: a Drop closes the station's connection only if no newer claim holds it."""

from __future__ import annotations

import asyncio
from typing import Any

from ampyre.cluster.wire import Drop
from ampyre.cluster.worker import WorkerChannel
from ampyre.protocol.validation import Relaxation
from ampyre.protocol.versions import OcppVersion
from ampyre.transports.links import LinkRegistry


class Link:
    def __init__(self, station_id: str) -> None:
        self.station_id = station_id
        self.version = OcppVersion.V16
        self.state: Any = None
        self.closed: list[str] = []

    async def call(self, action: str, payload: Any, timeout: float | None = None) -> Any:
        raise NotImplementedError

    async def close(self, reason: str) -> None:
        self.closed.append(reason)

    def relax(self, relaxation: Relaxation) -> None:
        pass


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def test_a_drop_of_an_older_claim_leaves_the_newer_connection_open() -> None:
    links = LinkRegistry()
    link = Link("CS1")
    links.put(link)
    channel = WorkerChannel("/nowhere", 1, links)
    channel._claimed["CS1"] = 5  # the station reconnected here: claim 5 holds it now

    channel._drop(Drop("CS1", "replaced", claim=3))  # meant for the connection of claim 3
    await settle()
    assert link.closed == []

    channel._drop(Drop("CS1", "replaced", claim=5))
    await settle()
    assert link.closed == ["replaced"]


async def test_a_drop_without_a_claim_closes_whichever_connection() -> None:
    links = LinkRegistry()
    link = Link("CS1")
    links.put(link)
    channel = WorkerChannel("/nowhere", 1, links)
    channel._drop(Drop("CS1", "closed by the operator"))
    await settle()
    assert link.closed == ["closed by the operator"]
    channel._drop(Drop("CS2", "nobody"))  # not connected here: nothing to do
