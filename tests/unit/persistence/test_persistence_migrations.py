"""Migrations create exactly the schema `tables.metadata` describes, on both backends."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, MetaData, String, inspect

from ampyre.persistence import Database, current_revision, head_revision, normalize_url, upgrade
from ampyre.persistence.tables import for_this_dialect, metadata


def _diff(target: MetaData) -> Any:
    def compare(connection: Connection) -> list[Any]:
        dialect = connection.dialect.name

        def include(obj: Any, name: Any, kind: str, reflected: bool, compare_to: Any) -> bool:
            return for_this_dialect(obj, dialect)

        opts = {"compare_type": True, "include_object": include}
        context = MigrationContext.configure(connection, opts=opts)
        return list(compare_metadata(context, target))

    return compare


async def test_upgrade_creates_exactly_the_tables_module(database_url: str) -> None:
    assert await current_revision(database_url) is None
    await upgrade(database_url)
    assert await current_revision(database_url) == head_revision() is not None
    database = Database(database_url)
    try:
        assert await database.run_sync(_diff(metadata)) == []
        # The comparison is not blind: a column the migrations lack is found.
        changed = MetaData(naming_convention=metadata.naming_convention)
        for table in metadata.sorted_tables:
            table.to_metadata(changed)
        changed.tables["stations"].append_column(Column("extra", String(5)))
        assert await database.run_sync(_diff(changed)) != []
    finally:
        await database.close()


async def test_upgrade_twice_is_a_no_op(database: Database) -> None:
    await database.upgrade()
    assert await database.current_revision() == head_revision()


async def test_sqlite_connections_are_durable_and_enforce_foreign_keys(tmp_path: Any) -> None:
    database = Database(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        async with database.engine.connect() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys")
            }
        assert pragmas == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}
    finally:
        await database.close()


@pytest.mark.parametrize(
    ("url", "expected", "settings"),
    [
        ("sqlite:///a.db", "sqlite+aiosqlite:///a.db", None),
        ("sqlite+aiosqlite:///./a.db", "sqlite+aiosqlite:///./a.db", None),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db", None),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db", None),
        (
            "postgresql+asyncpg://u@h/db?options=-csearch_path%3Dt_1%20-c%20work_mem%3D8MB",
            "postgresql+asyncpg://u@h/db",
            {"search_path": "t_1", "work_mem": "8MB"},
        ),
    ],
)
def test_urls_are_normalized(url: str, expected: str, settings: dict[str, str] | None) -> None:
    normalized, connect_args = normalize_url(url)
    assert normalized.render_as_string(hide_password=False) == expected
    assert connect_args.get("server_settings") == settings


@pytest.mark.parametrize(
    "url",
    ["mysql://u@h/db", "postgresql+psycopg://u@h/db", "nonsense", "postgresql:///d?options=x"],
)
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        normalize_url(url)


async def test_0012_indexes_the_messages_already_logged(database_url: str) -> None:
    """On SQLite the message log's station index becomes a table: the rows logged before
    are in it, and the watermark says so; PostgreSQL keeps its index (the table is empty)."""
    await upgrade(database_url, "0011")
    database = Database(database_url)
    try:
        async with database.engine.begin() as connection:
            for n in range(5):
                await connection.exec_driver_sql(
                    "INSERT INTO message_log (station_id, at, direction, kind, frame) "
                    f"VALUES ('CS{n % 2}', '2026-01-01 00:00:0{n}.000000', 'in', 'call', '[]')"
                )
        await database.upgrade()
        async with database.engine.connect() as connection:
            indexed = (
                await connection.exec_driver_sql(
                    "SELECT station_id, id FROM message_log_stations ORDER BY station_id, id"
                )
            ).all()
            up_to = (
                await connection.exec_driver_sql("SELECT up_to FROM message_log_indexed")
            ).scalar_one()
    finally:
        await database.close()
    if database.dialect == "sqlite":
        assert [tuple(row) for row in indexed] == [
            ("CS0", 1),
            ("CS0", 3),
            ("CS0", 5),
            ("CS1", 2),
            ("CS1", 4),
        ]
        assert up_to == 5
    else:
        assert indexed == [] and up_to == 0


async def test_0013_keeps_meter_values_unique_with_the_time_first(database_url: str) -> None:
    """The readings stored before are kept; the same four columns stay unique, in the new
    order (time first); a repeated reading is still stored once."""
    await upgrade(database_url, "0012")
    database = Database(database_url)
    insert = (
        "INSERT INTO meter_values (station_id, evse_id, timestamp, samples, digest) "
        "VALUES ('CS1', 1, '2026-01-01 00:00:0{n}.000000', '[]', 'd{n}') "
        "ON CONFLICT (timestamp, station_id, evse_id, digest) DO NOTHING"
    )
    try:
        async with database.engine.begin() as connection:
            for n in range(3):
                await connection.exec_driver_sql(insert.format(n=n))
        await database.upgrade()
        async with database.engine.begin() as connection:
            again = await connection.exec_driver_sql(insert.format(n=1))
            new = await connection.exec_driver_sql(insert.format(n=3))
            digests = (
                await connection.exec_driver_sql("SELECT digest FROM meter_values ORDER BY id")
            ).scalars()
            kept = list(digests)
            unique = await connection.run_sync(
                lambda sync: inspect(sync).get_unique_constraints("meter_values")
            )
    finally:
        await database.close()
    assert (again.rowcount, new.rowcount) == (0, 1)
    assert kept == ["d0", "d1", "d2", "d3"]
    assert [(u["name"], u["column_names"]) for u in unique] == [
        (
            "uq_meter_values_timestamp_station_id_evse_id_digest",
            ["timestamp", "station_id", "evse_id", "digest"],
        )
    ]
