"""CPU per message of the server's own work, in one process, without sockets.

`ampyre bench` against `ampyre serve` measures everything, but on a shared 2-core machine
its msgs per server-CPU-second moves by ±15 % from run to run (group-commit batch sizes
follow the load), more than most single levers change it. This drives the real
`Application` (a SQLite file with group commit, or `--database-url`; message log and
metrics on, every service and adapter) through `JsonLink.receive`, what every WebSocket
transport runs per frame, with a link that keeps its answer instead of sending it: N
stations in closed loop, the bench's message mixes. What it leaves out is the WebSocket
framing and the loop's socket I/O.

It reports process CPU time (all threads: the group-commit COMMITs too) per answered
message, after the harness's own cost (building and reading the frames) is taken off: the
minimum and the median of `--windows` measurements.

    .venv/bin/python benchmarks/hotpath.py --version 1.6 --messages 4000
    # on PostgreSQL: a database of its own; its schema `public` is DROPPED at each start.
    # The figure is this process's CPU only: PostgreSQL's backends are other processes.
    createdb -h 127.0.0.1 -U postgres ampyre_hotpath_pg
    .venv/bin/python benchmarks/hotpath.py \
        --database-url postgresql://postgres@127.0.0.1:5432/ampyre_hotpath_pg
    # A/B: run it alternately with PYTHONPATH=/path/to/baseline/src and without.

Steadier still on a loaded machine: instructions per message under callgrind, counted over
the measured window only (deterministic to ~0.1 %, ~1 minute a run):

    HOTPATH_CALLGRIND=1 valgrind --tool=callgrind --instr-atstart=no \
        .venv/bin/python benchmarks/hotpath.py --stations 20 --warmup 200 \
        --messages 600 --windows 1      # then: "I refs" / 600
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
import types
from pathlib import Path
from typing import Any

from ampyre.app import Application
from ampyre.config import Settings
from ampyre.gc_tuning import tune_for_serving
from ampyre.ocpp_j import CSMS_TABLES
from ampyre.protocol.json_session import JsonSession
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.bench import MIXES, Mix
from ampyre.transports.json_link import JsonLink


class _MemoryLink(JsonLink):
    """A link whose transport keeps the last frame sent instead of sending it."""

    remote_address = ("127.0.0.1", 0)
    ping_interval = None
    open = True
    sent: bytes = b""

    async def _send(self, frame: bytes) -> None:
        self.sent = frame

    async def close(self, reason: str, code: int = 1000) -> None:
        self._closed = True


def _answer(frame: str | bytes) -> Any:
    message = json.loads(frame)
    if message[0] != 3:
        raise SystemExit(f"not a CALLRESULT: {frame}")
    return types.SimpleNamespace(**message[2])


class _Station:
    def __init__(self, link: _MemoryLink, mix: Mix) -> None:
        self.link = link
        self.mix = mix
        self.next = next(mix)

    async def run(self, app: Application, count: int, ids: itertools.count[int]) -> None:
        for _ in range(count):
            action, payload = self.next
            text = json.dumps([2, str(next(ids)), action, payload])
            await self.link.receive(text, app.router)
            self.next = self.mix.send(_answer(self.link.sent))


def _harness_only(version: OcppVersion, stations: int, count: int) -> float:
    """CPU seconds the harness itself spends on `count` messages per station."""
    ids = itertools.count()
    started = time.process_time()
    for index in range(stations):
        mix = MIXES[version](f"H{index}", "hp")
        answer = None
        for _ in range(count):
            action, payload = mix.send(answer)
            text = json.dumps([2, str(next(ids)), action, payload])
            json.loads(text)
            # a CALLRESULT as the server would send it
            answer = _answer(json.dumps([3, "1", {"transactionId": 1, "currentTime": "x"}]))
    return time.process_time() - started


async def _connect(app: Application, version: OcppVersion, index: int) -> _Station:
    station_id = f"HP{index:05d}"
    leniency = app.router.admit(station_id)
    session = JsonSession(
        CSMS_TABLES[version],
        max_frame_bytes=app.settings.max_frame_bytes,
        relaxation=leniency.relaxation,
    )
    link = _MemoryLink(station_id, version, session, app.settings.call_timeout, app.links.tap)
    app.links.put(link)
    await app.router.connected(link)
    station = _Station(link, MIXES[version](station_id, "hp"))
    await station.run(app, 1, itertools.count())  # BootNotification
    return station


def _callgrind(switch: str) -> None:
    """Under `valgrind --tool=callgrind --instr-atstart=no`: count the windows only."""
    if os.environ.get("HOTPATH_CALLGRIND"):
        subprocess.run(["callgrind_control", "-i", switch, str(os.getpid())], check=True)


async def _empty_postgres(url: str) -> None:
    """Drop every table of the database's public schema (a previous run's)."""
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


async def measure(
    workdir: Path,
    database_url: str | None,
    version: OcppVersion,
    stations: int,
    messages: int,
    warmup: int,
    windows: int,
) -> list[float]:
    """CPU seconds per message (harness included) in each window of `messages` after `warmup`.

    The machine is shared: the least disturbed window (the minimum) is the steadier figure.
    """
    if database_url is None:
        database_url = f"sqlite+aiosqlite:///{workdir / 'ampyre.db'}"
    elif database_url.startswith("postgres"):
        await _empty_postgres(database_url)
    settings = Settings(
        database_url=database_url,
        host="127.0.0.1",
        port=0,
        http_port=0,
        log_level="WARNING",
        files_dir=workdir / "files",
    )
    app = Application(settings)
    await app.start(migrate=True)
    tune_for_serving()
    try:
        connected = [await _connect(app, version, i) for i in range(stations)]
        ids = itertools.count()
        per_station = max(1, warmup // stations)
        await asyncio.gather(*(s.run(app, per_station, ids) for s in connected))
        await app.recorder.flushed()
        per_station = max(1, messages // stations)
        spent = []
        for _ in range(windows):
            gc.collect()
            _callgrind("on")
            started = time.process_time()
            await asyncio.gather(*(s.run(app, per_station, ids) for s in connected))
            await app.recorder.flushed()
            _callgrind("off")
            spent.append((time.process_time() - started) / (per_station * stations))
        return spent
    finally:
        await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", default="1.6", choices=[str(v) for v in MIXES])
    parser.add_argument("--stations", type=int, default=100)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=3_000)
    parser.add_argument("--windows", type=int, default=5, help="measurements of --messages")
    parser.add_argument(
        "--database-url",
        help="default: a SQLite file of its own; a PostgreSQL database is emptied first",
    )
    parser.add_argument("--json", type=Path, help="append the figures as one JSON line")
    args = parser.parse_args()
    version = OcppVersion(args.version)
    os.environ.setdefault("AMPYRE_CONFIG", "/nonexistent/ampyre.toml")
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        run = asyncio.run
    else:
        run = uvloop.run
    workdir = Path(tempfile.mkdtemp(prefix="ampyre-hotpath-"))
    try:
        totals = run(
            measure(
                workdir,
                args.database_url,
                version,
                args.stations,
                args.messages,
                args.warmup,
                args.windows,
            )
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    per_station = max(1, args.messages // args.stations)
    count = per_station * args.stations
    harness = min(_harness_only(version, args.stations, per_station) for _ in range(3)) / count
    server = sorted(total - harness for total in totals)
    figures = {
        "version": args.version,
        "stations": args.stations,
        "messages": count,
        "database": (args.database_url or "sqlite").split(":")[0],
        "cpu_us_per_msg_min": round(server[0] * 1e6, 1),
        "cpu_us_per_msg_median": round(server[len(server) // 2] * 1e6, 1),
        "harness_us_per_msg": round(harness * 1e6, 1),
        "msgs_per_cpu_s": round(1 / server[0]),
        "src": os.environ.get("PYTHONPATH", ""),
    }
    print(json.dumps(figures))
    if args.json:
        with args.json.open("a") as out:
            out.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
