"""`ampyre bench`: connect N stations to any CSMS URL, boot them, drive a message mix, measure.

Closed loop (each station sends its next message when the previous one is answered) or a
fixed total rate. Prints stations accepted and the boot-storm time, messages/s, latency
percentiles, CallErrors and unanswered messages, and the server's RSS when given its PID.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import random
import resource
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ampyre.messages.v16 import types as m16
from ampyre.messages.v201 import types as m201
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.client import CallErrorReceived, JsonClient

Message = tuple[str, Any]


def parse_mix(text: str) -> list[tuple[OcppVersion, int]]:
    """`1.6`, `2.0.1` or a weighted mix like `1.6:50,2.0.1:50`."""
    mix = []
    for part in text.split(","):
        name, _, weight = part.partition(":")
        mix.append((OcppVersion(name.strip()), int(weight or 1)))
    return mix


def _now() -> datetime:
    return datetime.now(UTC)


def messages_v16(station: str) -> Iterator[Message]:
    """Heartbeat, status, and sessions with meter values: a 1.6 station's everyday traffic."""
    yield (
        "BootNotification",
        m16.BootNotificationRequest(
            chargePointVendor="AmpyreBench",
            chargePointModel="Bench16",
            chargePointSerialNumber=station,
        ),
    )
    for session in itertools.count():
        meter = session * 10_000
        yield "Heartbeat", m16.HeartbeatRequest()
        yield (
            "StatusNotification",
            m16.StatusNotificationRequest(
                connectorId=1,
                errorCode=m16.ChargePointErrorCode.NoError,
                status=m16.ChargePointStatus.Charging,
                timestamp=_now(),
            ),
        )
        start = m16.StartTransactionRequest(
            connectorId=1, idTag="BENCH", meterStart=meter, timestamp=_now()
        )
        yield "StartTransaction", start
        for step in range(1, 4):
            yield (
                "MeterValues",
                m16.MeterValuesRequest(
                    connectorId=1,
                    transactionId=-1,  # filled in from the start's answer
                    meterValue=[
                        m16.MeterValue(
                            timestamp=_now(),
                            sampledValue=[m16.SampledValue(value=str(meter + step * 1000))],
                        )
                    ],
                ),
            )
        yield (
            "StopTransaction",
            m16.StopTransactionRequest(transactionId=-1, meterStop=meter + 4000, timestamp=_now()),
        )


_E = m201.TransactionEventEnumType
_T = m201.TriggerReasonEnumType
_SESSION_201 = [(_E.Started, _T.Authorized)]
_SESSION_201 += [(_E.Updated, _T.MeterValuePeriodic)] * 3 + [(_E.Ended, _T.EVCommunicationLost)]


def messages_v201(station: str) -> Iterator[Message]:
    yield (
        "BootNotification",
        m201.BootNotificationRequest(
            reason=m201.BootReasonEnumType.PowerUp,
            chargingStation=m201.ChargingStationType(
                vendorName="AmpyreBench", model="Bench201", serialNumber=station
            ),
        ),
    )
    for session in itertools.count():
        meter = float(session * 10_000)
        tx = m201.TransactionType(transactionId=f"{station}-{session}")
        yield "Heartbeat", m201.HeartbeatRequest()
        yield (
            "StatusNotification",
            m201.StatusNotificationRequest(
                timestamp=_now(),
                connectorStatus=m201.ConnectorStatusEnumType.Occupied,
                evseId=1,
                connectorId=1,
            ),
        )
        for seq, (event, trigger) in enumerate(_SESSION_201):
            yield (
                "TransactionEvent",
                m201.TransactionEventRequest(
                    eventType=event,
                    timestamp=_now(),
                    triggerReason=trigger,
                    seqNo=seq,
                    transactionInfo=tx,
                    evse=m201.EVSEType(id=1, connectorId=1) if seq == 0 else None,
                    idToken=m201.IdTokenType(idToken="BENCH", type=m201.IdTokenEnumType.ISO14443)
                    if seq == 0
                    else None,
                    meterValue=[
                        m201.MeterValueType(
                            timestamp=_now(),
                            sampledValue=[m201.SampledValueType(value=meter + seq * 1000)],
                        )
                    ],
                ),
            )


