"""`ampyre serve --workers N` against one worker: the same bench, alternating, on PostgreSQL.

Each run: a fresh PostgreSQL schema (`ampyre migrate`), `ampyre serve --workers N`
(unpinned: the workers need both cores), then one `ampyre bench` (unpinned too: on a
2-core machine the load generator competes with the workers for the cores, so this cannot
show the issue's >= 1.7x; it shows what the processes cost and what they give here).
Prints msgs/s, p50/p99 and the CPU seconds of every process (primary, each worker, bench)
over the bench's run, and writes them as JSON.

    .venv/bin/python benchmarks/workers.py --workers 1,2 --rounds 2 --stations 100 \
        --duration 15 --version 1.6 [--pg-options %20-csynchronous_commit%3Doff]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import AMPYRE, free_port, wait_for_port  # noqa: E402

POSTGRES = os.environ.get("AMPYRE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a live process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of every PostgreSQL process of this machine (its backends do the SQL)."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found[int(entry.name)] = cpu_seconds(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
    return found


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


async def schema(action: str, name: str) -> None:
    connection = await asyncpg.connect(POSTGRES)
    try:
        await connection.execute(
            f'{action} SCHEMA "{name}"' + (" CASCADE" if action == "DROP" else "")
        )
    finally:
        await connection.close()


def run_once(workers: int, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    name = f"bench_{secrets.token_hex(6)}"
    asyncio.run(schema("CREATE", name))
    url = f"{POSTGRES}?options=-csearch_path%3D{name}{args.pg_options}"
    env = {**os.environ, "AMPYRE_DATABASE_URL": url, "AMPYRE_LOG_LEVEL": "WARNING"}
    port, http_port = free_port(), free_port()
    workdir = Path(tempfile.mkdtemp(prefix="ampyre-workers-bench-"))
    subprocess.run([AMPYRE, "migrate"], env=env, check=True, capture_output=True)
    command = [AMPYRE, "serve", f"--workers={workers}", "--host=127.0.0.1", f"--port={port}"]
    command += [f"--http-port={http_port}", f"--files-dir={workdir / 'files'}"]
    print("$", " ".join(command), flush=True)
    log = (out / f"serve-{workers}-{name}.log").open("wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=workdir)
    try:
        wait_for_port(http_port, server)
        wait_for_port(port, server)
        if workers > 1:  # every worker listens (the primary answers /health only then)
            deadline = time.monotonic() + 60
            while len(children(server.pid)) < workers and time.monotonic() < deadline:
                time.sleep(0.1)
            httpx.get(f"http://127.0.0.1:{http_port}/api/v1/health", timeout=30)
        processes = {"primary" if workers > 1 else "server": server.pid}
        for index, pid in enumerate(sorted(children(server.pid)), 1):
            processes[f"worker {index}"] = pid
        result_file = out / f"bench-{workers}-{name}.json"
        bench = [AMPYRE, "bench", "--url", f"ws://127.0.0.1:{port}/ocpp"]
        bench += ["--stations", str(args.stations), "--duration", str(args.duration)]
        bench += ["--version", args.version, "--json", str(result_file)]
        bench += ["--server-pid", str(server.pid)]
        print("$", " ".join(bench), flush=True)
        before = {label: cpu_seconds(pid) for label, pid in processes.items()}
        pg_before, busy_before = postgres_cpu(), machine_busy()
        started = time.monotonic()
        runner = subprocess.Popen(bench, stdout=subprocess.DEVNULL)
        bench_cpu = 0.0
        while runner.poll() is None:
            try:
                bench_cpu = cpu_seconds(runner.pid)
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(0.2)
        runner.wait()
        wall = time.monotonic() - started
        cpu = {
            label: round(cpu_seconds(pid) - before[label], 2) for label, pid in processes.items()
        }
        cpu["bench"] = round(bench_cpu, 2)
        pg_after, busy_after = postgres_cpu(), machine_busy()
        cpu["postgres"] = round(
            sum(after - pg_before.get(pid, 0.0) for pid, after in pg_after.items()), 2
        )
        busy = busy_after[0] - busy_before[0]
        cpu["machine"] = round(busy, 2)  # both cores, everyone's (other users too)
        ours = sum(v for k, v in cpu.items() if k != "machine")
        cpu["others"] = round(max(busy - ours, 0.0), 2)
        result: dict[str, Any] = json.loads(result_file.read_text())
        server_cpu = sum(cpu[label] for label in processes)
        return {
            "workers": workers,
            "msgs_per_s": result["msgs_per_s"],
            "p50_ms": result.get("p50_ms"),
            "p99_ms": result.get("p99_ms"),
            "errors": result.get("errors"),
            "wall_s": round(wall, 1),
            "cpu_s": cpu,
            # the messages of the traffic phase over all server CPU of the bench's run
            "msgs_per_server_cpu_s": round(result["messages"] / server_cpu, 1)
            if server_cpu
            else None,
        }
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        asyncio.run(schema("DROP", name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds")
    parser.add_argument("--stations", type=int, default=100)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--version", default="1.6")
    parser.add_argument(
        "--pg-options",
        default="",
        help="more libpq options for the server's sessions, URL-encoded, e.g. "
        "%%20-csynchronous_commit%%3Doff (a diagnostic: acknowledged is then not durable)",
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/workers"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for _ in range(args.rounds):
        for workers in (int(w) for w in args.workers.split(",")):
            result = run_once(workers, args, args.out)
            print(json.dumps(result), flush=True)
            results.append(result)
    (args.out / "workers.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
