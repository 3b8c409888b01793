"""Prometheus metrics: the only module that uses prometheus-client.

Fed by what already flows: the wiretap's described batches (messages, CALLERRORs, answer
times), the event bus (command results), the database's commits, and, at scrape time, the
live links (stations connected per version) and the message log's queue counters. Each
Application has its own registry, served at `/metrics` (outside /api/v1).
"""

from __future__ import annotations

import hmac
import itertools
from bisect import bisect_left
from collections import Counter as Tally
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated

from fastapi import APIRouter, Header, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from ampyre.domain.events import Event, EventKind
from ampyre.domain.message_log import FrameCount, FrameKind, RecordedFrame, frame_counts
from ampyre.services.message_log import MessageRecorder
from ampyre.services.webhooks import Dispatcher
from ampyre.transports.links import LinkRegistry

#: distinct action labels kept; a station sending made-up actions cannot grow them further
MAX_ACTIONS = 200
OTHER = "other"

#: from 0.25 ms: a durable answer waits for an fsync, 0.2-1.5 ms on a local SSD, and whether
#: the answer or the commit sits under 1 ms is what an operator sizing a disk asks
_LATENCY_BUCKETS = (
    0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
)  # fmt: skip


class _Series:
    """One label set of a `_LoopHistogram`: a count per bucket (the last is +Inf), the sum."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1  # the first bound >= value
        self.total += value


class _LoopHistogram(Collector):
    """A histogram observed on the event loop thread only: plain counts, no locks.

    prometheus-client's `Histogram.observe` takes two locks and walks the buckets, ~2 us a
    call; answer times and commits are observed once per message each. Here an observation
    is a bisect and two additions (~0.3 us); the library still renders it.
    """

    def __init__(
        self, name: str, documentation: str, labels: Sequence[str], buckets: Sequence[float]
    ) -> None:
        self._name = name
        self._documentation = documentation
        self._labels = list(labels)
        self._bounds = tuple(float(bound) for bound in buckets)
        self._series: dict[tuple[str, ...], _Series] = {}

    def labels(self, *values: str) -> _Series:
        series = self._series.get(values)
        if series is None:
            series = self._series[values] = _Series(self._bounds)
        return series

    def collect(self) -> Iterator[HistogramMetricFamily]:
        family = HistogramMetricFamily(self._name, self._documentation, labels=self._labels)
        les = [floatToGoString(b) for b in self._bounds] + ["+Inf"]  # type: ignore[no-untyped-call]
        for values, series in list(self._series.items()):
            cumulative = itertools.accumulate(series.counts)
            family.add_metric(list(values), list(zip(les, cumulative, strict=True)), series.total)
        yield family


class _Live(Collector):
    """Values read when scraped: connected stations, the message log's queue counters."""

    def __init__(
        self,
        links: LinkRegistry,
        recorder: MessageRecorder,
        remote: Callable[[], list[str]] | None,
        remote_log: Callable[[], tuple[int, int, int]] | None,
    ) -> None:
        self._links = links
        self._recorder = recorder
        self._remote = remote
        self._remote_log = remote_log

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        stations = GaugeMetricFamily(
            "ampyre_stations_connected",
            "Stations connected to this node, by OCPP version.",
            labels=["version"],
        )
        versions = Tally(str(self._links[sid].version) for sid in self._links)
        if self._remote is not None:  # the stations of this node's worker processes
            versions.update(self._remote())
        for version, count in sorted(versions.items()):
            stations.add_metric([version], count)
        yield stations
        recorder = self._recorder
        written, dropped, failed = recorder.written, recorder.dropped, recorder.failed
        if self._remote_log is not None:  # this node's worker processes' message logs
            more = self._remote_log()
            written, dropped, failed = written + more[0], dropped + more[1], failed + more[2]
        for name, help_text, value in (
            ("dropped", "Frames the message log dropped (queue full).", dropped),
            ("failed", "Frames the message log could not store.", failed),
            ("written", "Frames the message log stored.", written),
        ):
            yield CounterMetricFamily(f"ampyre_message_log_{name}", help_text, value=value)


