"""`ampyre bench`: connect N stations to any CSMS URL, boot them, drive a message mix, measure.

After the boot storm (at most `connect_concurrency` handshakes at a time): closed loop (each
station sends on each answer), fixed rate (`rate` slots/s in total, each taken by an idle
station, as OCPP-J allows one CALL in flight) or idle (a Heartbeat every
`heartbeat_interval` s). Accounting: an answer is a message; a CALLERROR a `call_errors`; a
CALLRESULT its schema rejects an `invalid_answers`; a timeout an `unanswered`; a CALL in
flight when the connection drops is `lost`. See docs/performance.md.
"""

from __future__ import annotations

import array
import asyncio
import dataclasses
import gc
import itertools
import json
import math
import os
import random
import resource
import secrets
import time
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.client import CallErrorReceived, InvalidAnswer, JsonClient

Message = tuple[str, Any]
#: yields the next CALL; is sent the answer to the previous one (None when it failed)
Mix = Generator[Message, Any, None]
_clock = time.perf_counter


def parse_mix(text: str) -> list[tuple[OcppVersion, int]]:
    """`1.6`, `2.0.1` or a weighted mix like `1.6:50,2.0.1:50`."""
    mix = []
    for part in text.split(","):
        name, _, weight = part.partition(":")
        try:
            mix.append((OcppVersion(name.strip()), int(weight or 1)))
        except ValueError:
            mix.append((OcppVersion.V15, 0))
    if any(v not in MIXES or w < 0 for v, w in mix) or not sum(w for _, w in mix):
        raise ValueError(f"bad version mix {text!r}: use 1.6, 2.0.1 or 1.6:50,2.0.1:50")
    return mix


def allocate(mix: list[tuple[OcppVersion, int]], stations: int) -> list[OcppVersion]:
    """Exactly proportional counts per version (largest remainder), in a fixed order."""
    total = sum(w for _, w in mix)
    exact = [stations * w / total for _, w in mix]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(mix)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[: stations - sum(counts)]:
        counts[i] += 1
    return [v for (v, _), n in zip(mix, counts, strict=True) for _ in range(n)]


def messages_v16(station: str, tag: str) -> Mix:
    """Heartbeat, status, sessions with meter values (dicts, validated by JsonClient.call)."""
    vendor = {"chargePointVendor": "AmpyreBench", "chargePointModel": "Bench16"}
    yield "BootNotification", vendor | {"chargePointSerialNumber": station}
    for session in itertools.count():
        meter = session * 10_000
        yield "Heartbeat", {}
        yield "StatusNotification", {
            "connectorId": 1, "errorCode": "NoError", "status": "Charging", "timestamp": _now()
        }  # fmt: skip
        answer = yield "StartTransaction", {
            "connectorId": 1, "idTag": "BENCH", "meterStart": meter, "timestamp": _now()
        }  # fmt: skip
        tx = answer.transactionId if answer is not None else -1
        for step in range(1, 4):
            sample = {"timestamp": _now(), "sampledValue": [{"value": str(meter + step * 1000)}]}
            yield "MeterValues", {"connectorId": 1, "transactionId": tx, "meterValue": [sample]}
        stop = {"transactionId": tx, "meterStop": meter + 4000, "timestamp": _now()}
        yield "StopTransaction", stop


_SESSION_201 = [("Started", "Authorized")] + [("Updated", "MeterValuePeriodic")] * 3
_SESSION_201 += [("Ended", "EVCommunicationLost")]


