"""Schema migrations with Alembic, run programmatically (no alembic.ini needed).

The scripts live in `ampyre/persistence/migrations/`. The schema changes only through them:
the application never calls `metadata.create_all`. To write a new revision during
development: `alembic -c <ini with script_location = src/ampyre/persistence/migrations and
sqlalchemy.url = ...> revision --autogenerate -m "..."`, then review it by hand.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from ampyre.persistence.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")

# Held (PostgreSQL, per transaction) so that two processes never migrate at once.
_ADVISORY_LOCK_ID = 0x616D7079  # "ampy"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at our scripts (and at `url`, for the alembic CLI path)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision` (default: the newest)."""
    database = Database(url)
    try:
        await database.upgrade(revision)
    finally:
        await database.close()


def upgrade_sync(url: str, revision: str = "head") -> None:
    """`upgrade` for callers without an event loop (e.g. the CLI)."""
    asyncio.run(upgrade(url, revision))


async def current_revision(url: str) -> str | None:
    """The revision the database at `url` is at; None when it was never migrated."""
    database = Database(url)
    try:
        return await database.current_revision()
    finally:
        await database.close()


def run_upgrade(connection: Connection, revision: str = "head") -> None:
    """Run the migrations on `connection`, inside the caller's transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADVISORY_LOCK_ID})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def read_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
