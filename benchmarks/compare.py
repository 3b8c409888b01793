"""The whole comparison of docs/performance.md (`make bench-compare`): Ampyre against peers.

Every server is started fresh for every run and pinned to core 0 (`taskset -c 0`); the one
load generator, `ampyre bench`, runs on core 1. Servers (`--servers`, comma-separated):

- `ampyre`: `ampyre serve` on a fresh SQLite file (`ampyre migrate` first), default
  settings: full schema validation in and out, acknowledged means durable (group commit),
  message log and metrics on. `ampyre@NAME=VALUE[@NAME=VALUE...]` runs it with extra
  environment, e.g. `ampyre@PYTHONPATH=/path/to/other/checkout/src` to measure another
  version of the code in the same run, or `ampyre@AMPYRE_MESSAGE_LOG=false`;
  `ampyre@AMPYRE_DATABASE_URL=postgresql://...` runs on a fresh schema of that database
  (dropped afterwards), e.g. with `@AMPYRE_WORKERS=2` (the workers share core 0; the RSS
  figures are then the primary's only);
- `echo-websockets`, `echo-picows`: the raw OCPP-J echo (`ampyre.simulator.echo_server`), no
  validation, no database: the transport's ceiling;
- `ocpp-py`, `ocpp-py-sqlite`: the Python `ocpp` package (benchmarks/peers/ocpp_peer.py) on
  websockets with its schema validation on; the second also stores transactions and meter
  values in SQLite;
- `ocpp-rpc`: the Node `ocpp-rpc` server, strict validation (benchmarks/peers/node, installed
  by `make bench-peers`; skipped with a note when it is not installed).

Per server: the 1.6 and 2.0.1 mixes, closed loop, `--stations` stations for `--duration` s
(msgs per server-CPU-second = answered msgs/s / the server's CPU share over the traffic
phase); `--idle-stations` stations connected and booted, then held `--idle-duration` s
with a Heartbeat every `--idle-heartbeat` s per station (idle RSS per station = server RSS
growth from just before the storm to the end, over the accepted stations; several bench
processes share a fleet larger than `--stations-per-bench`, all on core 1); a boot storm of
each of `--storm-stations` (first handshake to last Accepted). The `latency` run (not in the
default `--runs`): both mixes at a fixed `--rate` msgs/s offered across `--latency-stations`
stations for `--latency-duration` s (the issue's p99 target: 500 msgs/s, 1,000 stations).
Every run is bounded in time. Prints each command, writes every JSON result, `compare.md`
and `compare.json` to `--out`.

    .venv/bin/python benchmarks/compare.py [--duration 10] [--servers ampyre,echo-websockets]
    # the issue-6 scale targets, Ampyre only (about 10 minutes):
    .venv/bin/python benchmarks/compare.py --servers ampyre --runs latency,idle,storm \
        --idle-stations 5000,20000 --idle-duration 30 --storm-stations 2000,10000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import AMPYRE, BENCH_CORE, BIN, SERVER_CORE, _max_fds, free_port, wait_for_port  # noqa: E402

from ampyre.simulator.bench import rss_kb  # noqa: E402

NODE_PEER = HERE / "peers" / "node"
NAMES = {
    "ampyre": "Ampyre (`ampyre serve`, SQLite, full validation, durable acks)",
    "echo-websockets": "raw `websockets` echo, no OCPP at all",
    "echo-picows": "raw `picows` echo (Cython), no OCPP at all",
    "ocpp-py": "Python `ocpp` package on websockets, schema validation on",
    "ocpp-py-sqlite": "same + SQLite persistence of transactions and meter values",
    "ocpp-rpc": "Node `ocpp-rpc`, strict validation",
}
DEFAULT_SERVERS = "ampyre,echo-websockets,echo-picows,ocpp-py,ocpp-py-sqlite,ocpp-rpc"


@dataclass
class Figures:
    server: str
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def per_cpu_second(self, mix: str) -> float | None:
        r = self.runs.get(mix)
        if not r or not r.get("server_cpu_pct"):
            return None
        return float(r["msgs_per_s"]) / (float(r["server_cpu_pct"]) / 100)


def command_for(kind: str, port: int, workdir: Path, env: dict[str, str]) -> list[str]:
    python = str(BIN / "python")
    if kind == "ampyre":
        env.setdefault("AMPYRE_DATABASE_URL", f"sqlite+aiosqlite:///{workdir / 'ampyre.db'}")
        env["AMPYRE_LOG_LEVEL"] = "WARNING"
        env["AMPYRE_HTTP_PORT"] = str(free_port())
        env["AMPYRE_CONFIG"] = str(workdir / "none.toml")
        subprocess.run([AMPYRE, "migrate"], env=env, check=True, cwd=workdir, timeout=120)
        return [AMPYRE, "serve", "--host", "127.0.0.1", "--port", str(port)]
    if kind.startswith("echo-"):
        echo = [python, "-m", "ampyre.simulator.echo_server", "--port", str(port)]
        return [*echo, "--transport", kind.removeprefix("echo-")]
    if kind.startswith("ocpp-py"):
        peer = [python, str(HERE / "peers" / "ocpp_peer.py"), "--port", str(port)]
        return peer + (["--sqlite", str(workdir / "peer.db")] if kind.endswith("sqlite") else [])
    if kind == "ocpp-rpc":
        return ["node", str(NODE_PEER / "server.js"), "--port", str(port)]
    raise SystemExit(f"unknown server {kind!r}; known: {', '.join(NAMES)}")


@contextlib.contextmanager
def server(spec: str, log: Path) -> Iterator[tuple[str, int]]:
    """Start `spec` fresh on core 0; yield (url, pid); stop it and remove its files."""
    kind, *assignments = re.split(r"@(?=[A-Z_][A-Z0-9_]*=)", spec)  # a URL's user@ stays
    env = dict(os.environ)
    env.pop("AMPYRE_DATABASE_URL", None)  # a SQLite file unless the spec says otherwise
    env.update(a.split("=", 1) for a in assignments)  # type: ignore[arg-type]
    with fresh_schema(env):
        yield from _started(kind, spec, env, log)


@contextlib.contextmanager
def fresh_schema(env: dict[str, str]) -> Iterator[None]:
    """A PostgreSQL AMPYRE_DATABASE_URL gets a schema of its own for the run, dropped after."""
    url = env.get("AMPYRE_DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield
        return
    name = f"compare_{secrets.token_hex(6)}"
    asyncio.run(_postgres(url, f'CREATE SCHEMA "{name}"'))
    env["AMPYRE_DATABASE_URL"] = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{name}"
    try:
        yield
    finally:
        asyncio.run(_postgres(url, f'DROP SCHEMA "{name}" CASCADE'))


async def _postgres(url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _started(kind: str, spec: str, env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix=f"ampyre-compare-{kind}-"))
    command = command_for(kind, port, workdir, env)
    with log.open("ab") as out:
        out.write(f"\n=== {spec}: {' '.join(command)}\n".encode())
        out.flush()
        process = subprocess.Popen(
            ["taskset", "-c", SERVER_CORE, *command],
            env=env,
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_max_fds,
        )
    try:
        wait_for_port(port, process)
        if int(env.get("AMPYRE_WORKERS", "1")) > 1:  # the primary answers once all listen
            wait_for_port(int(env["AMPYRE_HTTP_PORT"]), process)
            health = f"http://127.0.0.1:{env['AMPYRE_HTTP_PORT']}/api/v1/health"
            urllib.request.urlopen(health, timeout=60).close()
        yield f"ws://127.0.0.1:{port}/ocpp", process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def bench_command(url: str, pid: int, out: Path, *args: str) -> list[str]:
    command = ["taskset", "-c", BENCH_CORE, AMPYRE, "bench", "--url", url, "--server-pid"]
    return [*command, str(pid), "--json", str(out), *args]


def bench(url: str, pid: int, out: Path, budget: float, *args: str) -> dict[str, Any]:
    command = bench_command(url, pid, out, *args)
    print("$", " ".join(command), flush=True)
    subprocess.run(
        command, check=True, stdout=subprocess.DEVNULL, preexec_fn=_max_fds, timeout=budget
    )
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def benches(
    url: str, pid: int, out: Path, budget: float, processes: int, stations: int, *args: str
) -> dict[str, Any]:
    """`processes` bench processes (each its own station ids) share `stations`, together."""
    if processes == 1:
        return bench(url, pid, out, budget, "--stations", str(stations), *args)
    parts = [out.with_suffix(f".{i}.json") for i in range(processes)]
    running = []
    for i, part in enumerate(parts):
        share = stations // processes + (i < stations % processes)
        command = bench_command(url, pid, part, "--stations", str(share), *args)
        command += ["--prefix", f"bench{i}"]
        print("$", " ".join(command), "&", flush=True)
        running.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, preexec_fn=_max_fds))
    deadline = time.monotonic() + budget
    for process in running:
        try:
            process.wait(max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for p in running:
                p.kill()
            raise
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, process.args)
    return merged([json.loads(part.read_text()) for part in parts], out)


def merged(results: list[dict[str, Any]], out: Path) -> dict[str, Any]:
    """Several bench processes' results as one: counts summed, the storm from the first
    handshake of any to the last Accepted of any (they start together), the server's RSS at
    the latest end (every process measures it before it closes its stations)."""
    total = dict(results[0])
    counted = ("stations", "accepted", "connect_failures", "not_accepted", "sent", "messages",
               "call_errors", "invalid_answers", "unanswered", "lost", "errors", "disconnected",
               "connected_at_end", "client_rss_kb", "msgs_per_s", "sent_per_s",
               "storm_client_cpu_pct")  # fmt: skip
    for key in counted:
        total[key] = sum(r.get(key) or 0 for r in results)
    extremes = ("boot_storm_s", "boot_max_ms", "max_ms", "server_rss_kb", "server_rss_peak_kb",
                "storm_server_cpu_pct", "storm_server_cpu_wait_pct")  # fmt: skip
    total["storm_server_cpu_ms_per_station"] = None  # each process saw a part of the storm
    for key in extremes:
        values = [r[key] for r in results if r.get(key) is not None]
        total[key] = max(values) if values else None
    total["processes"] = len(results)
    total["client_rss_per_station_kb"] = None  # per process: see the parts
    out.write_text(json.dumps(total, indent=2) + "\n")
    return total


def budget_for(stations: int, duration: float) -> float:
    """Seconds a run may take: the storm (a slow server boots ~300 stations/s) and the rest."""
    return 120 + duration + stations / 100


def fleet_key(args: argparse.Namespace, run: str, stations: int) -> str:
    """`idle`/`storm` when one size was asked for, else `idle-5000`, `storm-10000`, ..."""
    sizes = args.idle_stations if run == "idle" else args.storm_stations
    return run if len(sizes) == 1 else f"{run}-{stations}"


def storm_key(args: argparse.Namespace, stations: int) -> str:
    return fleet_key(args, "storm", stations)


def measure(spec: str, args: argparse.Namespace, log: Path) -> Figures:
    figures = Figures(spec)
    slug = spec.replace("@", "_").replace("=", "-").replace("/", "_")[:80]
    fleet = ["--version", "1.6:50,2.0.1:50", "--idle", "--heartbeat-interval", "60"]
    expected: dict[str, int] = {}
    for mix in [m for m in ("1.6", "2.0.1") if m in args.runs]:
        traffic = ["--stations", str(args.stations), "--version", mix, "--closed-loop"]
        with server(spec, log) as (url, pid):
            out = args.out / f"{slug}-{mix}.json"
            budget = budget_for(args.stations, args.duration)
            figures.runs[mix] = bench(url, pid, out, budget, *traffic,
                                      "--duration", str(args.duration))  # fmt: skip
            expected[mix] = args.stations
    if "latency" in args.runs:
        for mix in ("1.6", "2.0.1"):
            n = args.latency_stations
            rated = ["--stations", str(n), "--version", mix, "--rate", str(args.rate)]
            with server(spec, log) as (url, pid):
                out = args.out / f"{slug}-latency-{mix}.json"
                budget = budget_for(n, args.latency_duration)
                figures.runs[f"latency-{mix}"] = bench(url, pid, out, budget, *rated,
                    "--duration", str(args.latency_duration), "--timeout", "60")  # fmt: skip
                expected[f"latency-{mix}"] = n
    if "idle" in args.runs:
        for n in args.idle_stations:
            idle_run(spec, args, log, figures, slug, n)
            expected[fleet_key(args, "idle", n)] = n
    if "storm" in args.runs:
        for n in args.storm_stations:
            with server(spec, log) as (url, pid):
                storm = ["--stations", str(n), *fleet, "--timeout", "60"]
                out = args.out / f"{slug}-{storm_key(args, n)}.json"
                figures.runs[storm_key(args, n)] = bench(
                    url, pid, out, budget_for(n, 1), *storm, "--duration", "1"
                )
                expected[storm_key(args, n)] = n
    for name, r in figures.runs.items():
        stations = expected[name]
        trouble = {k: r[k] for k in ("connect_failures", "not_accepted", "errors", "unanswered",
                                     "lost", "disconnected", "not_sent") if r.get(k)}  # fmt: skip
        if trouble or r["accepted"] != stations:
            figures.notes.append(f"{name}: accepted {r['accepted']}/{stations} {trouble}")
    return figures


def idle_run(
    spec: str, args: argparse.Namespace, log: Path, figures: Figures, slug: str, n: int
) -> None:
    key = fleet_key(args, "idle", n)
    processes = -(-n // args.stations_per_bench)
    with server(spec, log) as (url, pid):
        time.sleep(1)  # let the server settle before its baseline RSS
        before = rss_kb(pid) or 0
        heartbeat = str(args.idle_heartbeat)
        idle = ["--version", "1.6:50,2.0.1:50", "--idle", "--heartbeat-interval", heartbeat]
        budget = budget_for(n, args.idle_duration)
        r = benches(url, pid, args.out / f"{slug}-{key}.json", budget, processes, n,
                    *idle, "--timeout", "60", "--duration", str(args.idle_duration))  # fmt: skip
        r["server_rss_before_kb"] = before
        if r.get("server_rss_kb") and r["accepted"]:
            r["server_rss_per_station_kb"] = (r["server_rss_kb"] - before) / r["accepted"]
        figures.runs[key] = r


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(all_figures: list[Figures], args: argparse.Namespace) -> str:
    head = (
        f"| server | 1.6 mix, msgs per server-CPU-s | 2.0.1 mix | idle RSS per station "
        f"({args.idle_stations[0]:,} stations) | {args.storm_stations[0]:,}-station boot storm |"
    )
    lines = [head, "|---|---:|---:|---:|---:|"]
    for f in all_figures:
        idle, storm = (
            f.runs.get(fleet_key(args, "idle", args.idle_stations[0]), {}),
            f.runs.get(storm_key(args, args.storm_stations[0]), {}),
        )
        per_station = idle.get("server_rss_per_station_kb")
        cells = [
            NAMES.get(f.server, f.server) if "@" not in f.server else f"`{f.server}`",
            _num(f.per_cpu_second("1.6")),
            _num(f.per_cpu_second("2.0.1")),
            "-" if per_station is None else f"{per_station:.1f} KB",
            "-" if not storm else f"{storm['boot_storm_s']:.2f} s",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    detail = [
        "",
        "| server | mix | msgs/s | server CPU % | of it system % | KB written per msg "
        "| bench CPU % | p50 ms | p99 ms | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for f in all_figures:
        for mix in ("1.6", "2.0.1"):
            r = f.runs.get(mix)
            if r:
                detail.append(
                    f"| {f.server} | {mix} | {_num(r['msgs_per_s'])} | "
                    f"{_num(r['server_cpu_pct'])} | {_num(r.get('server_system_cpu_pct'))} | "
                    f"{_num(r.get('server_written_kb_per_msg'), 1)} | "
                    f"{_num(r['client_cpu_pct'])} | "
                    f"{_num(r['p50_ms'], 1)} | {_num(r['p99_ms'], 1)} | {r['errors']} |"
                )
    notes = [f"- {f.server}: {n}" for f in all_figures for n in f.notes]
    return "\n".join(
        lines + detail + scale_table(all_figures) + (["", "Notes:", *notes] if notes else [])
    )


def scale_table(all_figures: list[Figures]) -> list[str]:
    """The issue's scale targets: p99 at a fixed rate, idle fleets, storms (when run)."""
    lines = [
        "",
        "| server | run | stations | accepted | connected at end | storm s | storm server CPU % "
        "| storm server waits for a CPU % | storm server CPU ms per station | storm bench CPU % "
        "| offered/s | answered/s "
        "| not sent | p50 ms | p99 ms | max ms "
        "| server RSS MB | RSS per station |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for f in all_figures:
        for name, r in f.runs.items():
            if not name.startswith(("latency", "idle", "storm")):
                continue
            per_station = r.get("server_rss_per_station_kb")
            rss = r.get("server_rss_kb")
            cells = [f.server, name, f"{r['stations']:,}", f"{r['accepted']:,}",
                     f"{r['connected_at_end']:,}", _num(r["boot_storm_s"], 2),
                     _num(r.get("storm_server_cpu_pct")), _num(r.get("storm_server_cpu_wait_pct")),
                     _num(r.get("storm_server_cpu_ms_per_station"), 3),
                     _num(r.get("storm_client_cpu_pct")),
                     _num(r.get("offered_per_s")), _num(r["msgs_per_s"]), str(r["not_sent"]),
                     _num(r["p50_ms"], 2), _num(r["p99_ms"], 2), _num(r["max_ms"], 2),
                     _num(None if rss is None else rss / 1024),
                     "-" if per_station is None else f"{per_station:.1f} KB"]  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
    return lines if len(lines) > 3 else []


def machine_speed(workdir: Path) -> dict[str, float]:
    """How fast this machine is right now, so that runs of other days can be compared: a
    fixed pure-Python loop (CPU seconds, pinned to core 0 like the servers), the COMMIT of
    a one-row SQLite transaction with `synchronous=FULL` on this disk (WAL, as Ampyre), back
    to back, and the COMMIT's tail when paced like the latency run's durable answers
    (`PACED_COMMITS_PER_S` a second, a few rows each): the floor under a durable p99."""
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {0})
    path = workdir / "machine-speed.db"
    try:
        started = time.process_time()
        total = 0
        for i in range(10_000_000):
            total += i
        loop_s = time.process_time() - started
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            commits = []
            for _ in range(500):
                began = time.perf_counter()
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT INTO t (v) VALUES ('x')")
                db.execute("COMMIT")
                commits.append(time.perf_counter() - began)
            paced = _paced_commits(db)
        finally:
            db.close()
    finally:
        os.sched_setaffinity(0, previous)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    commits.sort()
    return {
        "python_loop_s": round(loop_s, 3),
        "commit_p50_ms": _ms_at(commits, 0.5),
        "commit_p99_ms": _ms_at(commits, 0.99),
        "paced_commit_p99_ms": _ms_at(paced, 0.99),
    }