def messages_v201(station: str, tag: str) -> Mix:
    """The 2.0.1 counterpart: Heartbeat, StatusNotification, TransactionEvent x 5."""
    cs = {"vendorName": "AmpyreBench", "model": "Bench201", "serialNumber": station}
    yield "BootNotification", {"reason": "PowerUp", "chargingStation": cs}
    for session in itertools.count():
        meter = float(session * 10_000)
        tx = {"transactionId": f"{tag}-{station}-{session}"[-36:]}
        yield "Heartbeat", {}
        yield "StatusNotification", {
            "timestamp": _now(), "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1
        }  # fmt: skip
        for seq, (event, trigger) in enumerate(_SESSION_201):
            sample = {"timestamp": _now(), "sampledValue": [{"value": meter + seq * 1000}]}
            payload: dict[str, Any] = {"eventType": event, "triggerReason": trigger, "seqNo": seq}
            payload |= {"timestamp": _now(), "transactionInfo": tx, "meterValue": [sample]}
            if seq == 0:
                payload |= {"evse": _EVSE, "idToken": _TOKEN}
            yield "TransactionEvent", payload


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_EVSE = {"id": 1, "connectorId": 1}
_TOKEN = {"idToken": "BENCH", "type": "ISO14443"}
MIXES: dict[OcppVersion, Callable[[str, str], Mix]] = {
    OcppVersion.V16: messages_v16,
    OcppVersion.V201: messages_v201,
}


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of an ascending list: a value that was measured."""
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 2) if ordered else None


@dataclasses.dataclass
class BenchResult:
    url: str
    stations: int
    versions: str
    mode: str
    duration_s: float
    offered_per_s: float | None = None
    accepted: int = 0
    connect_failures: int = 0
    #: booted but not Accepted: Pending/Rejected, CALLERROR, timeout or closed
    not_accepted: int = 0
    boot_storm_s: float = 0.0
    #: each process's CPU share over the boot storm (100 = one core busy): who limits it
    storm_client_cpu_pct: float | None = None
    storm_server_cpu_pct: float | None = None
    #: share of the storm the server's loop thread was ready to run but waited for a CPU
    #: (other processes on its core: the machine's load, not the server's own work)
    storm_server_cpu_wait_pct: float | None = None
    #: the server's CPU time over the storm per accepted station: the load-independent figure
    storm_server_cpu_ms_per_station: float | None = None
    elapsed_s: float = 0.0
    sent: int = 0
    messages: int = 0
    call_errors: int = 0
    invalid_answers: int = 0
    unanswered: int = 0
    lost: int = 0
    not_sent: int = 0
    max_send_lag_ms: float = 0.0
    disconnected: int = 0
    connected_at_end: int = 0
    client_rss_kb: int | None = None
    client_rss_per_station_kb: float | None = None
    client_cpu_pct: float | None = None
    server_rss_kb: int | None = None
    server_rss_peak_kb: int | None = None
    server_cpu_pct: float | None = None
    #: share of the traffic phase the server's loop thread waited for a CPU (machine load)
    server_cpu_wait_pct: float | None = None
    #: the part of server_cpu_pct spent in the kernel (socket calls, page writes, fsyncs)
    server_system_cpu_pct: float | None = None
    #: KB the server passed to write calls per answered message: its database and WAL
    #: pages, checkpoints, log files (its answers go out by sendto, not counted)
    server_written_kb_per_msg: float | None = None
    latencies_ms: array.array[float] = dataclasses.field(
        default_factory=lambda: array.array("d"), repr=False
    )
    boot_ms: array.array[float] = dataclasses.field(
        default_factory=lambda: array.array("d"), repr=False
    )

    def summary(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.repr}
        lat, boot = sorted(self.latencies_ms), sorted(self.boot_ms)
        secs = self.elapsed_s
        data.update(
            sent_per_s=round(self.sent / secs, 1) if secs else 0.0,
            msgs_per_s=round(self.messages / secs, 1) if secs else 0.0,
            errors=self.call_errors + self.invalid_answers,
            boot_p50_ms=percentile(boot, 50),
            boot_max_ms=percentile(boot, 100),
            **{f"p{p}_ms": percentile(lat, p) for p in (50, 95, 99)},
            max_ms=percentile(lat, 100),
        )
        return data


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def rss_kb(pid: int | str = "self") -> int | None:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    return next((int(line.split()[1]) for line in lines if line.startswith("VmRSS:")), None)


def cpu_wait_seconds(pid: int | None) -> float | None:
    """Time the process's main thread spent runnable but waiting for a CPU (Linux schedstat)."""
    if pid is None:
        return None
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def cpu_times(pid: int | None) -> tuple[float, float] | None:
    """User and system CPU time of a process so far, all its threads (Linux /proc)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process so far (Linux /proc)."""
    times = cpu_times(pid)
    return None if times is None else times[0] + times[1]


def written_bytes(pid: int | None) -> int | None:
    """Bytes a process has passed to write calls so far (/proc/PID/io `wchar`): write(2),
    pwrite(2) and their vectored forms, to files mostly; send(2) and sendto(2), with which
    our transports answer, are not counted."""
    if pid is None:
        return None
    try:
        lines = Path(f"/proc/{pid}/io").read_text().splitlines()
    except OSError:
        return None
    return next((int(line.split()[1]) for line in lines if line.startswith("wchar:")), None)


