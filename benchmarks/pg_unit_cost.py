"""CPU per unit of work on PostgreSQL: Ampyre's executor against raw asyncpg.

A unit of work of three round trips (BEGIN, one prepared SELECT, COMMIT), `--tasks` at
once, this process's CPU only (user + system; PostgreSQL's backends are other processes):

    .venv/bin/python benchmarks/pg_unit_cost.py --tasks 10 --units 20000

`ampyre` takes its connection as every unit of work does (`Database.executor()`: kept
connections, the fast path for a statement seen before); `asyncpg` is the floor: the same
three round trips on connections of its own pool, held for the whole run. The difference
is what Ampyre's layers cost a unit. (2026-12-07, this machine: 157-176 µs before kept
connections, 88 µs after; asyncpg ~55.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
from collections.abc import Awaitable, Callable

import asyncpg
import uvloop
from sqlalchemy import Integer, bindparam, select

from ampyre.persistence import Database

_URL = os.environ.get("AMPYRE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
_SELECT = select(bindparam("n", type_=Integer))


async def _ampyre(url: str, tasks: int, units: int) -> float:
    database = Database(url)

    async def loop(n: int) -> None:
        for i in range(n):
            executor = database.executor()
            await executor.enter()
            try:
                await executor.execute(_SELECT, {"n": i})
                await executor.commit()
            finally:
                await executor.leave(failing=False)

    try:
        return await _measure(loop, tasks, units)
    finally:
        await database.close()


async def _asyncpg(url: str, tasks: int, units: int) -> float:
    pool = await asyncpg.create_pool(url, min_size=tasks, max_size=tasks)

    async def loop(n: int) -> None:
        async with pool.acquire() as connection:
            statement = await connection.prepare("SELECT $1::integer")
            for i in range(n):
                await connection.execute("BEGIN")
                await statement.fetch(i)
                await connection.execute("COMMIT")

    try:
        return await _measure(loop, tasks, units)
    finally:
        await pool.close()


async def _measure(loop: Callable[[int], Awaitable[None]], tasks: int, units: int) -> float:
    """µs of this process's CPU per unit, after a warm-up of 50 units per task."""
    await asyncio.gather(*(loop(50) for _ in range(tasks)))
    each = max(1, units // tasks)
    before = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.gather(*(loop(each) for _ in range(tasks)))
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu * 1e6 / (each * tasks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=_URL)
    parser.add_argument("--tasks", type=int, default=10, help="units of work at once")
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2, help="alternating measurements")
    args = parser.parse_args()
    raw_url = args.database_url.split("?")[0].replace("postgresql+asyncpg://", "postgresql://")
    for _ in range(args.rounds):
        ours = uvloop.run(_ampyre(args.database_url, args.tasks, args.units))
        floor = uvloop.run(_asyncpg(raw_url, args.tasks, args.units))
        print(
            f"{args.tasks} at once: ampyre {ours:.1f} µs of CPU per unit of work, "
            f"asyncpg {floor:.1f} (BEGIN, SELECT, COMMIT)"
        )


if __name__ == "__main__":
    main()