def _ms_at(ordered_seconds: list[float], fraction: float) -> float:
    """The value at `fraction` of an ascending list of seconds, in ms."""
    return round(ordered_seconds[int(len(ordered_seconds) * fraction)] * 1000, 3)


#: the paced COMMITs: about the durable answers a second of the latency run (500 msgs/s,
#: 6 of 7 durable), each a few rows of a few hundred bytes (its session rows, its log rows)
PACED_COMMITS_PER_S = 400
PACED_COMMITS = 1_000


def _paced_commits(db: sqlite3.Connection) -> list[float]:
    """COMMIT seconds of `PACED_COMMITS` transactions started `PACED_COMMITS_PER_S` a second."""
    period = 1 / PACED_COMMITS_PER_S
    row = "x" * 300
    seconds = []
    due = time.perf_counter()
    for _ in range(PACED_COMMITS):
        due += period
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO t (v) VALUES (?)", [(row,)] * 5)
        began = time.perf_counter()
        db.execute("COMMIT")
        seconds.append(time.perf_counter() - began)
    seconds.sort()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--servers", default=DEFAULT_SERVERS, help="comma-separated")
    parser.add_argument("--stations", type=int, default=100, help="closed-loop stations")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per mix")
    parser.add_argument("--idle-stations", default="5000", help="comma-separated, one run each")
    parser.add_argument("--idle-duration", type=float, default=5.0)
    parser.add_argument("--idle-heartbeat", type=float, default=60.0, help="seconds")
    parser.add_argument(
        "--stations-per-bench",
        type=int,
        default=10_000,
        help="idle: a larger fleet is shared by several bench processes (all on core 1)",
    )
    parser.add_argument("--storm-stations", default="2000", help="comma-separated, one storm each")
    parser.add_argument("--latency-stations", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=500.0, help="latency: msgs/s offered")
    parser.add_argument("--latency-duration", type=float, default=20.0)
    parser.add_argument(
        "--runs",
        default="1.6,2.0.1,idle,storm",
        help="which of 1.6,2.0.1,latency,idle,storm to run",
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    args.runs = args.runs.split(",")
    args.storm_stations = [int(n) for n in args.storm_stations.split(",")]
    args.idle_stations = [int(n) for n in args.idle_stations.split(",")]
    if (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        sys.exit("needs Linux with taskset and at least 2 cores (server on 0, bench on 1)")
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "compare-servers.log"
    began = time.monotonic()
    speed = machine_speed(args.out)
    print(f"machine: {speed}", flush=True)
    all_figures: list[Figures] = []
    for spec in args.servers.split(","):
        if spec == "ocpp-rpc" and not (NODE_PEER / "node_modules" / "ocpp-rpc").is_dir():
            print("skipping ocpp-rpc: run `make bench-peers` first (needs node and npm)")
            continue
        print(f"--- {spec}", flush=True)
        all_figures.append(measure(spec, args, log))
        print(table(all_figures[-1:], args), flush=True)
    text = table(all_figures, args)
    text += (
        f"\n\nMachine at the start: a 10-million-addition Python loop took "
        f"{speed['python_loop_s']} CPU s on core 0; a one-row SQLite COMMIT (WAL, "
        f"synchronous=FULL) p50 {speed['commit_p50_ms']} ms, p99 {speed['commit_p99_ms']} ms "
        f"back to back, p99 {speed['paced_commit_p99_ms']} ms paced at "
        f"{PACED_COMMITS_PER_S} a second (5 rows each)."
    )
    (args.out / "compare.md").write_text(text + "\n")
    dump: dict[str, Any] = {f.server: f.runs for f in all_figures}
    dump["machine"] = speed
    (args.out / "compare.json").write_text(json.dumps(dump, indent=2) + "\n")
    print(f"\n{text}\n\n{time.monotonic() - began:.0f} s in all; results in {args.out}/")


if __name__ == "__main__":
    main()
