"""Metrics.observe_frames: a batch's counts and answer times, added up per label set."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ampyre.domain.events import Event, EventKind
from ampyre.metrics import Metrics
from ampyre.services.message_log import MessageRecorder
from ampyre.transports.frame_info import describe_json_frame
from ampyre.transports.links import LinkRegistry


def _metrics() -> Metrics:
    def no_database() -> Any:
        raise AssertionError("metrics never store")

    return Metrics(LinkRegistry(), MessageRecorder(no_database, describe=describe_json_frame))


def _value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_a_batch_counts_every_frame_and_every_answer_time() -> None:
    metrics = _metrics()
    heartbeat_in = ("Heartbeat", "in", "call", None, None)
    heartbeat_out = ("Heartbeat", "out", "result", None, 2.0)
    error_out = ("Authorize", "out", "error", "FormationViolation", 4.0)
    metrics.observe_frames([heartbeat_in, heartbeat_out] * 3 + [error_out])
    metrics.observe_frames([heartbeat_in, heartbeat_out])
    messages = "ampyre_ocpp_messages_total"
    assert _value(metrics, messages, action="Heartbeat", direction="in", kind="call") == 4
    assert _value(metrics, messages, action="Heartbeat", direction="out", kind="result") == 4
    assert _value(metrics, messages, action="Authorize", direction="out", kind="error") == 1
    errors = "ampyre_ocpp_call_errors_total"
    assert _value(metrics, errors, code="FormationViolation", direction="out") == 1
    answers = "ampyre_ocpp_answer_seconds"
    csms = {"action": "Heartbeat", "answered_by": "csms"}
    assert _value(metrics, f"{answers}_count", **csms) == 4
    assert _value(metrics, f"{answers}_sum", **csms) == pytest.approx(0.008)
    authorize = {"action": "Authorize", "answered_by": "csms"}
    assert _value(metrics, f"{answers}_count", **authorize) == 1


def test_histograms_count_each_observation_in_its_bucket_cumulatively() -> None:
    metrics = _metrics()
    for seconds in (0.0003, 0.0005, 0.001, 0.003, 100.0):
        metrics.observe_commit(seconds)
    commits = "ampyre_db_commit_seconds"
    assert _value(metrics, f"{commits}_bucket", le="0.00025") == 0
    assert _value(metrics, f"{commits}_bucket", le="0.0005") == 2
    assert _value(metrics, f"{commits}_bucket", le="0.001") == 3  # a bound is inclusive
    assert _value(metrics, f"{commits}_bucket", le="0.0025") == 3
    assert _value(metrics, f"{commits}_bucket", le="0.005") == 4
    assert _value(metrics, f"{commits}_bucket", le="30.0") == 4
    assert _value(metrics, f"{commits}_bucket", le="+Inf") == 5
    assert _value(metrics, f"{commits}_count") == 5
    assert _value(metrics, f"{commits}_sum") == pytest.approx(100.0048)
    text = metrics.render().decode()
    assert 'ampyre_db_commit_seconds_bucket{le="0.001"} 3.0' in text
    assert "# TYPE ampyre_db_commit_seconds histogram" in text


def test_events_are_counted_by_kind() -> None:
    metrics = _metrics()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(3):
        metrics.observe_event(Event(EventKind.STATION_CONNECTED, "CS1", now))
    metrics.observe_event(Event(EventKind.STATUS_CHANGED, "CS1", now, {}))
    events = "ampyre_events_total"
    assert _value(metrics, events, kind=EventKind.STATION_CONNECTED.value) == 3
    assert _value(metrics, events, kind=EventKind.STATUS_CHANGED.value) == 1
