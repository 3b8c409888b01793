"""Hot statements on the SQLite writer: compiled once, then run on the raw sqlite3 connection.

py-spy under `ampyre bench` showed SQLAlchemy's per-execution machinery (execution context,
`construct_params`, result metadata, cursor wrapping) as the largest cost of the event-loop
thread, several times the SQLite call itself. A statement object executed again (the
module-level and `Executor.prepared` statements of the repositories) is compiled once per
set of parameter names for the writer's dialect; after that an execution binds its values
with SQLAlchemy's own bind processors (in the compiled positional order), runs the SQL on
the sqlite3 connection and processes result columns with SQLAlchemy's result processors.

Whatever this does not handle runs through SQLAlchemy as before (`run` returns None): the
first execution of a statement object (one-off statements never pay a compile of their
own), expanding or literal-execute parameters, Python-side column defaults, executemany
with RETURNING (SQLAlchemy's insertmanyvalues), a missing required parameter, escaped bind
names, a value a bind processor refuses (SQLAlchemy then raises its own error). Results are
`IteratorResult`s (rows with `_mapping`, attributes, `one_or_none()`, `scalar_one_or_none()`,
`first()`, `all()`, iteration) that also carry `rowcount`.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Dialect, Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from ampyre.persistence.executor import Rows
from ampyre.persistence.statement_plan import FastResult, Parameters, StatementPlan, plan_for


class _Plan(StatementPlan):
    """A statement on SQLite: its result processors follow from the compiled columns."""

    __slots__ = ("returns_rows",)

    def __init__(self, compiled: SQLCompiler, dialect: Dialect) -> None:
        super().__init__(compiled)
        columns = compiled._result_columns
        self.returns_rows = bool(columns)
        processors = [column.type._cached_result_processor(dialect, None) for column in columns]
        self.result_processed = [(i, p) for i, p in enumerate(processors) if p]

    def rows(self, cursor: sqlite3.Cursor) -> list[Sequence[Any]]:
        return self.processed_rows(cursor.fetchall())


_Plans = dict[tuple[str, ...], _Plan | None]


class CompiledStatements:
    """The plans of the statement objects executed on one SQLite writer connection."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        #: id(statement) -> (weak reference keeping the entry honest, plans by parameter
        #: names of single executions, of executemany)
        self._seen: dict[int, tuple[weakref.ref[Any], _Plans, _Plans]] = {}
        self.fast = 0  # executions that took this path (for tests and curiosity)

    def run(self, raw: sqlite3.Connection, statement: Executable, parameters: Parameters) -> Any:
        """Execute `statement` on `raw` and return its Rows, or None: use SQLAlchemy."""
        entry = self._seen.get(id(statement))
        if entry is None or entry[0]() is not statement:
            self._remember(statement)
            return None
        if type(parameters) is dict or parameters is None or isinstance(parameters, Mapping):
            single = cast(Mapping[str, Any], parameters or {})
            # Keyed by the names in the caller's order: the same call site gives the same.
            names = tuple(single)
            try:
                plan = entry[1][names]
            except KeyError:
                plan = entry[1][names] = self._compile(statement, names, many=False)
            if plan is None:
                return None
            try:
                values = plan.values(single)
            except Exception:
                return None  # a value its type refuses: SQLAlchemy raises its own error
            if values is None:
                return None
            cursor = raw.execute(plan.sql, values)
        else:
            batch = parameters
            if not batch:
                return None
            names = tuple(batch[0])
            try:
                plan = entry[2][names]
            except KeyError:
                plan = entry[2][names] = self._compile(statement, names, many=True)
            if plan is None:
                return None
            try:
                rows_of_values = [plan.values(p) for p in batch]
            except Exception:
                return None  # a value its type refuses: SQLAlchemy raises its own error
            if any(v is None for v in rows_of_values):
                return None
            cursor = raw.executemany(plan.sql, cast(list[Sequence[Any]], rows_of_values))
        result = FastResult(plan.metadata, plan.rows(cursor) if plan.returns_rows else [])
        result.rowcount = cursor.rowcount
        cursor.close()
        self.fast += 1
        return cast(Rows, result)

    def _compile(self, statement: Executable, names: tuple[str, ...], many: bool) -> _Plan | None:
        dialect = self._dialect
        return plan_for(
            cast(ClauseElement, statement),
            dialect,
            sorted(names),
            many,
            lambda compiled: _Plan(compiled, dialect),
        )

    def _remember(self, statement: Executable) -> None:
        """Its first execution: plans are made from the second on (one-offs pay none)."""
        ident = id(statement)
        try:
            ref = weakref.ref(statement, self._forgetter(ident))
        except TypeError:
            return
        self._seen[ident] = (ref, {}, {})

    def _forgetter(self, ident: int) -> Callable[[weakref.ref[Any]], None]:
        def forget(_: weakref.ref[Any]) -> None:
            entry = self._seen.get(ident)
            if entry is not None and entry[0]() is None:
                del self._seen[ident]

        return forget
