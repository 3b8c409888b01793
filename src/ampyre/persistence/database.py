"""The database: an async engine configured for SQLite or PostgreSQL, and units of work on it.

URLs accepted (anything else raises ValueError):

- `sqlite:///path.db`, `sqlite+aiosqlite:///path.db` (driver aiosqlite), `sqlite://` in memory;
- `postgresql://...`, `postgres://...`, `postgresql+asyncpg://...` (driver asyncpg).

PostgreSQL run-time parameters may be given in the URL the way libpq spells them, e.g.
`postgresql://u@host/db?options=-csearch_path%3Dtenant_a` keeps every table (and Alembic's
version table) in schema `tenant_a`. Tests use this to give each test its own schema.

SQLite has one writer. So that no unit of work ever meets "database is locked" or
SQLITE_BUSY_SNAPSHOT, this process writes through a single connection, runs its units of
work one after the other (FIFO, behind an asyncio.Lock), and starts each transaction with
`BEGIN IMMEDIATE`. On a file, units of work share group commits (`group_commit`: one
COMMIT, one fsync, for all the units that were waiting). `busy_timeout` covers other
processes on the same file (e.g. `ampyre migrate`). The journal is WAL with
`synchronous=FULL`: a committed unit of work survives power loss. An in-memory database
commits each unit of work on its own.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool, StaticPool

from ampyre.persistence.errors import translate
from ampyre.persistence.executor import ConnectionExecutor, Executor
from ampyre.persistence.group_commit import GroupCommitExecutor, GroupCommitWriter, on_connect
from ampyre.persistence.idle_connections import IdleConnections
from ampyre.persistence.postgres_executor import PostgresExecutor, PostgresStatements
from ampyre.persistence.unit_of_work import SqlUnitOfWork
from ampyre.services.ports import UnitOfWorkFactory

T = TypeVar("T")

log = logging.getLogger(__name__)

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
)


def normalize_url(url: str) -> tuple[URL, dict[str, Any]]:
    """The SQLAlchemy URL with our async driver, and the driver's extra connect arguments."""
    try:
        parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    except ArgumentError as error:
        raise ValueError(f"not a database URL: {error}") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "aiosqlite"):
        return parsed.set(drivername="sqlite+aiosqlite"), {}
    if backend == "postgresql" and driver in ("", "asyncpg"):
        connect_args: dict[str, Any] = {}
        options = parsed.query.get("options")
        if options is not None:
            text = options if isinstance(options, str) else " ".join(options)
            connect_args["server_settings"] = _server_settings(text)
            parsed = parsed.difference_update_query(["options"])
        return parsed.set(drivername="postgresql+asyncpg"), connect_args
    raise ValueError(
        f"unsupported database URL scheme {parsed.drivername!r}: use sqlite or postgresql"
    )


def _server_settings(options: str) -> dict[str, str]:
    """libpq `options` (`-c name=value`, `-cname=value`, `--name=value`) as a dict."""
    settings: dict[str, str] = {}
    words = iter(shlex.split(options))
    for word in words:
        if word == "-c":
            word = next(words, "")
        elif word.startswith(("-c", "--")):
            word = word[2:]
        else:
            raise ValueError(f"unsupported PostgreSQL option {word!r}: use -c name=value")
        name, sep, value = word.partition("=")
        if not sep or not name:
            raise ValueError(f"PostgreSQL option {word!r} is not name=value")
        settings[name.replace("-", "_")] = value
    return settings


