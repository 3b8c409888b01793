"""Units of work on PostgreSQL: hot statements run on the asyncpg connection itself.

py-spy under `benchmarks/hotpath.py --database-url postgresql://...` (1.6 mix) showed the
asyncio layer of SQLAlchemy (a greenlet per statement, execution context, parameter and
result wrapping) as the largest cost, and the pool's pre-ping (BEGIN, `;`, ROLLBACK: three
round trips) at every checkout as the next. This executor works on the connection
SQLAlchemy's pool lends it, through the dialect's own adapted asyncpg connection:

- no pre-ping: the unit's BEGIN is the check. A BEGIN that finds the connection closed
  (the server restarted, an idle timeout) invalidates the pool's connections as
  SQLAlchemy does on a disconnect and is retried once on a fresh connection;
- a statement object executed again is compiled once per set of parameter names, as on
  SQLite (`compiled_statements`, same limits), bound with SQLAlchemy's bind processors,
  run as the adapted connection's prepared statement (the cache SQLAlchemy's own
  executions use) and its rows processed with SQLAlchemy's result processors;
- COMMIT goes to the adapted connection directly.

Whatever else a unit of work runs goes through SQLAlchemy on the same connection, inside
the same transaction. Errors take the dialect's own way (asyncpg → DB-API → SQLAlchemy
exception, disconnects invalidate) and then `errors.translate`: the same domain errors.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Dialect, Executable
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from ampyre.persistence.errors import translate
from ampyre.persistence.executor import Executor, Rows
from ampyre.persistence.idle_connections import IdleConnections, adapted
from ampyre.persistence.statement_plan import FastResult, Parameters, StatementPlan, plan_for

if TYPE_CHECKING:
    from ampyre.persistence.database import Database


#: the command tag of a statement, as SQLAlchemy's asyncpg dialect reads its rowcount
_ROWCOUNT = re.compile(r"(?:SELECT|UPDATE|DELETE|INSERT \d+) (\d+)")


class _Plan(StatementPlan):
    """A statement on PostgreSQL.

    The result processors of PostgreSQL types depend on the columns' type OIDs (numeric
    comes back as Decimal or float): they are chosen at the first execution, from the
    prepared statement's attributes, as SQLAlchemy does from the cursor's description.
    """

    __slots__ = ("types",)

    def __init__(self, compiled: SQLCompiler) -> None:
        super().__init__(compiled)
        columns = compiled._result_columns
        #: the result columns' types; None when the statement returns no rows
        self.types = [column.type for column in columns] if columns else None

    def learn_columns(self, dialect: Dialect, attributes: Sequence[Any]) -> None:
        """Choose the result processors from the prepared statement's column types."""
        types = self.types or []
        processors = [
            kind._cached_result_processor(dialect, attribute.type.oid)
            for kind, attribute in zip(types, attributes, strict=True)
        ]
        self.result_processed = [(i, p) for i, p in enumerate(processors) if p is not None]


class PostgresStatements:
    """The plans of the statement objects executed on one PostgreSQL database."""

    def __init__(self) -> None:
        #: statement -> plans by (executemany, *parameter names); {} after a first execution
        self._seen: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], _Plan | None]] = (
            weakref.WeakKeyDictionary()
        )
        self.fast = 0  # executions that took this path, failed ones too (tests, curiosity)

    def plan(
        self, statement: Executable, dialect: Dialect, names: list[str], many: bool
    ) -> _Plan | None:
        """The statement's plan from its second execution on; None: use SQLAlchemy."""
        try:
            plans = self._seen.get(statement)
            if plans is None:
                self._seen[statement] = {}
                return None
        except TypeError:  # not weakly referenceable
            return None
        key = (many, *names)
        try:
            return plans[key]
        except KeyError:
            clause = cast(ClauseElement, statement)
            plan = plans[key] = plan_for(clause, dialect, names, many, _Plan)
            return plan


