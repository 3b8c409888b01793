"""Measuring hooks for `ampyre serve` and `benchmarks/hotpath.py`, for experiments only.

Python imports `sitecustomize` at start-up from the path, so putting this directory on
PYTHONPATH patches the server before it runs; nothing happens unless a variable asks:

- `PROBE_PARTS=FILE`: per answered CALL, the time from the frame to its answer, and within
  it the wait for the SQLite writer and for the batch's COMMIT; the COMMIT seconds by batch
  size. Written to FILE at exit, after the first `PROBE_SKIP` (1000) messages (the boots).
- `PROBE_DROP=ix_a,ix_b`: drop these indexes right after start-up (what an index costs).
- `PROBE_PRAGMA="PRAGMA a=1;PRAGMA b=2"`: more pragmas on every SQLite connection.
- `PROBE_WAL_COPY=DIR`: at stop, once the message log is flushed and no batch is open,
  copy the SQLite file and its WAL to DIR/copy.db and DIR/copy.db-wal; with
  `PROBE_PRAGMA="PRAGMA wal_autocheckpoint=0"` the WAL then holds every page the run
  wrote, for `benchmarks/wal_pages.py` to say which table or index each belongs to.

    env PYTHONPATH=benchmarks/probe PROBE_PARTS=/tmp/parts.txt taskset -c 0 \\
        .venv/bin/ampyre serve --host 127.0.0.1 &
    taskset -c 1 .venv/bin/ampyre bench --url ws://127.0.0.1:9000/ocpp --stations 1000 \\
        --version 1.6 --rate 500 --duration 20 ; kill -INT %1 ; cat /tmp/parts.txt
"""

from __future__ import annotations

import asyncio
import atexit
import os
import sqlite3
import time
from typing import Any


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def _parts(out: str) -> None:
    from ampyre.persistence import group_commit
    from ampyre.transports.json_link import JsonLink

    now = time.perf_counter
    open_parts: dict[Any, dict[str, float]] = {}
    rows: list[dict[str, float]] = []
    commits: list[tuple[int, float]] = []
    receive, acquire = JsonLink.receive, group_commit.GroupCommitWriter.acquire
    durable, commit_batch = (
        group_commit._Batch.durable,
        group_commit.GroupCommitWriter._commit_batch,
    )

    async def timed_receive(self: Any, *args: Any, **kwargs: Any) -> Any:
        parts = open_parts[asyncio.current_task()] = {"writer": 0.0, "durable": 0.0}
        started = now()
        try:
            return await receive(self, *args, **kwargs)
        finally:
            parts["total"] = now() - started
            rows.append(open_parts.pop(asyncio.current_task()))

    async def timed_acquire(self: Any) -> None:
        started = now()
        await acquire(self)
        parts = open_parts.get(asyncio.current_task())
        if parts is not None:
            parts["writer"] += now() - started

    async def timed_durable(self: Any, loop: Any) -> None:
        started = now()
        await durable(self, loop)
        parts = open_parts.get(asyncio.current_task())
        if parts is not None:
            parts["durable"] += now() - started

    async def timed_commit_batch(self: Any) -> None:
        units = self._batch.units if self._batch is not None else 0
        started = now()
        await commit_batch(self)
        commits.append((units, now() - started))

    JsonLink.receive = timed_receive  # type: ignore[method-assign]
    group_commit.GroupCommitWriter.acquire = timed_acquire  # type: ignore[method-assign]
    group_commit._Batch.durable = timed_durable  # type: ignore[method-assign]
    group_commit.GroupCommitWriter._commit_batch = timed_commit_batch  # type: ignore[method-assign]

    def report() -> None:
        measured = rows[int(os.environ.get("PROBE_SKIP", "1000")) :]
        with open(out, "w") as file:
            file.write(f"messages {len(measured)}\n")
            for part in ("total", "writer", "durable"):
                values = [row[part] for row in measured]
                file.write(
                    f"{part:8} p50 {_percentile(values, 0.5):.3f} p90 "
                    f"{_percentile(values, 0.9):.3f} p99 {_percentile(values, 0.99):.3f} ms\n"
                )
            for low, high in ((1, 2), (3, 10), (11, 10**9)):
                values = [seconds for units, seconds in commits if low <= units <= high]
                if values:
                    file.write(
                        f"COMMIT of {low}-{high} units: {len(values)}, p50 "
                        f"{_percentile(values, 0.5):.3f} p90 {_percentile(values, 0.9):.3f} "
                        f"p99 {_percentile(values, 0.99):.3f} ms\n"
                    )

    atexit.register(report)


def _sqlite_path(app: Any) -> str:
    """The file of the application's SQLite database."""
    return str(app.settings.database_url.split(":///", 1)[1])


def _drop(indexes: list[str]) -> None:
    from ampyre.app import Application

    start = Application.start

    async def start_then_drop(self: Application, *args: Any, **kwargs: Any) -> None:
        await start(self, *args, **kwargs)
        path = _sqlite_path(self)
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            for index in indexes:
                connection.execute(f"DROP INDEX IF EXISTS {index}")
        finally:
            connection.close()

    Application.start = start_then_drop  # type: ignore[method-assign]


def _wal_copy(directory: str) -> None:
    import shutil

    from ampyre.app import Application

    stop = Application.stop

    async def copy_then_stop(self: Application, *args: Any, **kwargs: Any) -> None:
        path = _sqlite_path(self)
        await self.recorder.flushed()
        writer = self.database.group_commit
        assert writer is not None, "PROBE_WAL_COPY needs a SQLite file"
        await writer.acquire_clean()
        try:
            shutil.copy(path, os.path.join(directory, "copy.db"))
            shutil.copy(path + "-wal", os.path.join(directory, "copy.db-wal"))
        finally:
            writer.release()
        await stop(self, *args, **kwargs)

    Application.stop = copy_then_stop  # type: ignore[method-assign]


def _pragmas(pragmas: list[str]) -> None:
    from ampyre.persistence import database

    database._SQLITE_PRAGMAS = (*database._SQLITE_PRAGMAS, *pragmas)


if os.environ.get("PROBE_PARTS"):
    _parts(os.environ["PROBE_PARTS"])
if os.environ.get("PROBE_DROP"):
    _drop(os.environ["PROBE_DROP"].split(","))
if os.environ.get("PROBE_PRAGMA"):
    _pragmas(os.environ["PROBE_PRAGMA"].split(";"))
if os.environ.get("PROBE_WAL_COPY"):
    _wal_copy(os.environ["PROBE_WAL_COPY"])
