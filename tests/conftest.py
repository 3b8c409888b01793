"""Database fixtures: tests that use them run once on SQLite and once on PostgreSQL.

PostgreSQL comes from AMPYRE_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test).
Each test gets a fresh schema `t_<random>`, selected through the URL's libpq-style
`options=-csearch_path%3D<schema>` (which `ampyre.persistence.Database` understands) and
dropped afterwards. When the server cannot be reached the PostgreSQL tests are skipped,
except with CI=true, where they fail: CI never skips them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from ampyre.persistence import Database

POSTGRES_URL = os.environ.get(
    "AMPYRE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


async def _postgres_admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL), timeout=10)
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at {POSTGRES_URL} is unreachable: {error!r}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'ampyre.db'}"
        return
    schema = f"t_{secrets.token_hex(8)}"
    admin = await _postgres_admin()
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await admin.close()
    try:
        yield _with_search_path(POSTGRES_URL, schema)
    finally:
        admin = await _postgres_admin()
        try:
            await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        finally:
            await admin.close()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated `Database` on `database_url`, closed afterwards."""
    db = Database(database_url)
    try:
        await db.upgrade()
        yield db
    finally:
        await db.close()
