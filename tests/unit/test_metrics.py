"""Metrics.observe_frames: a batch's counts and answer times, added up per label set."""

from __future__ import annotations

from typing import Any

import pytest

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
