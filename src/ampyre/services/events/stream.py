"""One listener's view of the event bus: a bounded queue, filtered by kind and station.

The bus calls `offer` synchronously; a listener that falls behind loses the oldest events
(counted in `dropped`), never slows the publisher down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from types import TracebackType
from typing import Any, Self

from ampyre.domain.events import Event, EventKind
from ampyre.services.events.bus import EventBus


def event_document(event: Event) -> dict[str, Any]:
    """An event as the JSON the event stream and webhooks send."""
    return {
        "kind": event.kind.value,
        "station_id": event.station_id,
        "at": event.at.isoformat(),
        "data": event.data,
    }


class EventStream:
    """`with EventStream(bus, ...) as stream: event = await stream.get()`."""

    def __init__(
        self,
        bus: EventBus,
        *,
        kinds: Collection[EventKind] | None = None,
        station_id: str | None = None,
        capacity: int = 1000,
    ) -> None:
        self._bus = bus
        self.kinds = frozenset(kinds) if kinds else None
        self.station_id = station_id
        self._queue: asyncio.Queue[Event] = asyncio.Queue(capacity)
        self._unsubscribe: Callable[[], None] | None = None
        #: events lost because this listener fell behind
        self.dropped = 0

    def offer(self, event: Event) -> None:
        if self.kinds is not None and event.kind not in self.kinds:
            return
        if self.station_id is not None and event.station_id != self.station_id:
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    async def get(self) -> Event:
        return await self._queue.get()

    def __enter__(self) -> Self:
        self._unsubscribe = self._bus.subscribe(self.offer)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