class _Webhooks(Collector):
    """The webhook sender's queue, attempts under way and lost events, read when scraped."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        d = self._dispatcher
        yield GaugeMetricFamily(
            "ampyre_webhook_queued_events",
            "Events waiting to be stored as webhook deliveries.",
            value=d.queued,
        )
        yield GaugeMetricFamily(
            "ampyre_webhook_in_flight", "Webhook delivery attempts under way.", value=d.in_flight
        )
        yield CounterMetricFamily(
            "ampyre_webhook_events_dropped",
            "Events lost to webhooks (queue full, or the database refused them).",
            value=d.dropped,
        )


class Metrics:
    def __init__(
        self,
        links: LinkRegistry,
        recorder: MessageRecorder,
        remote_versions: Callable[[], list[str]] | None = None,
        remote_log: Callable[[], tuple[int, int, int]] | None = None,
    ) -> None:
        """With --workers: `remote_versions`, the versions of the stations the workers hold;
        `remote_log`, their message logs' totals (written, dropped, failed)."""
        self.registry = CollectorRegistry()
        self.messages = Counter(
            "ampyre_ocpp_messages",
            "OCPP messages by action, direction (in: from the station) and kind.",
            ["action", "direction", "kind"],
            registry=self.registry,
        )
        self.call_errors = Counter(
            "ampyre_ocpp_call_errors",
            "CALLERRORs by code and direction (out: sent by us).",
            ["code", "direction"],
            registry=self.registry,
        )
        self.answer_seconds = _LoopHistogram(
            "ampyre_ocpp_answer_seconds",
            "Time from a CALL to its answer, by action and who answered (csms, station).",
            ["action", "answered_by"],
            _LATENCY_BUCKETS,
        )
        self.registry.register(self.answer_seconds)
        commit_seconds = _LoopHistogram(
            "ampyre_db_commit_seconds",
            "Time a unit of work's commit took (until durable).",
            [],
            _LATENCY_BUCKETS,
        )
        self.registry.register(commit_seconds)
        self._commit_seconds = commit_seconds.labels()
        self.commands = Counter(
            "ampyre_command_results",
            "Commands sent to stations, by command and outcome (the station's status when "
            "answered, else refused, timeout, unreachable or call-error).",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.events = Counter(
            "ampyre_events", "Domain events published, by kind.", ["kind"], registry=self.registry
        )
        self.webhooks = Counter(
            "ampyre_webhook_attempts",
            "Webhook delivery attempts by outcome (delivered, retrying, failed).",
            ["outcome"],
            registry=self.registry,
        )
        self.registry.register(_Live(links, recorder, remote_versions, remote_log))
        self._actions: set[str] = set()
        #: events.labels(kind), kept: `labels()` costs three times the increment
        self._event_children: dict[str, Counter] = {}

    def _action(self, action: str | None) -> str:
        if action is None:
            return ""
        if action in self._actions:
            return action
        if len(self._actions) >= MAX_ACTIONS:
            return OTHER
        self._actions.add(action)
        return action

    def observe_messages(self, batch: Sequence[RecordedFrame]) -> None:
        self.observe_frames(frame_counts(batch))

    def observe_frames(self, frames: Sequence[FrameCount]) -> None:
        """Count frames described elsewhere (here, or in a worker process).

        Counters are added up per label set first (one `labels().inc(n)` each per batch).
        """
        error = FrameKind.ERROR.value
        counts: Tally[tuple[str, str, str]] = Tally()
        errors: Tally[tuple[str, str]] = Tally()
        answers = self.answer_seconds
        for raw_action, direction, kind, error_code, answer_ms in frames:
            action = self._action(raw_action)
            counts[action, direction, kind] += 1
            if kind == error:
                errors[(error_code or "")[:64], direction] += 1
            if answer_ms is not None:
                answered_by = "csms" if direction == "out" else "station"
                answers.labels(action, answered_by).observe(answer_ms / 1000.0)
        for labels, n in counts.items():
            self.messages.labels(*labels).inc(n)
        for error_labels, n in errors.items():
            self.call_errors.labels(*error_labels).inc(n)

    def observe_commit(self, seconds: float) -> None:
        self._commit_seconds.observe(seconds)

    def observe_event(self, event: Event) -> None:
        kind = event.kind.value
        child = self._event_children.get(kind)
        if child is None:
            child = self._event_children[kind] = self.events.labels(kind)
        child.inc()
        if event.kind is EventKind.COMMAND_RESULT:
            data = event.data
            answered = data.get("state") == "answered"
            outcome = (data.get("status") if answered else data.get("state")) or "unknown"
            self.commands.labels(self._action(data.get("command")), str(outcome)[:64]).inc()

    def watch_webhooks(self, dispatcher: Dispatcher) -> None:
        self.registry.register(_Webhooks(dispatcher))

    def observe_webhook(self, outcome: str) -> None:
        self.webhooks.labels(outcome).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


def metrics_router(metrics: Metrics, token: str | None) -> APIRouter:
    """`GET /metrics` in the Prometheus text format; with `token`, it needs that bearer token."""
    router = APIRouter(include_in_schema=False)
    expected = f"Bearer {token}".encode() if token else None

    @router.get("/metrics")
    async def scrape(authorization: Annotated[str | None, Header()] = None) -> Response:
        if expected is not None and not hmac.compare_digest(
            (authorization or "").encode(), expected
        ):
            return Response(
                "send the metrics token as `Authorization: Bearer <token>`\n",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
                media_type="text/plain",
            )
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return router
