"""A worker's end of the cluster: claims and releases its stations, forwards its events and
metrics counts to the primary, and carries out the calls the primary routes to it."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from ampyre.cluster.remote_link import failure_of
from ampyre.cluster.wire import (
    Answer,
    Call,
    Channel,
    ChannelClosed,
    Claim,
    Drop,
    Granted,
    Hello,
    Observed,
    Published,
    Ready,
    Release,
)
from ampyre.domain.events import Event
from ampyre.domain.message_log import RecordedFrame, frame_counts
from ampyre.transports.links import (
    CallRejected,
    CallTimeout,
    InboundHandler,
    LinkRegistry,
    StationLink,
    StationUnreachable,
)

log = logging.getLogger("ampyre.cluster")

#: how long a connecting station waits for the primary to register it
CLAIM_TIMEOUT = 30.0
#: how often the metrics counts go to the primary
OBSERVE_INTERVAL = 0.5


class PrimaryGone(Exception):
    """The channel to the primary ended: this worker stops."""


class WorkerChannel:
    def __init__(
        self,
        path: str,
        worker: int,
        links: LinkRegistry,
        message_log: Callable[[], tuple[int, int, int]] = lambda: (0, 0, 0),
    ) -> None:
        """`message_log`: the worker's message log totals (written, dropped, failed)."""
        self.path = path
        self._message_log = message_log
        self._message_log_sent = (0, 0, 0)
        self.worker = worker
        self._links = links
        self._channel: Channel | None = None
        self._refs = itertools.count(1)
        self._claims: dict[int, asyncio.Future[None]] = {}
        #: station id → the claim its current connection here was granted by
        self._claimed: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._messages: list[tuple[str | None, str, str, str | None, float | None]] = []
        self._commits: list[float] = []

    async def connect(self) -> None:
        reader, writer = await asyncio.open_unix_connection(self.path)
        self._channel = Channel(reader, writer)
        self._channel.send(Hello(self.worker, os.getpid()))

    def _send(self, message: Any) -> None:
        assert self._channel is not None
        self._channel.send(message)

    def ready(self) -> None:
        self._send(Ready())

    def publish(self, event: Event) -> None:
        """An `EventBus` subscriber: the event goes to the primary's bus."""
        self._send(Published(event.kind.value, event.station_id, event.at, event.data))

    def observe_messages(self, batch: Sequence[RecordedFrame]) -> None:
        self._messages.extend(frame_counts(batch))

    def observe_commit(self, seconds: float) -> None:
        self._commits.append(seconds)

    async def claim(self, station_id: str, version: str) -> None:
        ref = next(self._refs)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._claims[ref] = future
        self._send(Claim(ref, station_id, version))
        try:
            async with asyncio.timeout(CLAIM_TIMEOUT):
                await future
        finally:
            self._claims.pop(ref, None)
        self._claimed[station_id] = ref

    def release(self, station_id: str, record: bool) -> None:
        self._claimed.pop(station_id, None)
        self._send(Release(station_id, record))

    async def run(self) -> None:
        """Serve the primary's messages until the channel ends (then raise PrimaryGone)."""
        assert self._channel is not None
        flusher = asyncio.get_running_loop().create_task(self._flush_observed())
        try:
            while True:
                message = await self._channel.receive()
                if isinstance(message, Call):
                    self._spawn(self._call(message))
                elif isinstance(message, Granted):
                    future = self._claims.get(message.ref)
                    if future is not None and not future.done():
                        future.set_result(None)
                elif isinstance(message, Drop):
                    self._drop(message)
        except ChannelClosed as exc:
            raise PrimaryGone(str(exc)) from None
        finally:
            flusher.cancel()
            for future in self._claims.values():
                if not future.done():
                    future.set_exception(PrimaryGone("the primary went away"))

    def _drop(self, drop: Drop) -> None:
        """Close the station's connection here, unless it is newer than the claim dropped."""
        link = self._links.get(drop.station_id)
        if link is None:
            return
        if drop.claim is not None and self._claimed.get(drop.station_id) != drop.claim:
            return  # the station connected here again since: that connection holds it now
        self._spawn(link.close(drop.reason))

    async def close(self) -> None:
        if self._channel is not None:
            self._flush()
            await self._channel.close()
        for task in list(self._tasks):
            task.cancel()

    async def _call(self, call: Call) -> None:
        link = self._links.get(call.station_id)
        if link is None:
            failure = failure_of(StationUnreachable(f"{call.station_id} is not connected"))
            self._send(Answer(call.ref, failure=failure))
            return
        try:
            answer = await link.call(call.action, msgspec.Raw(call.payload), call.timeout)
        except (StationUnreachable, CallTimeout, CallRejected, ValueError) as exc:
            self._send(Answer(call.ref, failure=failure_of(exc)))
        else:
            self._send(Answer(call.ref, payload=msgspec.json.encode(answer)))

    def _flush(self) -> None:
        totals = self._message_log()
        if self._messages or self._commits or totals != self._message_log_sent:
            messages, self._messages = self._messages, []
            commits, self._commits = self._commits, []
            self._message_log_sent = totals
            self._send(Observed(messages, commits, totals))

    async def _flush_observed(self) -> None:
        while True:
            await asyncio.sleep(OBSERVE_INTERVAL)
            self._flush()

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class ClusterHandler:
    """An `InboundHandler` around the router: a station is claimed before it is served, and
    its disconnect is recorded by the primary (which knows whether it moved elsewhere)."""

    def __init__(self, inner: InboundHandler, channel: WorkerChannel) -> None:
        self._inner = inner
        self._channel = channel

    async def connected(self, link: StationLink) -> None:
        await self._channel.claim(link.station_id, link.version.value)
        try:
            await self._inner.connected(link)
        except BaseException:
            self._channel.release(link.station_id, record=False)
            raise

    async def handle_call(self, link: StationLink, action: str, payload: Any) -> Any:
        return await self._inner.handle_call(link, action, payload)

    async def disconnected(self, link: StationLink) -> None:
        self._channel.release(link.station_id, record=True)

    def relaxed(self, link: StationLink, notes: tuple[str, ...]) -> None:
        self._inner.relaxed(link, notes)