class _Station:
    __slots__ = ("answer", "client", "dropped", "messages")

    def __init__(self, client: JsonClient, messages: Mix) -> None:
        self.client = client
        self.messages = messages
        self.answer: Any = None
        self.dropped = False

    @property
    def alive(self) -> bool:
        return not self.dropped and getattr(self.client.ws, "state", None) is State.OPEN

    async def send_next(self, result: BenchResult, timeout: float) -> None:
        action, payload = self.messages.send(self.answer)
        self.answer = await self.send(action, payload, result, timeout)

    async def send(self, action: str, payload: Any, result: BenchResult, timeout: float) -> Any:
        """One CALL, accounted for; its answer, or None when there was none."""
        result.sent += 1
        started = _clock()
        try:
            answer = await self.client.call(action, payload, timeout)
        except CallErrorReceived:
            result.call_errors += 1
        except InvalidAnswer:
            result.invalid_answers += 1
        except TimeoutError:
            result.unanswered += 1
        except (ConnectionError, ConnectionClosed):
            result.lost += 1
            self.dropped = True
        else:
            result.latencies_ms.append((_clock() - started) * 1000)
            result.messages += 1
            return answer
        return None


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
    idle: bool = False,
    heartbeat_interval: float = 60.0,
) -> BenchResult:
    """Boot `stations` stations at `url`, drive `duration` s of traffic, close, measure."""
    raise_fd_limit()
    threshold = gc.get_threshold()
    gc.set_threshold(20_000, *threshold[1:])  # thousands of stations: few young collections
    rng = random.Random(seed)
    chosen = allocate(parse_mix(versions), stations)
    rng.shuffle(chosen)
    mode = "idle" if idle else "closed-loop" if rate is None else "fixed-rate"
    result = BenchResult(url, stations, versions, mode, duration, None if idle else rate)
    rss_before = rss_kb() or 0
    monitor = asyncio.create_task(_watch_server(server_pid, result)) if server_pid else None
    bench = _Bench(result, timeout)
    storm_cpu, storm_server_cpu = time.process_time(), cpu_seconds(server_pid)
    storm_wait = cpu_wait_seconds(server_pid)
    await bench.boot_storm(url, chosen, prefix, connect_concurrency)
    if result.boot_storm_s > 0:
        to_pct = 100 / result.boot_storm_s
        result.storm_client_cpu_pct = round((time.process_time() - storm_cpu) * to_pct, 1)
        if (server_cpu := cpu_seconds(server_pid)) is not None and storm_server_cpu is not None:
            result.storm_server_cpu_pct = round((server_cpu - storm_server_cpu) * to_pct, 1)
            if result.accepted:
                per_station = (server_cpu - storm_server_cpu) * 1000 / result.accepted
                result.storm_server_cpu_ms_per_station = round(per_station, 3)
        if (wait := cpu_wait_seconds(server_pid)) is not None and storm_wait is not None:
            result.storm_server_cpu_wait_pct = round((wait - storm_wait) * to_pct, 1)
    gc.collect()
    gc.freeze()  # the fleet lives until the end: keep it out of every later collection
    cpu_before, server_cpu_before, began = time.process_time(), cpu_times(server_pid), _clock()
    server_wait_before = cpu_wait_seconds(server_pid)
    server_written_before = written_bytes(server_pid)
    bench.end = began + duration
    try:
        if idle:
            await bench.hold(heartbeat_interval, rng)
        elif rate is None:
            await asyncio.gather(*(bench.closed_loop(s) for s in bench.fleet))
        else:
            await bench.fixed_rate(rate, duration)
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    elapsed = max(_clock() - began, 1e-6)
    result.elapsed_s = round(elapsed, 3)
    result.client_cpu_pct = round(100 * (time.process_time() - cpu_before) / elapsed, 1)
    if (server_times := cpu_times(server_pid)) is not None and server_cpu_before is not None:
        user = server_times[0] - server_cpu_before[0]
        system = server_times[1] - server_cpu_before[1]
        result.server_cpu_pct = round(100 * (user + system) / elapsed, 1)
        result.server_system_cpu_pct = round(100 * system / elapsed, 1)
    if (wait := cpu_wait_seconds(server_pid)) is not None and server_wait_before is not None:
        result.server_cpu_wait_pct = round(100 * (wait - server_wait_before) / elapsed, 1)
    written = written_bytes(server_pid)
    if written is not None and server_written_before is not None and result.messages:
        kb = (written - server_written_before) / 1024 / result.messages
        result.server_written_kb_per_msg = round(kb, 2)
    result.connected_at_end = sum(s.alive for s in bench.fleet)
    result.disconnected = result.accepted - result.connected_at_end
    result.client_rss_kb = rss_kb()
    if result.client_rss_kb and result.accepted:
        per_station = (result.client_rss_kb - rss_before) / result.accepted
        result.client_rss_per_station_kb = round(per_station, 1)
    if monitor is not None and server_pid is not None:
        monitor.cancel()
        result.server_rss_kb = rss_kb(server_pid)
    await asyncio.gather(*(s.client.close() for s in bench.fleet))
    return result


