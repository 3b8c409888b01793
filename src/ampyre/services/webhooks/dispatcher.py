"""Turns events into stored deliveries and sends them, retrying with backoff, off the hot path.

The event bus calls `offer` synchronously: a matching event goes on a bounded in-memory
queue (when it is full the event is dropped, counted and logged; the station is never
slowed down). One task writes queued events as pending deliveries, one row per matching
webhook. From then on a delivery lives in the database: a scheduler sends each when it is
due, at most `concurrency` at once, and stores every attempt's outcome. A 2xx answer
delivers it; any other status, a redirect (never followed), a timeout or a connection
error is retried after an exponential backoff with jitter, until `attempts` are spent and
it is failed. Deliveries still pending at shutdown (or after a crash) are picked up again
by `start()`: delivery is at least once, so receivers deduplicate on `Ampyre-Delivery`.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from ampyre.domain.events import Event
from ampyre.domain.webhooks import Attempt, Delivery, DeliveryState, NewDelivery, Webhook
from ampyre.services.events import event_document
from ampyre.services.ports import Clock, UnitOfWorkFactory
from ampyre.services.webhooks.signature import (
    ATTEMPT_HEADER,
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)

log = logging.getLogger("ampyre.webhooks")

#: events written as deliveries by one unit of work, at most
BATCH = 200
#: seconds before a delivery is tried again when the database failed during its attempt
STORAGE_RETRY = 60.0
#: longest error text kept per attempt
MAX_ERROR = 500

#: called with "delivered", "retrying" or "failed" after each attempt (metrics)
Observer = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    #: attempts per delivery, the first one included
    attempts: int = 10
    #: seconds before the first retry; doubled for each further one
    backoff: float = 5.0
    #: the longest wait between two attempts, in seconds
    backoff_max: float = 3600.0

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt: half fixed, half random
        ("equal jitter"), so receivers coming back up are not hit by every sender at once."""
        exponent = min(attempts - 1, 60)
        ceiling = min(self.backoff_max, self.backoff * 2.0**exponent)
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def event_body(event: Event) -> str:
    """The JSON document sent for an event: the same as the event stream's `data:`."""
    return json.dumps(event_document(event), separators=(",", ":"), default=str)


