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

import operator
import sqlite3
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Dialect, Executable
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.engine.row import Row
from sqlalchemy.exc import MultipleResultsFound
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ClauseElement

from ampyre.persistence.executor import Rows

Parameters = Sequence[Mapping[str, Any]] | Mapping[str, Any] | None
_MISSING = object()


class _Unsupported(Exception):
    """A statement this module leaves to SQLAlchemy."""


class _Result(IteratorResult[Any]):
    """An IteratorResult that also knows how many rows the statement changed.

    Its rows are already fetched and processed, so `all`, `first`, `one_or_none` and
    `scalar_one_or_none` read them directly when they are the first to read (they then
    use the result up); the generic Result machinery took 10-18 us per statement to set
    up its row getter for one or two rows. Anything else goes the IteratorResult way.
    """

    rowcount: int = -1

    def __init__(self, metadata: SimpleResultMetaData, rows: list[Sequence[Any]]) -> None:
        super().__init__(metadata, iter(rows))
        self._unread: list[Sequence[Any]] | None = rows

    def _take(self) -> list[Sequence[Any]] | None:
        rows, self._unread = self._unread, None
        if rows is not None:
            self.iterator = iter(())
        return rows

    # Every generic way of reading (iteration, fetchone, partitions, scalars, ...) comes
    # through these: the rows are then no longer unread.

    def _fetchiter_impl(self) -> Any:
        self._unread = None
        return super()._fetchiter_impl()

    def _fetchone_impl(self, hard_close: bool = False) -> Any:
        self._unread = None
        return super()._fetchone_impl(hard_close)

    def _fetchmany_impl(self, size: int | None = None) -> Any:
        self._unread = None
        return super()._fetchmany_impl(size)

    def _fetchall_impl(self) -> Any:
        self._unread = None
        return super()._fetchall_impl()

    def _row(self, data: Sequence[Any]) -> Row[Any]:
        metadata = cast(SimpleResultMetaData, self._metadata)
        return Row(metadata, None, metadata._key_to_index, data)

    def all(self) -> Sequence[Row[Any]]:
        rows = self._take()
        if rows is None:
            return super().all()
        return [self._row(data) for data in rows]

    def first(self) -> Row[Any] | None:
        rows = self._take()
        if rows is None:
            return super().first()
        return self._row(rows[0]) if rows else None

    def one_or_none(self) -> Row[Any] | None:
        rows = self._take()
        if rows is None:
            return super().one_or_none()
        if len(rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when one or none was required")
        return self._row(rows[0]) if rows else None

    def scalar_one_or_none(self) -> Any:
        rows = self._take()
        if rows is None:
            return super().scalar_one_or_none()
        if len(rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when one or none was required")
        return rows[0][0] if rows else None


class _Plan:
    """One statement compiled for one set of parameter names."""

    __slots__ = (
        "binds",
        "getter",
        "metadata",
        "processed",
        "processors",
        "result_processed",
        "result_processors",
        "returns_rows",
        "sql",
    )

    def __init__(self, compiled: SQLCompiler, dialect: Dialect) -> None:
        self.sql = compiled.string
        names = compiled.positiontup or []
        bind_processors = compiled._bind_processors
        self.binds: list[tuple[str, BindParameter[Any]]] = [
            (name, compiled.binds[name]) for name in names
        ]
        self.processors: list[Callable[[Any], Any] | None] = []
        for name in names:
            process = bind_processors.get(name)
            if process is not None and not callable(process):
                raise _Unsupported(f"tuple-valued bind parameter {name}")
            self.processors.append(process)
        #: every value at once (a C call) when all are given, the usual case
        self.getter: Callable[[Mapping[str, Any]], Any] | None = None
        if names:
            getter = operator.itemgetter(*names)
            self.getter = getter if len(names) > 1 else lambda p: (getter(p),)
        #: (position, processor) of the values that need processing
        self.processed = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        self.returns_rows = bool(compiled._result_columns)
        columns = compiled._result_columns
        self.result_processors: list[Callable[[Any], Any] | None] = [
            column.type._cached_result_processor(dialect, None) for column in columns
        ]
        #: (position, processor) of the result columns that need processing
        self.result_processed = [(i, p) for i, p in enumerate(self.result_processors) if p]
        self.metadata = SimpleResultMetaData(
            [column.keyname for column in columns],
            extra=[column.objects for column in columns],
        )

    def values(self, parameters: Mapping[str, Any]) -> Sequence[Any] | None:
        """The positional values, processed; None if a required parameter is missing."""
        if self.getter is None:
            return ()
        try:
            given = self.getter(parameters)
        except KeyError:
            return self._values_with_defaults(parameters)
        if not self.processed:
            return cast(tuple[Any, ...], given)
        out = list(given)
        for index, process in self.processed:
            out[index] = process(out[index])
        return out

    def _values_with_defaults(self, parameters: Mapping[str, Any]) -> tuple[Any, ...] | None:
        out = []
        for (name, bind), process in zip(self.binds, self.processors, strict=True):
            value = parameters.get(name, _MISSING)
            if value is _MISSING:
                if bind.required:
                    return None
                value = bind.effective_value
            out.append(value if process is None else process(value))
        return tuple(out)

    def rows(self, cursor: sqlite3.Cursor) -> list[Sequence[Any]]:
        raw: list[Sequence[Any]] = cursor.fetchall()
        processed = self.result_processed
        if not processed:
            return raw
        rows: list[Sequence[Any]] = []
        for row in raw:
            values = list(row)
            for index, process in processed:
                values[index] = process(values[index])
            rows.append(values)
        return rows


def _plan(statement: ClauseElement, dialect: Dialect, keys: list[str], many: bool) -> _Plan | None:
    try:
        compiled = statement.compile(dialect=dialect, column_keys=keys, for_executemany=many)
    except Exception:
        return None  # SQLAlchemy's own path reports it
    if not isinstance(compiled, SQLCompiler) or not compiled.positional:
        return None
    if (
        compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.escaped_bind_names
        or compiled.insert_prefetch
        or compiled.update_prefetch
        or (many and compiled.effective_returning)
    ):
        return None
    try:
        return _Plan(compiled, dialect)
    except _Unsupported:
        return None


class CompiledStatements:
    """The plans of the statement objects executed on one SQLite writer connection."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        #: id(statement) -> (weak reference keeping the entry honest, plans by parameter names)
        self._seen: dict[int, tuple[weakref.ref[Any], dict[tuple[Any, ...], _Plan | None]]] = {}
        self.fast = 0  # executions that took this path (for tests and curiosity)

    def run(self, raw: sqlite3.Connection, statement: Executable, parameters: Parameters) -> Any:
        """Execute `statement` on `raw` and return its Rows, or None: use SQLAlchemy."""
        plans = self._plans(statement)
        if plans is None:
            return None
        many = not isinstance(parameters, Mapping) and parameters is not None
        if many:
            batch = cast(Sequence[Mapping[str, Any]], parameters)
            if not batch:
                return None
            first = batch[0]
        else:
            first = cast(Mapping[str, Any], parameters or {})
        names = sorted(first)
        key = (many, *names)
        try:
            plan = plans[key]
        except KeyError:
            element = cast(ClauseElement, statement)
            plan = plans[key] = _plan(element, self._dialect, names, many)
        if plan is None:
            return None
        if many:
            try:
                rows_of_values = [plan.values(p) for p in batch]
            except Exception:
                return None  # a value its type refuses: SQLAlchemy raises its own error
            if any(v is None for v in rows_of_values):
                return None
            cursor = raw.executemany(plan.sql, cast(list[Sequence[Any]], rows_of_values))
        else:
            try:
                values = plan.values(first)
            except Exception:
                return None  # a value its type refuses: SQLAlchemy raises its own error
            if values is None:
                return None
            cursor = raw.execute(plan.sql, values)
        rows = plan.rows(cursor) if plan.returns_rows else []
        result = _Result(plan.metadata, rows)
        result.rowcount = cursor.rowcount
        cursor.close()
        self.fast += 1
        return cast(Rows, result)

    def _plans(self, statement: Executable) -> dict[tuple[Any, ...], _Plan | None] | None:
        """The statement's plans from its second execution on; None the first time."""
        ident = id(statement)
        entry = self._seen.get(ident)
        if entry is not None and entry[0]() is statement:
            return entry[1]
        try:
            ref = weakref.ref(statement, self._forgetter(ident))
        except TypeError:
            return None
        self._seen[ident] = (ref, {})
        return None

    def _forgetter(self, ident: int) -> Callable[[weakref.ref[Any]], None]:
        def forget(_: weakref.ref[Any]) -> None:
            entry = self._seen.get(ident)
            if entry is not None and entry[0]() is None:
                del self._seen[ident]

        return forget