async def _watch_server(pid: int, result: BenchResult) -> None:
    while True:
        if (rss := rss_kb(pid)) is not None:
            result.server_rss_peak_kb = max(rss, result.server_rss_peak_kb or 0)
        await asyncio.sleep(0.5)


class _Bench:
    def __init__(self, result: BenchResult, timeout: float) -> None:
        self.result = result
        self.timeout = timeout
        self.fleet: list[_Station] = []
        self.end = 0.0
        self.tag = secrets.token_hex(3)  # makes 2.0.1 transactionIds unique per run

    async def boot_storm(
        self, url: str, chosen: list[OcppVersion], prefix: str, concurrency: int
    ) -> None:
        """Connect and boot every station; the storm lasts until the last one is accepted."""
        result, gate = self.result, asyncio.Semaphore(concurrency)
        began = last_accept = _clock()

        async def boot(index: int, version: OcppVersion) -> None:
            nonlocal last_accept
            station_id = f"{prefix}-{index:05d}"
            # no WebSocket keepalive: 10,000 stations would send 500 pings/s of pure overhead
            client = JsonClient(
                url, station_id, version, call_timeout=self.timeout, ping_interval=None
            )
            station = _Station(client, MIXES[version](station_id, self.tag))
            async with gate:
                started = _clock()
                try:
                    await client.connect()
                except Exception:  # refused, handshake failed or timed out
                    result.connect_failures += 1
                    return
                action, payload = station.messages.send(None)
                try:
                    answer = await client.call(action, payload, self.timeout)
                except Exception:  # CallError, invalid answer, timeout, closed
                    answer = None
            if answer is None or answer.status != "Accepted":
                result.not_accepted += 1
                await client.close()
                return
            last_accept = _clock()
            result.boot_ms.append((last_accept - started) * 1000)
            result.accepted += 1
            self.fleet.append(station)

        await asyncio.gather(*(boot(i, v) for i, v in enumerate(chosen)))
        result.boot_storm_s = round(last_accept - began, 3)

    async def closed_loop(self, station: _Station) -> None:
        while station.alive and _clock() < self.end:
            await station.send_next(self.result, self.timeout)

    async def fixed_rate(self, rate: float, duration: float) -> None:
        """Slots at exactly `rate`/s; an idle station takes the oldest slot waiting."""
        result, slots = self.result, asyncio.Queue[float | None]()

        async def worker(station: _Station) -> None:
            while station.alive and (slot := await slots.get()) is not None:
                result.max_send_lag_ms = max(result.max_send_lag_ms, (_clock() - slot) * 1000)
                await station.send_next(result, self.timeout)

        workers = [asyncio.create_task(worker(s)) for s in self.fleet]
        began, issued = _clock(), 0
        total = max(1, round(duration * rate))
        while issued < total:
            due = min(int((_clock() - began) * rate) + 1, total)
            for k in range(issued, due):
                slots.put_nowait(began + k / rate)
            issued = max(issued, due)
            await asyncio.sleep(max(0.002, began + issued / rate - _clock()))  # 2 ms ticks
        result.max_send_lag_ms = round(result.max_send_lag_ms, 2)
        while not slots.empty():
            slots.get_nowait()
            result.not_sent += 1
        for _ in workers:
            slots.put_nowait(None)
        await asyncio.gather(*workers)

    async def hold(self, interval: float, rng: random.Random) -> None:
        """Keep the fleet connected; each station sends a Heartbeat every `interval` s."""

        async def heartbeats(station: _Station, next_at: float) -> None:
            while station.alive and next_at < self.end:
                await asyncio.sleep(max(0.0, next_at - _clock()))
                await station.send("Heartbeat", {}, self.result, self.timeout)
                next_at += interval

        start = _clock()
        await asyncio.gather(*(heartbeats(s, start + rng.random() * interval) for s in self.fleet))
        await asyncio.sleep(max(0.0, self.end - _clock()))


def write_json(result: BenchResult, path: Path) -> None:
    path.write_text(json.dumps(result.summary(), indent=2) + "\n")