class Database:
    """An engine and the units of work on it. Build one per process; `close()` at shutdown."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        max_overflow: int = 10,
        busy_timeout_ms: int = 30_000,
        echo: bool = False,
    ) -> None:
        self.url, connect_args = normalize_url(url)
        #: told how long each unit of work's commit took, in seconds (metrics)
        self.commit_observer: Callable[[float], None] | None = None
        self.dialect: str = self.url.get_backend_name()
        self._lock: asyncio.Lock | None = None
        self._owner: asyncio.Task[Any] | None = None
        self._writer: GroupCommitWriter | None = None
        self._postgres: PostgresStatements | None = None
        self._idle: IdleConnections | None = None
        if self.dialect == "sqlite":
            in_memory = self.url.database in (None, "", ":memory:")
            pool: dict[str, Any] = (
                {"poolclass": StaticPool} if in_memory else {"pool_size": 1, "max_overflow": 0}
            )
            # Units of work on a file use the writer; this engine serves migrations and tools.
            self._engine = create_async_engine(self.url, echo=echo, **pool)
            self._lock = asyncio.Lock()
            pragmas = (*_SQLITE_PRAGMAS, f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            event.listen(self._engine.sync_engine, "connect", on_connect(pragmas))
            event.listen(self._engine.sync_engine, "begin", _sqlite_begin_immediate)
            if not in_memory:
                writer_engine = create_engine(
                    self.url.set(drivername="sqlite+pysqlite"),
                    echo=echo,
                    poolclass=NullPool,
                    connect_args={"check_same_thread": False},
                )
                event.listen(writer_engine, "connect", on_connect(pragmas))
                self._writer = GroupCommitWriter(writer_engine)
        else:
            # No pre-ping (three round trips at every checkout): a unit of work's BEGIN finds
            # a closed connection and starts again on a fresh one (`PostgresExecutor`).
            self._engine = create_async_engine(
                self.url,
                echo=echo,
                pool_size=pool_size,
                max_overflow=max_overflow,
                connect_args=connect_args,
            )
            self._postgres = PostgresStatements()
            self._idle = IdleConnections(self, keep=pool_size, limit=pool_size + max_overflow)

    @property
    def engine(self) -> AsyncEngine:
        """The engine, for tools and tests; application code uses `unit_of_work()`."""
        return self._engine

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work: `async with db.unit_of_work() as uow: ...; await uow.commit()`."""
        return SqlUnitOfWork(self)

    @property
    def group_commit(self) -> GroupCommitWriter | None:
        """The writer of a SQLite file (its `commits`, `units_committed`); else None."""
        return self._writer

    def executor(self) -> Executor:
        """What a new unit of work runs its statements on (not yet entered)."""
        if self._writer is not None:
            return GroupCommitExecutor(self._writer)
        if self._postgres is not None and self._idle is not None:
            return PostgresExecutor(self, self._postgres, self._idle)
        return ConnectionExecutor(self)

    async def run_sync(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` on a synchronous connection in one committed transaction (migrations)."""
        connection = await self.checkout()
        try:
            try:
                await connection.begin()
                result = await connection.run_sync(fn)
                await connection.commit()
            except Exception as error:
                raise translate(error) from error
            return result
        finally:
            await self.checkin(connection)

    async def upgrade(self, revision: str = "head") -> None:
        """Migrate the schema to `revision` (default: the newest)."""
        from ampyre.persistence.migrate import run_upgrade

        await self.run_sync(lambda connection: run_upgrade(connection, revision))

    async def current_revision(self) -> str | None:
        """The schema's Alembic revision, None when never migrated."""
        from ampyre.persistence.migrate import read_revision

        return await self.run_sync(read_revision)

    async def close(self) -> None:
        if self._writer is not None:
            await self._writer.close()
        if self._idle is not None:
            await self._idle.discard()
        await self._engine.dispose()

    async def checkout(self) -> AsyncConnection:
        """A connection of the engine; on SQLite, after the previous unit of work finished.

        On a SQLite file, the open group commit (if any) is committed first, and no unit of
        work runs until `checkin`.
        """
        if self._writer is not None:
            await self._writer.acquire_clean()
        elif self._lock is not None:
            task = asyncio.current_task()
            if task is not None and task is self._owner:
                raise RuntimeError("nested unit of work on SQLite: it would wait for itself")
            await self._lock.acquire()
            self._owner = task
        try:
            return await self._engine.connect()
        except BaseException as error:
            self._release()
            if isinstance(error, Exception):
                raise translate(error) from error
            raise

    async def checkin(self, connection: AsyncConnection) -> None:
        """Roll back whatever was not committed and give the connection back."""
        try:
            await connection.close()
        except Exception:
            log.warning("closing a database connection failed", exc_info=True)
        finally:
            self._release()

    def _release(self) -> None:
        if self._writer is not None:
            self._writer.release()
        elif self._lock is not None:
            self._owner = None
            self._lock.release()


def _sqlite_begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _conforms_to_the_ports(database: Database) -> UnitOfWorkFactory:
    """Never called: mypy --strict proves `Database.unit_of_work` is the services' port."""
    return database.unit_of_work
