"""Round trips to PostgreSQL per message: what `hotpath.py` sends, counted by statement.

On PostgreSQL every statement, BEGIN and COMMIT is a round trip, and a round trip costs
the server's process more CPU than anything else it does per message (asyncpg's protocol
calls were 42 % of `hotpath.py`'s samples, 2026-12-07). This runs `hotpath.py` in this
process with asyncpg's query methods counted and prints them per answered message:

    .venv/bin/python benchmarks/pg_round_trips.py --version 1.6 --messages 7000
    # the database is emptied first, as hotpath.py does; --database-url to choose it

The bench's 1.6 mix is sessions of 7 messages (Heartbeat, StatusNotification,
StartTransaction, 3 MeterValues, StopTransaction); its 2.0.1 mix, 7 too.
"""

from __future__ import annotations

import argparse
import collections
import os
import runpy
import sys
from pathlib import Path
from typing import Any

import asyncpg.connection
import asyncpg.prepared_stmt

_URL = os.environ.get("AMPYRE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
COUNTS: collections.Counter[str] = collections.Counter()


def _name(query: str) -> str:
    """A statement by its first words: `INSERT INTO meter_values`, `BEGIN`, ..."""
    words = query.replace("(", " ").split()
    if not words:
        return "(empty)"
    verb = words[0].rstrip(";").upper()
    if verb in ("INSERT", "DELETE") and len(words) > 2:
        return f"{verb} {words[2]}"
    if verb == "UPDATE" and len(words) > 1:
        return f"UPDATE {words[1]}"
    if verb == "SELECT" and "FROM" in (w.upper() for w in words):
        upper = [w.upper() for w in words]
        table = words[upper.index("FROM") + 1]
        lock = " FOR UPDATE" if "FOR" in upper[-4:] else ""
        return f"SELECT FROM {table}{lock}"
    return verb


def _count_queries() -> None:
    """Count every query asyncpg sends: prepared statements run directly (Ampyre's fast
    path), `fetch*` and `execute` with arguments, simple queries, executemany."""
    prepared: Any = asyncpg.prepared_stmt.PreparedStatement
    bind_execute = prepared._PreparedStatement__bind_execute

    async def counted_bind_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        COUNTS[_name(self._query)] += 1
        return await bind_execute(self, *args, **kwargs)

    prepared._PreparedStatement__bind_execute = counted_bind_execute
    connection: Any = asyncpg.connection.Connection
    execute, with_arguments, executemany = (
        connection.execute,
        connection._execute,
        connection.executemany,
    )

    async def counted_execute(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if not args:  # a simple query; with arguments it goes through _execute
            COUNTS[_name(query)] += 1
        return await execute(self, query, *args, **kwargs)

    async def counted_with_arguments(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        COUNTS[_name(query)] += 1
        return await with_arguments(self, query, *args, **kwargs)

    async def counted_executemany(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        COUNTS[_name(query) + " (executemany)"] += 1
        return await executemany(self, query, *args, **kwargs)

    connection.execute = counted_execute
    connection._execute = counted_with_arguments
    connection.executemany = counted_executemany


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="1.6", choices=["1.6", "2.0.1"])
    parser.add_argument("--messages", type=int, default=7000)
    parser.add_argument("--stations", type=int, default=100)
    parser.add_argument("--database-url", default=_URL)
    args = parser.parse_args()
    _count_queries()
    hotpath = Path(__file__).with_name("hotpath.py")
    sys.argv = [str(hotpath), "--version", args.version, "--messages", str(args.messages)]
    sys.argv += ["--stations", str(args.stations), "--warmup", "0", "--windows", "1"]
    sys.argv += ["--database-url", args.database_url]
    before = collections.Counter(COUNTS)
    runpy.run_path(str(hotpath), run_name="__main__")
    counted = COUNTS - before
    # the setup's statements (schema, stations) are not the mix's: only those of every session
    print(f"\nround trips per message ({args.version} mix, {args.messages} messages):")
    total = 0.0
    for name, count in counted.most_common():
        per = count / args.messages
        if per >= 0.01:
            total += per
            print(f"  {per:6.3f}  {name}")
    print(f"  {total:6.3f}  in all")


if __name__ == "__main__":
    main()
