"""Group commit on SQLite: many units of work, one database transaction, one fsync.

SQLite has one writer and every COMMIT with `synchronous=FULL` is an fsync (milliseconds).
One COMMIT per message caps a server at a few hundred messages per second, whatever else it
does. So a file database has a single writer connection, and units of work run on it one
after the other (FIFO, an asyncio.Lock) inside a shared *batch*, each in a SAVEPOINT:

- the first unit of a batch starts it with `BEGIN IMMEDIATE`; each unit then runs in
  `SAVEPOINT unit`; leaving without `commit()` rolls back to the savepoint (only that unit's
  work is lost), `commit()` releases the savepoint and waits for the batch's COMMIT. A unit
  that finds no committed unit's work in the batch (the first, usually) needs no savepoint:
  leaving without `commit()` rolls the whole transaction back, which holds its work only;
- writes a unit *defers* (`GroupCommitExecutor.defer`: nothing of their result is read)
  wait in the unit, and once it commits, in the writer, to run with the same statement of
  other units as one executemany before the batch's next other statement or its COMMIT
  (`deferred_writes.py`). The savepoint is opened before a unit's first statement on the
  connection: a unit whose writes were all deferred needs none;
- once the units that were waiting for the connection have run, one COMMIT (in a worker
  thread, so the event loop keeps reading frames while the disk syncs) makes the whole
  batch durable, and every waiting `commit()` returns; units that arrive meanwhile form
  the next batch. If the COMMIT fails, every `commit()` of that batch raises
  `StorageUnavailable`: nothing was acknowledged.
- a unit that only read inside a batch holding others' uncommitted writes waits for that
  batch too before it leaves, so it cannot act on data that is then rolled back.

Statements run synchronously on the event loop thread through SQLAlchemy's stdlib `sqlite3`
driver (a local SQLite statement takes microseconds; a thread hop per statement costs more
than the statement). Only COMMIT, which waits for the disk, leaves the loop, and a BEGIN
IMMEDIATE that finds the write lock held by another process (it waits in a thread).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Engine, Executable

from ampyre.domain.errors import NotFound, StorageUnavailable
from ampyre.persistence.compiled_statements import CompiledStatements
from ampyre.persistence.deferred_writes import DeferredUnit, DeferredWrite, grouped
from ampyre.persistence.errors import translate
from ampyre.persistence.executor import Executor, Rows

log = logging.getLogger(__name__)


class _Batch:
    """One database transaction shared by the units of work that joined it."""

    __slots__ = ("dirty", "failure", "settled", "units", "waiters")

    def __init__(self) -> None:
        #: a unit committed into this batch: it has work to commit
        self.dirty = False
        self.units = 0
        #: one future per waiting unit: a cancelled unit cancels its own, not the batch's
        self.waiters: list[asyncio.Future[None]] = []
        self.settled = False
        #: why the batch failed (its COMMIT, or the transaction broke), once settled
        self.failure: str | None = None

    async def durable(self, loop: asyncio.AbstractEventLoop) -> None:
        """Return once the batch is committed; raise `StorageUnavailable` if it failed."""
        if not self.settled:
            waiter = loop.create_future()
            self.waiters.append(waiter)
            await waiter
        elif self.failure is not None:
            raise StorageUnavailable(self.failure)

    def succeed(self) -> None:
        self._settle(None)

    def fail(self, error: BaseException) -> None:
        self._settle(f"the group commit failed: {type(error).__name__}: {error}")

    def _settle(self, failure: str | None) -> None:
        if self.settled:
            return
        self.settled, self.failure = True, failure
        waiters, self.waiters = self.waiters, []
        for waiter in waiters:
            if waiter.done():  # its unit was cancelled
                continue
            if failure is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(StorageUnavailable(failure))


def bind_none_and_bools_directly() -> None:
    """Let sqlite3 bind None and bools as it always does, without its slow search first.

    Python 3.11's sqlite3 looks up every parameter that is not exactly an int, float or str
    among the registered adapters, then tries the `__adapt__` and `__conform__` protocols:
    two failed attribute lookups, each raising and clearing an AttributeError, ~0.15 us per
    None or bool bound (a message binds ~5: the log's empty columns, a session's unset ones).
    A registered adapter is found by one dict lookup: `{}.get` gives None back for None, `int`
    makes a bool the 0 or 1 sqlite3 binds for it anyway. The registry is sqlite3's, for the
    whole process; what is stored does not change for any of its users.
    """
    sqlite3.register_adapter(type(None), cast(Callable[[None], None], {}.get))
    sqlite3.register_adapter(bool, int)


class GroupCommitWriter:
    """The single writer connection of a SQLite file and the batches on it."""

    def __init__(self, engine: Engine) -> None:
        bind_none_and_bools_directly()
        self._engine = engine
        #: hot statements run on the raw connection (None with echo: SQLAlchemy logs them)
        self.statements = None if engine.echo else CompiledStatements(engine.dialect)
        self._connection: Connection | None = None
        self._raw: sqlite3.Connection | None = None
        #: the connection's busy timeout (ms), read once
        self._busy_timeout: int | None = None
        self._lock = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._owner: asyncio.Task[Any] | None = None
        self._batch: _Batch | None = None
        self._committer: asyncio.Task[None] | None = None
        #: the deferred writes of the units that committed into the batch, not run yet
        self._pending: list[DeferredUnit] = []
        #: COMMITs that succeeded, and the units of work they made durable
        self.commits = 0
        self.units_committed = 0

    # -- the connection, exclusively -----------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the writer serves (the first that used it; its lock binds it too)."""
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        return loop

    async def acquire(self) -> None:
        """Take the connection (FIFO); refuse a nested unit of work of the same task."""
        # With the loop given, current_task is a dict lookup; without, asyncio looks the
        # running loop up again (a getpid() system call on Python 3.11) on every unit.
        task = asyncio.current_task(self.loop)
        if task is not None and task is self._owner:
            raise RuntimeError("nested unit of work on SQLite: it would wait for itself")
        await self._lock.acquire()
        self._owner = task

    def release(self) -> None:
        self._owner = None
        self._lock.release()
        if self._batch is not None and self._committer is None:
            self._committer = self.loop.create_task(self._commit_when_free())

    async def acquire_clean(self) -> None:
        """Take the connection with no batch open (for work on another connection)."""
        await self.acquire()
        try:
            await self._commit_batch()
        except BaseException:
            self.release()
            raise

    # -- what units of work call, holding the connection --------------------------------

    async def begin_unit(self) -> tuple[_Batch, bool]:
        """Open the batch if none is.

        Returns the batch and whether the unit joins committed work: then `touch` opens a
        savepoint before its first statement. A batch that holds no committed unit's work
        can be rolled back whole if this unit fails.
        """
        raw = self._open()
        try:
            if self._batch is None:
                if not self._begin_now(raw):
                    # In a thread: another process holds the write lock (busy_timeout).
                    await self.loop.run_in_executor(None, raw.execute, "BEGIN IMMEDIATE")
                self._batch = _Batch()
        except Exception as error:
            self._broken(error)
            raise translate(_wrap(error)) from error
        return self._batch, self._batch.dirty

    def touch(self, joined: bool) -> bool:
        """Before a unit's first statement: run the deferred writes of the units before it
        (it may read what they wrote), then its savepoint if it `joined` committed work.
        Returns whether a savepoint was opened."""
        if self._batch is None or self._raw is None:
            raise StorageUnavailable("the group commit this unit of work was in failed")
        if self._pending:
            self._flush()
        if not joined:
            return False
        try:
            self._raw.execute("SAVEPOINT unit")
        except Exception as error:
            self._broken(error)
            raise translate(_wrap(error)) from error
        return True

    def _begin_now(self, raw: sqlite3.Connection) -> bool:
        """BEGIN IMMEDIATE on the loop, unless another connection holds the write lock.

        Nobody else does, usually: then it takes microseconds, where a worker thread's round
        trip costs ~25 us of CPU per batch. With the busy timeout at 0 for this statement
        only, a held lock answers SQLITE_BUSY at once instead of blocking the loop.
        """
        if self._busy_timeout is None:
            self._busy_timeout = int(raw.execute("PRAGMA busy_timeout").fetchone()[0])
        raw.execute("PRAGMA busy_timeout=0")
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # extended codes too
                raise
            return False
        finally:
            raw.execute(f"PRAGMA busy_timeout={self._busy_timeout}")
        return True

    def execute(
        self,
        statement: Executable,
        parameters: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None,
    ) -> Rows:
        if self._batch is None or self._connection is None:
            raise StorageUnavailable("the group commit this unit of work was in failed")
        try:
            return self._run(statement, parameters)
        except Exception as error:
            raise self._failed(error) from error

    def run_writes(self, writes: list[DeferredWrite]) -> None:
        """Run a unit's deferred writes now, one by one, in the unit's transaction."""
        if self._batch is None or self._connection is None:
            raise StorageUnavailable("the group commit this unit of work was in failed")
        try:
            self._run_each(writes)
        except Exception as error:
            raise self._failed(error) from error

    def _run(
        self,
        statement: Executable,
        parameters: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None,
    ) -> Rows:
        if self.statements is not None and self._raw is not None:
            rows = self.statements.run(self._raw, statement, parameters)
            if rows is not None:
                return cast(Rows, rows)
        assert self._connection is not None
        return self._connection.execute(statement, parameters)

    def _run_each(self, writes: list[DeferredWrite]) -> None:
        for write in writes:
            if self._run(write.statement, write.parameters).rowcount == 0 and write.missing:
                raise NotFound(write.missing)

    def _failed(self, error: Exception) -> BaseException:
        """A statement's error as the unit sees it; the batch is gone if SQLite ended it."""
        if self._raw is not None and not self._raw.in_transaction:
            # SQLite rolled the whole transaction back (disk full, I/O error, ...).
            self._broken(error)
        return translate(_wrap(error))

    def release_unit(
        self, savepoint: bool, touched: bool, writes: list[DeferredWrite]
    ) -> tuple[_Batch, DeferredUnit | None]:
        """Keep the unit's work in the batch (RELEASE); returns the batch to wait for, and
        the unit's deferred writes if they wait in the writer (it never touched the
        connection). A unit that did touch it runs them now, in its own transaction: on an
        error it is rolled back, and the error raised."""
        batch = self._batch
        if batch is None or self._raw is None:
            raise StorageUnavailable("the group commit this unit of work was in failed")
        deferred = None
        if touched and writes:
            try:
                self.run_writes(writes)
            except BaseException:
                self.rollback_unit(savepoint, touched)
                raise
        elif writes:
            deferred = DeferredUnit(writes)
            self._pending.append(deferred)
        if savepoint:
            try:
                self._raw.execute("RELEASE unit")
            except Exception as error:
                self._broken(error)
                raise translate(_wrap(error)) from error
        batch.dirty = True
        batch.units += 1
        return batch, deferred

    def rollback_unit(self, savepoint: bool, touched: bool) -> None:
        """Undo the unit's work, keep the batch (others' work) open."""
        batch = self._batch
        if batch is None or self._raw is None:
            return  # the batch already broke
        try:
            if savepoint:
                self._raw.execute("ROLLBACK TO unit")
                self._raw.execute("RELEASE unit")
            elif touched or not batch.dirty:
                # No unit committed into this batch: its transaction is this unit's alone.
                self._batch = None
                self._raw.execute("ROLLBACK")
                batch.succeed()  # nothing of anyone's was lost
            # else: it ran nothing on the connection; its deferred writes are dropped
        except Exception as error:
            log.warning("rolling back a unit of work failed", exc_info=True)
            self._broken(error)

    def _flush(self) -> None:
        """Run the deferred writes of the units that committed: one executemany per group;
        on an error, again unit by unit, each unit's failure its own (`deferred_writes`)."""
        units, self._pending = self._pending, []
        raw = self._raw
        assert raw is not None
        try:
            raw.execute("SAVEPOINT deferred")
            try:
                for group in grouped(units):
                    rows = self._run(group.statement, group.parameters)
                    if group.checked and rows.rowcount != len(group.parameters):
                        raise NotFound("a deferred write changed no row")
            except Exception:
                if not raw.in_transaction:
                    raise
                raw.execute("ROLLBACK TO deferred")
                self._replay(raw, units)
            raw.execute("RELEASE deferred")
        except Exception as error:
            self._broken(error)
            raise translate(_wrap(error)) from error

    def _replay(self, raw: sqlite3.Connection, units: list[DeferredUnit]) -> None:
        for unit in units:
            raw.execute("SAVEPOINT unit")
            try:
                self._run_each(unit.writes)
            except Exception as error:
                if not raw.in_transaction:
                    raise
                raw.execute("ROLLBACK TO unit")
                unit.error = cast(Exception, translate(_wrap(error)))
            raw.execute("RELEASE unit")

    # -- committing ------------------------------------------------------------------------

    async def _commit_when_free(self) -> None:
        try:
            await self.acquire()
            try:
                await self._commit_batch()
            finally:
                self._committer = None
                self.release()
        except Exception:
            # Already reported to every unit of the batch.
            log.debug("group commit failed", exc_info=True)

    async def _commit_batch(self) -> None:
        """COMMIT the open batch (holding the connection) and settle its units."""
        batch, self._batch = self._batch, None
        if batch is None:
            return
        raw = self._raw
        assert raw is not None
        if self._pending:
            self._batch = batch  # `_flush` fails it if the transaction breaks
            self._flush()
            self._batch = None
        # Always in a thread, even for one unit: a COMMIT on the loop blocks it for the fsync,
        # so nothing can join the next batch meanwhile and every batch stays one unit long.
        # In a boot storm that doubled the CPU per station and the storm's time (2,000
        # stations: 0.41 s in a thread, 0.86-1.00 s with batches of <= 2 on the loop).
        commit = self.loop.run_in_executor(None, raw.execute, "COMMIT")
        try:
            await asyncio.shield(commit)
        except asyncio.CancelledError:
            # The thread goes on; the units learn what it did.
            commit.add_done_callback(lambda done: self._settle(batch, done))
            raise
        except Exception as error:
            batch.fail(error)
            if raw.in_transaction:
                try:
                    raw.execute("ROLLBACK")
                except Exception:
                    log.warning("rollback after a failed COMMIT failed", exc_info=True)
            raise
        self.commits += 1
        self.units_committed += batch.units
        batch.succeed()

    def _settle(self, batch: _Batch, commit: asyncio.Future[Any]) -> None:
        error = None if commit.cancelled() else commit.exception()
        if error is not None or commit.cancelled():
            batch.fail(error or asyncio.CancelledError())
        else:
            batch.succeed()

    def _broken(self, error: BaseException) -> None:
        """The batch's transaction is gone: fail its units, start afresh."""
        batch, self._batch = self._batch, None
        if batch is not None:
            batch.fail(error)
        if self._raw is not None and self._raw.in_transaction:
            try:
                self._raw.execute("ROLLBACK")
            except Exception:
                log.warning("rollback of a broken batch failed", exc_info=True)

    def _open(self) -> sqlite3.Connection:
        if self._raw is None:
            try:
                connection = self._engine.connect()
            except Exception as error:
                raise translate(error) from error
            raw = connection.connection.dbapi_connection
            assert isinstance(raw, sqlite3.Connection)
            self._connection, self._raw = connection, raw
        return self._raw

    async def close(self) -> None:
        await self.acquire_clean()
        try:
            if self._connection is not None:
                self._connection.close()
            self._connection = self._raw = None
        finally:
            self.release()
        if self._committer is not None:
            await self._committer
        self._engine.dispose()