class Dispatcher:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        http: httpx.AsyncClient,
        *,
        policy: RetryPolicy,
        concurrency: int = 8,
        timeout: float = 10.0,
        user_agent: str = "Ampyre-Webhooks",
        capacity: int = 10_000,
        observe: Observer | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._http = http
        self.policy = policy
        self._timeout = timeout
        self._user_agent = user_agent
        self._capacity = capacity
        self._observe = observe
        #: active webhooks: (id, kinds)
        self._targets: list[tuple[int, frozenset[str]]] = []
        self._inbox: deque[Event] = deque()
        self._inbox_ready = asyncio.Event()
        #: (due as a UNIX time, delivery id), earliest first
        self._due: list[tuple[float, int]] = []
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        self._attempts: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._changed = asyncio.Event()
        self._closing = False
        #: events lost because the queue was full or could not be stored
        self.dropped = 0

    # -- the event bus side: synchronous, never blocks ------------------------------------

    def offer(self, event: Event) -> None:
        kind = event.kind.value
        if not any(kind in kinds for _, kinds in self._targets):
            return
        if len(self._inbox) >= self._capacity:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("webhooks: queue full, %d events dropped so far", self.dropped)
            return
        self._inbox.append(event)
        self._inbox_ready.set()

    def targets(self, webhooks: list[Webhook]) -> None:
        """Deliver new events to these webhooks (the active ones among them) from now on."""
        self._targets = [(w.id, w.kinds) for w in webhooks if w.active]

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the webhooks, resume every pending delivery, and start sending."""
        async with self._uow() as uow:
            self.targets(await uow.webhooks.all())
            pending = await uow.webhooks.pending()
        # none waits longer than the (maybe since shortened) longest backoff
        latest = self._clock.now() + timedelta(seconds=self.policy.backoff_max)
        for delivery_id, due in pending:
            self.schedule(delivery_id, min(due, latest))
        if pending:
            log.info("webhooks: resuming %d pending deliveries", len(pending))
        self._tasks = [
            asyncio.create_task(self._store_events(), name="webhook-events"),
            asyncio.create_task(self._send_due(), name="webhook-sender"),
        ]

    async def close(self) -> None:
        """Store the events still queued, then stop sending (what is pending stays pending)."""
        if not self._tasks:
            return
        storing, sending = self._tasks
        self._tasks = []
        self._closing = True
        self._inbox_ready.set()
        with contextlib.suppress(Exception):
            await storing
        tasks = [sending, *self._attempts]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def in_flight(self) -> int:
        """Attempts under way (at most `concurrency`)."""
        return len(self._attempts)

    @property
    def queued(self) -> int:
        """Events waiting to be stored as deliveries."""
        return len(self._inbox)

    # -- waiting for progress (tests, the API's test route) --------------------------------

    async def until(self, done: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
        """Wait until `done()` holds, checking again after every stored attempt."""
        async with asyncio.timeout(timeout):
            while True:
                changed = self._changed
                if await done():
                    return
                await changed.wait()

    def _pulse(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # -- events → pending deliveries -------------------------------------------------------

    async def _store_events(self) -> None:
        """Until closed, and then until the queue is empty."""
        while not (self._closing and not self._inbox):
            await self._inbox_ready.wait()
            self._inbox_ready.clear()
            while self._inbox:
                batch = [self._inbox.popleft() for _ in range(min(BATCH, len(self._inbox)))]
                try:
                    await self._store(batch)
                except Exception as exc:
                    self.dropped += len(batch)
                    log.error("webhooks: %d events could not be stored: %s", len(batch), exc)

    async def _store(self, events: list[Event]) -> None:
        new = [
            NewDelivery(webhook_id, event.kind.value, event.station_id, event_body(event))
            for event in events
            for webhook_id, kinds in self._targets
            if event.kind.value in kinds
        ]
        if not new:
            return
        now = self._clock.now()
        async with self._uow() as uow:
            ids = await uow.webhooks.add_deliveries(new, now)
            await uow.commit()
        for delivery_id in ids:
            self.schedule(delivery_id, now)
        self._pulse()

    # -- sending ---------------------------------------------------------------------------

    def schedule(self, delivery_id: int, due: datetime) -> None:
        heapq.heappush(self._due, (due.timestamp(), delivery_id))
        self._wake.set()

    async def _send_due(self) -> None:
        while True:
            while self._due and self._due[0][0] <= self._clock.now().timestamp():
                _, delivery_id = heapq.heappop(self._due)
                await self._slots.acquire()
                task = asyncio.create_task(self._attempt(delivery_id), name="webhook-attempt")
                self._attempts.add(task)
                task.add_done_callback(self._attempt_done)
            self._wake.clear()
            wait = self._due[0][0] - self._clock.now().timestamp() if self._due else None
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    def _attempt_done(self, task: asyncio.Task[None]) -> None:
        self._attempts.discard(task)
        self._slots.release()

    async def _attempt(self, delivery_id: int) -> None:
        try:
            async with self._uow() as uow:
                delivery = await uow.webhooks.delivery(delivery_id)
                webhook = None if delivery is None else await uow.webhooks.get(delivery.webhook_id)
            if delivery is None or webhook is None or delivery.state is not DeliveryState.PENDING:
                return  # deleted meanwhile, or settled
            attempt = await self._send(webhook, delivery)
            async with self._uow() as uow:
                await uow.webhooks.record(delivery_id, attempt)
                await uow.commit()
        except Exception as exc:
            # the database failed us: try again in a while (the receiver may see it twice)
            log.error("webhooks: delivery %d: %s", delivery_id, exc)
            wait = min(self.policy.backoff_max, STORAGE_RETRY)
            retry = self._clock.now() + timedelta(seconds=wait)
            self.schedule(delivery_id, retry)
            return
        if attempt.next_attempt_at is not None:
            self.schedule(delivery_id, attempt.next_attempt_at)
        if self._observe is not None:
            retrying = attempt.state is DeliveryState.PENDING
            self._observe("retrying" if retrying else attempt.state.value)
        self._pulse()

    async def _send(self, webhook: Webhook, delivery: Delivery) -> Attempt:
        attempts = delivery.attempts + 1
        body = delivery.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": self._user_agent,
            DELIVERY_HEADER: str(delivery.id),
            EVENT_HEADER: delivery.event_kind,
            ATTEMPT_HEADER: str(attempts),
            SIGNATURE_HEADER: signature_header(
                webhook.secret, int(self._clock.now().timestamp()), body
            ),
        }
        status: int | None = None
        error: str | None = None
        try:
            # httpx's timeout is per read; this one bounds the whole exchange
            async with (
                asyncio.timeout(self._timeout),
                self._http.stream(
                    "POST", webhook.url, content=body, headers=headers, timeout=self._timeout
                ) as response,
            ):
                status = response.status_code
        except TimeoutError:
            error = f"no answer within {self._timeout:g} s"
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        now = self._clock.now()
        if status is not None and 200 <= status < 300:
            return Attempt(DeliveryState.DELIVERED, attempts, status, None, now, None)
        if error is None:
            redirect = " (redirects are not followed)" if status in _REDIRECTS else ""
            error = f"HTTP {status}{redirect}"
        error = error[:MAX_ERROR]
        if attempts >= self.policy.attempts:
            log.warning(
                "webhooks: delivery %d to %s failed after %d attempts: %s",
                delivery.id,
                webhook.url,
                attempts,
                error,
            )
            return Attempt(DeliveryState.FAILED, attempts, status, error, now, None)
        retry = now + timedelta(seconds=self.policy.delay(attempts))
        return Attempt(DeliveryState.PENDING, attempts, status, error, now, retry)


_REDIRECTS = frozenset({301, 302, 303, 307, 308})
