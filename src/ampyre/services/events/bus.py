"""Publish an event once; every subscriber gets it, none can slow the publisher down.

Publishing is synchronous and never blocks or raises: a subscriber is a callable that must
return at once (put the event on its own queue, count it, ...). One that raises is logged
and skipped, so a broken listener cannot break a station's message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ampyre.domain.events import Event

log = logging.getLogger("ampyre.events")

Subscriber = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Start delivering to `subscriber`; call the returned function to stop."""
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, event: Event) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                log.exception("an event subscriber failed on %s", event.kind)