def _wrap(error: Exception) -> Exception:
    """A raw driver error as SQLAlchemy would raise it, for `translate`."""
    from sqlalchemy import exc as sa_exc

    if isinstance(error, sqlite3.Error):
        return sa_exc.DBAPIError.instance(None, None, error, sqlite3.Error)
    return error


class GroupCommitExecutor(Executor):
    """The executor of one unit of work in a group-commit batch."""

    __slots__ = ("_active", "_batch", "_deferred", "_joined", "_savepoint", "_touched", "_writer")

    def __init__(self, writer: GroupCommitWriter) -> None:
        self._writer = writer
        self.dialect = "sqlite"
        self._active = False
        #: the batch held committed work when the unit began: it needs a savepoint
        self._joined = False
        self._savepoint = False
        #: a statement ran on the connection (the deferred writes wait until one does)
        self._touched = False
        self._deferred: list[DeferredWrite] = []
        self._batch: _Batch | None = None

    async def enter(self) -> None:
        await self._writer.acquire()
        try:
            self._batch, self._joined = await self._writer.begin_unit()
        except BaseException:
            self._writer.release()
            raise
        self._active = True
        self._savepoint = self._touched = False

    async def execute(
        self,
        statement: Executable,
        parameters: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
    ) -> Rows:
        if not self._active:  # after commit(): a new transaction
            await self.enter()
        if not self._touched:
            self._savepoint = self._writer.touch(self._joined)
            self._touched = True
        if self._deferred:  # what it reads next may be what it deferred
            writes, self._deferred = self._deferred, []
            self._writer.run_writes(writes)
        return self._writer.execute(statement, parameters)

    async def defer(
        self,
        statement: Executable,
        parameters: Mapping[str, Any],
        *,
        row: Hashable | None = None,
        missing: str | None = None,
    ) -> None:
        if not self._active:
            await self.enter()
        self._deferred.append(DeferredWrite(statement, parameters, row, missing))

    async def commit(self) -> None:
        if not self._active:
            return
        self._active = False
        writes, self._deferred = self._deferred, []
        try:
            batch, deferred = self._writer.release_unit(self._savepoint, self._touched, writes)
        finally:
            self._writer.release()
        await batch.durable(self._writer.loop)
        if deferred is not None and deferred.error is not None:
            raise deferred.error

    async def leave(self, failing: bool) -> None:
        self._deferred = []
        if self._active:
            self._active = False
            try:
                self._writer.rollback_unit(self._savepoint, self._touched)
            finally:
                self._writer.release()
        batch, self._batch = self._batch, None
        if batch is not None and batch.dirty and not failing:
            # It read others' writes that are not durable yet: wait for them.
            await batch.durable(self._writer.loop)


def on_connect(pragmas: tuple[str, ...]) -> Callable[[Any, Any], None]:
    """Connection setup: the driver opens no transaction by itself, then the pragmas."""

    def setup(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    return setup
