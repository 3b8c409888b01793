"""benchmarks/pg_round_trips.py: every query asyncpg sends counted once, under its statement."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.postgres

_SCRIPT = """
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])
import asyncpg, pg_round_trips

async def main():
    pg_round_trips._count_queries()
    connection = await asyncpg.connect(sys.argv[2])
    try:
        await connection.execute("CREATE TEMPORARY TABLE seen (id integer, at text)")
        await connection.execute("BEGIN")
        for n in range(3):
            await connection.fetch("SELECT id FROM seen WHERE id = $1 FOR UPDATE", n)
        await connection.executemany("INSERT INTO seen (id, at) VALUES ($1, $2)", [(1, "a")])
        await connection.fetchval("UPDATE seen SET at = $1 WHERE id = $2 RETURNING id", "b", 1)
        await connection.execute("COMMIT")
    finally:
        await connection.close()
    print(json.dumps(pg_round_trips.COUNTS))

asyncio.run(main())
"""


def test_each_query_is_counted_under_its_statement() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(ROOT / "benchmarks"), POSTGRES_URL],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert json.loads(out) == {
        "CREATE": 1,
        "BEGIN": 1,
        "SELECT FROM seen FOR UPDATE": 3,
        "INSERT seen (executemany)": 1,
        "UPDATE seen": 1,
        "COMMIT": 1,
    }
