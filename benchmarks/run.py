"""The long benchmark (`make bench-long`): bench vs. the echo ceiling vs. `ampyre serve`.

Runs on a 2-core Linux machine: every server is pinned to core 0 (`taskset -c 0`) and
`ampyre bench` to core 1, so they never compete for a core.

1. the raw echo OCPP-J server (`python -m ampyre.simulator.echo_server`): the ceiling of the
   load generator (no validation, no database behind it);
2. `ampyre serve` on a fresh SQLite database (`ampyre migrate` first), one per run;

each with 100 and 1000 stations, closed loop, 1.6 and 2.0.1 mixes, `--duration` s; then
10,000 idle stations (a Heartbeat every 30 s) held for `--idle-duration` s, against echo
(the client's own memory) and against `ampyre serve`. Every run writes its JSON result to
`--out`; a markdown table of all of them is printed at the end (and written as table.md).

    .venv/bin/python benchmarks/run.py [--duration 20] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
AMPYRE = str(BIN / "ampyre")
SERVER_CORE, BENCH_CORE = "0", "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


#: fds a benchmark process asks for: 20,000 stations need 20,000 sockets plus the server's own
WANTED_FDS = 65_536


def _max_fds() -> None:
    """In the child: raise the fd limit to WANTED_FDS where allowed (raising the hard limit
    needs CAP_SYS_RESOURCE), else the soft limit to the hard one (10,000 stations, 10,000
    fds)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < WANTED_FDS:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (WANTED_FDS, WANTED_FDS))
            return
        except (ValueError, OSError):
            pass  # not privileged: the hard limit is what there is
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@contextlib.contextmanager
def server(kind: str, log: Path) -> Iterator[tuple[str, int]]:
    """Start the echo server or a fresh `ampyre serve` on core 0; yield (url, pid)."""
    port = free_port()
    env = dict(os.environ)
    workdir = Path(tempfile.mkdtemp(prefix=f"ampyre-bench-{kind}-"))
    if kind == "echo":
        command = [str(BIN / "python"), "-m", "ampyre.simulator.echo_server", "--port", str(port)]
    else:
        env["AMPYRE_DATABASE_URL"] = f"sqlite+aiosqlite:///{workdir / 'ampyre.db'}"
        env["AMPYRE_LOG_LEVEL"] = "WARNING"
        env["AMPYRE_HTTP_PORT"] = str(free_port())  # never the default 8080 of a dev server
        subprocess.run([AMPYRE, "migrate"], env=env, check=True, cwd=workdir)
        command = [AMPYRE, "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("ab") as out:
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
        yield f"ws://127.0.0.1:{port}/ocpp", process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def bench(url: str, pid: int, out: Path, *args: str) -> dict[str, Any]:
    command = ["taskset", "-c", BENCH_CORE, AMPYRE, "bench", "--url", url, "--server-pid"]
    command += [str(pid), "--json", str(out), *args]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, preexec_fn=_max_fds)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def fmt(value: Any, scale: float = 1, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value / scale:,.{digits}f}" if scale != 1 or isinstance(value, float) else f"{value}"


COLUMNS = (
    "server | mix | stations | mode | accepted | connected at end | boot storm s | msgs/s | "
    "p50 ms | p95 ms | p99 ms | max ms | errors | unanswered | lost | bench CPU % | server CPU % | "
    "server RSS MB | bench KB/station"
)


def row(server_name: str, r: dict[str, Any]) -> str:
    cells = [
        server_name,
        r["versions"],
        f"{r['stations']:,}",
        r["mode"],
        f"{r['accepted']:,}",
        f"{r['connected_at_end']:,}",
        fmt(r["boot_storm_s"], digits=2),
        fmt(r["msgs_per_s"], digits=0),
        *(fmt(r[k], digits=1) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")),
        str(r["errors"]),
        str(r["unanswered"]),
        str(r["lost"]),
        fmt(r["client_cpu_pct"], digits=0),
        fmt(r["server_cpu_pct"], digits=0),
        fmt(r["server_rss_kb"], 1024, 0),
        fmt(r["client_rss_per_station_kb"], digits=1),
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per traffic run")
    parser.add_argument("--idle-stations", type=int, default=10_000)
    parser.add_argument("--idle-duration", type=float, default=30.0)
    parser.add_argument("--stations", default="100,1000", help="station counts, comma-separated")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        sys.exit("needs Linux with taskset and at least 2 cores (server on 0, bench on 1)")
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "servers.log"
    counts = [int(n) for n in args.stations.split(",")]
    rows: list[str] = []
    began = time.monotonic()
    for kind, name in (("echo", "echo (ceiling)"), ("ampyre", "ampyre serve, SQLite")):
        for mix in ("1.6", "2.0.1"):
            for n in counts:
                out = args.out / f"{kind}-{mix}-{n}.json"
                with server(kind, log) as (url, pid):
                    r = bench(url, pid, out, "--stations", str(n), "--version", mix,
                              "--duration", str(args.duration), "--closed-loop")  # fmt: skip
                rows.append(row(name, r))
                print(rows[-1], flush=True)
        n = args.idle_stations
        out = args.out / f"{kind}-idle-{n}.json"
        with server(kind, log) as (url, pid):
            r = bench(url, pid, out, "--stations", str(n), "--version", "1.6:50,2.0.1:50",
                      "--idle", "--heartbeat-interval", "30",
                      "--duration", str(args.idle_duration), "--timeout", "60")  # fmt: skip
        rows.append(row(name, r))
        print(rows[-1], flush=True)
    table = "\n".join(["| " + COLUMNS + " |", "|" + "---|" * len(COLUMNS.split(" | ")), *rows])
    (args.out / "table.md").write_text(table + "\n")
    print(f"\n{table}\n\n{time.monotonic() - began:.0f} s in all; JSON in {args.out}/")


if __name__ == "__main__":
    main()