MIXES: dict[OcppVersion, Callable[[str], Iterator[Message]]] = {
    OcppVersion.V16: messages_v16,
    OcppVersion.V201: messages_v201,
}


@dataclasses.dataclass
class BenchResult:
    url: str
    stations: int
    versions: str
    duration_s: float
    mode: str
    accepted: int = 0
    connect_failures: int = 0
    boot_storm_s: float = 0.0
    messages: int = 0
    call_errors: int = 0
    unanswered: int = 0
    latencies_ms: list[float] = dataclasses.field(default_factory=list, repr=False)
    server_rss_kb: int | None = None

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)

        def pct(p: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))], 3) if lat else None

        data = {k: v for k, v in dataclasses.asdict(self).items() if k != "latencies_ms"}
        data.update(
            msgs_per_s=round(self.messages / self.duration_s, 1) if self.duration_s else 0,
            p50_ms=pct(0.50),
            p95_ms=pct(0.95),
            p99_ms=pct(0.99),
            max_ms=pct(1.0),
        )
        return data


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class _Station:
    def __init__(self, client: JsonClient, messages: Iterator[Message]) -> None:
        self.client = client
        self.messages = messages
        self.transaction_id = 0

    async def send_next(self, result: BenchResult, timeout: float) -> None:
        action, payload = next(self.messages)
        if action in ("MeterValues", "StopTransaction") and hasattr(payload, "transactionId"):
            payload.transactionId = self.transaction_id
        started = time.perf_counter()
        try:
            answer = await self.client.call(action, payload, timeout)
        except CallErrorReceived:
            result.call_errors += 1
            return
        except (TimeoutError, ConnectionError):
            result.unanswered += 1
            return
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        result.messages += 1
        if action == "StartTransaction":
            self.transaction_id = answer.transactionId


async def run(
    url: str,
    stations: int,
    versions: str = "1.6",
    duration: float = 10.0,
    rate: float | None = None,
    server_pid: int | None = None,
    timeout: float = 30.0,
    connect_concurrency: int = 500,
    prefix: str = "bench",
    seed: int = 1,
) -> BenchResult:
    raise_fd_limit()
    mix = parse_mix(versions)
    rng = random.Random(seed)
    chosen = rng.choices([v for v, _ in mix], weights=[w for _, w in mix], k=stations)
    result = BenchResult(
        url, stations, versions, duration, "closed-loop" if rate is None else f"rate {rate}/s"
    )
    gate = asyncio.Semaphore(connect_concurrency)
    fleet: list[_Station] = []

    async def boot(index: int, version: OcppVersion) -> None:
        station_id = f"{prefix}-{index:05d}"
        client = JsonClient(url, station_id, version, call_timeout=timeout)
        async with gate:
            try:
                await client.connect()
                station = _Station(client, MIXES[version](station_id))
                action, payload = next(station.messages)
                answer = await client.call(action, payload, timeout)
            except Exception:  # refused, timed out, closed: all count as a failed connect
                result.connect_failures += 1
                await client.close()
                return
        if answer.status == "Accepted":
            result.accepted += 1
            fleet.append(station)

    began = time.perf_counter()
    await asyncio.gather(*(boot(i, v) for i, v in enumerate(chosen)))
    result.boot_storm_s = round(time.perf_counter() - began, 3)
    result.latencies_ms.clear()

    deadline = time.perf_counter() + duration

    async def closed_loop(station: _Station) -> None:
        while time.perf_counter() < deadline:
            await station.send_next(result, timeout)

    async def paced(station: _Station, interval: float, offset: float) -> None:
        await asyncio.sleep(offset)
        next_at = time.perf_counter()
        while next_at < deadline:
            await station.send_next(result, timeout)
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

    began = time.perf_counter()
    if rate is None:
        await asyncio.gather(*(closed_loop(s) for s in fleet))
    else:
        interval = len(fleet) / rate if fleet else 1.0
        await asyncio.gather(*(paced(s, interval, rng.random() * interval) for s in fleet))
    result.duration_s = round(time.perf_counter() - began, 3)
    if server_pid is not None:
        result.server_rss_kb = rss_kb(server_pid)
    await asyncio.gather(*(s.client.close() for s in fleet))
    return result


def write_json(result: BenchResult, path: Path) -> None:
    path.write_text(json.dumps(result.summary(), indent=2) + "\n")