class PostgresExecutor(Executor):
    """A unit of work on a pooled connection of its own, one commit each."""

    __slots__ = ("_adapted", "_connection", "_database", "_dialect", "_idle", "_statements")

    def __init__(
        self, database: Database, statements: PostgresStatements, idle: IdleConnections
    ) -> None:
        self._database = database
        self._statements = statements
        self._idle = idle
        self._connection: AsyncConnection | None = None
        #: SQLAlchemy's AsyncAdapt_asyncpg_connection of `_connection`
        self._adapted: Any = None
        self._dialect = database.engine.sync_engine.dialect
        self.dialect = database.dialect

    async def enter(self) -> None:
        await self._use(await self._idle.take())

    async def _use(self, connection: AsyncConnection) -> None:
        try:
            self._adapted = adapted(connection)
        except BaseException:
            await self._idle.give_back(connection, clean=False)
            raise
        self._connection = connection

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Rows:
        if self._connection is None:
            raise RuntimeError("a statement outside the unit of work's `async with` block")
        if self._adapted._transaction is None:
            await self._begin()
        connection = self._connection
        many = parameters is not None and not isinstance(parameters, Mapping)
        if many:
            batch = cast(Sequence[Mapping[str, Any]], parameters)
            first = batch[0] if batch else None
        else:
            first = cast(Mapping[str, Any], parameters or {})
        plan = None
        if first is not None:
            plan = self._statements.plan(statement, self._dialect, sorted(first), many)
        if plan is None:
            try:
                return await connection.execute(statement, parameters)
            except Exception as error:
                raise translate(error) from error
        try:
            if many:
                values: Any = [plan.values(p) for p in batch]
                if any(v is None for v in values):
                    values = None
            else:
                values = plan.values(first or {})
        except Exception:
            values = None  # a value its type refuses: SQLAlchemy raises its own error
        if values is None:
            try:
                return await connection.execute(statement, parameters)
            except Exception as error:
                raise translate(error) from error
        return await self._run(plan, values, many)

    async def _run(self, plan: _Plan, values: Any, many: bool) -> Rows:
        driver = self._adapted
        asof = self._dialect._invalidate_schema_cache_asof  # type: ignore[attr-defined]
        self._statements.fast += 1
        try:
            async with driver._execute_mutex:
                if many:
                    await driver._check_type_cache_invalidation(asof)
                    await driver._connection.executemany(plan.sql, values)
                    records: list[Any] = []
                    status = None
                else:
                    prepared, attributes = await driver._prepare(plan.sql, asof)
                    records = await prepared.fetch(*values)
                    status = prepared.get_statusmsg()
        except Exception as error:
            failure = await self._failure(error, plan.sql, values)
            raise translate(failure) from failure
        rows: list[Sequence[Any]] = []
        if plan.types is not None:
            if plan.result_processed is None:
                plan.learn_columns(self._dialect, attributes)
            rows = plan.processed_rows(records)
        result = FastResult(plan.metadata, rows)
        counted = _ROWCOUNT.match(status or "")
        result.rowcount = int(counted.group(1)) if counted else -1
        return cast(Rows, result)

    async def _begin(self) -> None:
        """BEGIN; on a connection found closed, once more on a fresh one."""
        try:
            await self._adapted._start_transaction()
            return
        except Exception as error:
            failure = await self._failure(error, None, None)
            if not (isinstance(failure, sa_exc.DBAPIError) and failure.connection_invalidated):
                raise translate(failure) from failure
        connection, self._connection = self._connection, None
        if connection is not None:
            await self._use(await self._idle.replace(connection))
        try:
            await self._adapted._start_transaction()
        except Exception as error:
            failure = await self._failure(error, None, None)
            raise translate(failure) from failure

    async def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("commit() outside the unit of work's `async with` block")
        driver = self._adapted
        transaction = driver._transaction
        if transaction is None:
            return
        try:
            await driver._call_and_discard(transaction.commit)
        except Exception as error:
            failure = await self._failure(error, None, None)
            raise translate(failure) from failure

    async def leave(self, failing: bool) -> None:
        connection, self._connection = self._connection, None
        self._adapted = None
        if connection is not None:
            await self._idle.give_back(connection, clean=not failing)

    async def _failure(self, error: Exception, sql: str | None, values: Any) -> BaseException:
        """`error` as SQLAlchemy's own execution would have raised it (then `translate`)."""
        dialect = self._dialect
        dbapi = dialect.loaded_dbapi
        try:
            self._adapted._handle_exception(error)  # raises the DB-API error
        except Exception as raised:
            dbapi_error: BaseException = raised
        else:  # pragma: no cover - _handle_exception always raises
            dbapi_error = error
        disconnect = False
        if isinstance(dbapi_error, dbapi.Error):
            if isinstance(
                dbapi_error, dbapi.InvalidCachedStatementError | dbapi.InternalServerError
            ):
                dialect._invalidate_schema_cache()  # type: ignore[attr-defined]
            disconnect = dialect.is_disconnect(dbapi_error, self._adapted, None)
        if disconnect and self._connection is not None:
            sync = self._connection.sync_connection
            if sync is not None:
                fairy = sync.connection
                # every connection of the pool as old as this one (SQLAlchemy does the same)
                sync.engine.pool._invalidate(fairy, dbapi_error, _checkin=False)
            await self._connection.invalidate(dbapi_error)
        if not isinstance(dbapi_error, Exception):  # pragma: no cover - BaseException passes
            return dbapi_error
        return sa_exc.DBAPIError.instance(
            sql,
            values,
            dbapi_error,
            dbapi.Error,
            dialect=dialect,
            connection_invalidated=disconnect,
        )
