"""The primary's end of the cluster: a Unix socket the workers connect to.

It keeps the station registry from the workers' claims and releases, records the disconnects
(also those of a worker that died), hands their events to the primary's event bus and their
counts to its metrics, and routes the command gateway's calls to the worker holding the
station (`get` returns a `RemoteLink`).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from ampyre.cluster.registry import StationRegistry
from ampyre.cluster.remote_link import PendingCalls, RemoteLink
from ampyre.cluster.wire import (
    Answer,
    Channel,
    ChannelClosed,
    Claim,
    Drop,
    Granted,
    Hello,
    Message,
    Observed,
    Published,
    Ready,
    Release,
)
from ampyre.domain.events import Event, EventKind
from ampyre.protocol.json_session import ActionTable
from ampyre.protocol.versions import OcppVersion

log = logging.getLogger("ampyre.cluster")

#: a worker that connects must say who it is within this many seconds
HELLO_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class NodeView:
    """A worker as the operator sees it."""

    worker: int
    pid: int
    ready: bool
    stations: list[str]


class _Node:
    def __init__(self, key: int, hello: Hello, channel: Channel) -> None:
        self.key = key
        self.worker = hello.worker
        self.pid = hello.pid
        self.channel = channel
        self.pending = PendingCalls()
        self.ready = False
        self.message_log = (0, 0, 0)


class Primary:
    def __init__(
        self,
        *,
        tables: Mapping[OcppVersion, ActionTable],
        call_timeout: float,
        publish: Callable[[Event], None],
        disconnected: Callable[[str], Awaitable[None]],
        observe: Callable[[Observed], None] | None = None,
        registry: StationRegistry | None = None,
    ) -> None:
        #: the Unix socket the workers connect to (set by `start`)
        self.path = ""
        self.registry = registry or StationRegistry()
        self._tables = tables
        self._call_timeout = call_timeout
        self._publish = publish
        self._disconnected = disconnected
        self._observe = observe
        self._keys = itertools.count(1)
        self._nodes: dict[int, _Node] = {}
        self._changed = asyncio.Condition()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        #: the message log totals of workers gone (counters never go down)
        self._message_log_gone = (0, 0, 0)

    async def start(self, path: str) -> None:
        """Listen on `path` (in a directory only this user may enter)."""
        self.path = path
        self._server = await asyncio.start_unix_server(self._serve, path=self.path)
        os.chmod(self.path, 0o600)

    async def wait_ready(self, count: int, timeout: float) -> None:
        """Wait until `count` workers listen for stations; TimeoutError if they do not."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(
                lambda: sum(node.ready for node in self._nodes.values()) >= count
            )

    def get(self, station_id: str) -> RemoteLink | None:
        held = self.registry.owner(station_id)
        node = None if held is None else self._nodes.get(held.node)
        if held is None or node is None:
            return None
        return RemoteLink(
            station_id,
            OcppVersion(held.version),
            node.channel,
            node.pending,
            self._tables,
            self._call_timeout,
        )

    def nodes(self) -> list[NodeView]:
        return sorted(
            (
                NodeView(node.worker, node.pid, node.ready, self.registry.held_by(node.key))
                for node in self._nodes.values()
            ),
            key=lambda view: view.worker,
        )

    def versions(self) -> list[str]:
        """The OCPP version of every station the workers hold (for the metrics)."""
        return [held.version for held in self.registry.holdings()]

    def message_log(self) -> tuple[int, int, int]:
        """Frames the workers' message logs wrote, dropped and failed to store, so far."""
        totals = [self._message_log_gone, *(n.message_log for n in self._nodes.values())]
        written, dropped, failed = (sum(column) for column in zip(*totals, strict=True))
        return written, dropped, failed

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for node in list(self._nodes.values()):
            await node.channel.close()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=10)
        if self._server is not None:
            await self._server.wait_closed()
        for task in self._tasks:
            task.cancel()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        channel = Channel(reader, writer)
        try:
            async with asyncio.timeout(HELLO_TIMEOUT):
                hello = await channel.receive()
        except (ChannelClosed, TimeoutError):
            await channel.close()
            return
        if not isinstance(hello, Hello):
            log.error("a worker opened with %s instead of hello", type(hello).__name__)
            await channel.close()
            return
        node = _Node(next(self._keys), hello, channel)
        self._nodes[node.key] = node
        log.info("worker %d (pid %d) joined", node.worker, node.pid)
        try:
            while True:
                self._handle(node, await channel.receive())
        except ChannelClosed:
            pass
        finally:
            del self._nodes[node.key]
            self._message_log_gone = (
                self._message_log_gone[0] + node.message_log[0],
                self._message_log_gone[1] + node.message_log[1],
                self._message_log_gone[2] + node.message_log[2],
            )
            node.pending.fail_all(f"worker {node.worker} went away before the station answered")
            await channel.close()
            lost = self.registry.held_by(node.key)
            log.info(
                "worker %d (pid %d) left, holding %d stations", node.worker, node.pid, len(lost)
            )
            for station_id in lost:
                await self.registry.release(station_id, node.key, self._recorder(station_id))
            async with self._changed:
                self._changed.notify_all()

    def _handle(self, node: _Node, message: Message) -> None:
        if isinstance(message, Published):
            self._publish(
                Event(EventKind(message.kind), message.station_id, message.at, message.data)
            )
        elif isinstance(message, Answer):
            node.pending.settle(message)
        elif isinstance(message, Observed):
            node.message_log = message.message_log
            if self._observe is not None:
                self._observe(message)
        elif isinstance(message, Claim):
            self._spawn(self._claim(node, message))
        elif isinstance(message, Release):
            recorder = self._recorder(message.station_id) if message.record else None
            self._spawn(self.registry.release(message.station_id, node.key, recorder))
        elif isinstance(message, Ready):
            node.ready = True
            self._spawn(self._notify())
        else:
            log.warning("worker %d sent an unexpected %s", node.worker, type(message).__name__)

    async def _claim(self, node: _Node, claim: Claim) -> None:
        before = await self.registry.claim(claim.station_id, node.key, claim.version, claim.ref)
        held_before = None if before is None else self._nodes.get(before.node)
        if before is not None and held_before is not None:
            reason = "replaced by a new connection from the same station"
            held_before.channel.send(Drop(claim.station_id, reason, before.claim))
        node.channel.send(Granted(claim.ref))

    def _recorder(self, station_id: str) -> Callable[[], Awaitable[None]]:
        async def record() -> None:
            try:
                await self._disconnected(station_id)
            except Exception:
                log.exception("%s: the disconnect was not recorded", station_id)

        return record

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _spawn(self, work: Awaitable[object]) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("cluster: handling a worker's message failed")

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
