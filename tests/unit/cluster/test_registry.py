"""The station registry: claims and releases per station, serialised."""

from __future__ import annotations

import asyncio

from ampyre.cluster.registry import Holding, StationRegistry


async def test_a_claim_waits_until_a_release_of_the_same_station_is_recorded() -> None:
    registry = StationRegistry()
    assert await registry.claim("CS1", node=1, version="1.6") is None
    recording = asyncio.Event()
    recorded: list[str] = []

    async def record() -> None:
        recording.set()
        await asyncio.sleep(0)  # the claim below gets its chance to run, and must wait
        recorded.append("disconnect recorded")

    release = asyncio.create_task(registry.release("CS1", 1, record))
    await recording.wait()
    assert await registry.claim("CS1", node=2, version="2.0.1") is None
    assert recorded == ["disconnect recorded"]
    assert await release is True
    held = registry.owner("CS1")
    assert held is not None and (held.node, held.version) == (2, "2.0.1")


async def test_a_release_by_a_node_that_lost_the_station_changes_nothing() -> None:
    registry = StationRegistry()
    await registry.claim("CS1", node=1, version="1.6")
    before = await registry.claim("CS1", node=2, version="1.6", claim=7)
    assert before is not None and before.node == 1  # node 1 must close its connection
    assert registry.owner("CS1") == Holding("CS1", 2, "1.6", 7)
    ran: list[bool] = []

    async def record() -> None:
        ran.append(True)

    assert await registry.release("CS1", 1, record) is False
    assert ran == []
    assert registry.held_by(2) == ["CS1"] and registry.held_by(1) == []
    assert await registry.release("CS1", 2) is True
    assert registry.owner("CS1") is None and len(registry) == 0
    assert registry._locks == {}  # nothing kept per station once nobody waits
