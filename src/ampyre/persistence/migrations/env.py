"""Alembic environment: runs on the connection `ampyre.persistence.migrate` hands over, or,
when started by the alembic CLI, on a `Database` built from `sqlalchemy.url`."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from ampyre.persistence.database import Database
from ampyre.persistence.tables import for_this_dialect, metadata

config = context.config


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=lambda obj, *_: for_this_dialect(obj, connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_url(url: str) -> None:
    database = Database(url)
    try:
        await database.run_sync(run_migrations)
    finally:
        await database.close()


def main() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
    elif url:
        asyncio.run(run_from_url(url))
    else:
        raise RuntimeError("no connection and no sqlalchemy.url to migrate")


main()
