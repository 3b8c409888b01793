"""The event bus: every subscriber gets each event; a failing one is skipped, not fatal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ampyre.domain.events import Event, EventKind
from ampyre.services.events import EventBus

EVENT = Event(EventKind.STATION_CONNECTED, "CS1", datetime(2026, 1, 1, tzinfo=UTC), {"a": 1})


def test_every_subscriber_gets_the_event_until_it_unsubscribes() -> None:
    bus = EventBus()
    first: list[Event] = []
    second: list[Event] = []
    bus.subscribe(first.append)
    stop = bus.subscribe(second.append)
    bus.publish(EVENT)
    stop()
    bus.publish(EVENT)
    assert first == [EVENT, EVENT] and second == [EVENT]


def test_a_failing_subscriber_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    got: list[Event] = []

    def broken(event: Event) -> None:
        raise RuntimeError("listener bug")

    bus.subscribe(broken)
    bus.subscribe(got.append)
    bus.publish(EVENT)
    assert got == [EVENT]
    assert "station.connected" in caplog.text
