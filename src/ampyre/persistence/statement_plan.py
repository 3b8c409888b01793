"""A statement compiled once for one set of parameter names: what both fast paths share.

The SQLite writer (`compiled_statements`) and the PostgreSQL executor (`postgres_executor`)
run a statement object that is executed again without SQLAlchemy's per-execution machinery:
compiled once per set of parameter names, its values bound with SQLAlchemy's own bind
processors in the compiled positional order, its rows processed with SQLAlchemy's result
processors, and returned as a `FastResult`. Each backend subclasses `StatementPlan` with
how it learns its result processors and reads its rows; `plan_for` says which statements
qualify (anything unusual stays on SQLAlchemy).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Dialect
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.engine.row import Row
from sqlalchemy.exc import MultipleResultsFound
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ClauseElement

Parameters = Sequence[Mapping[str, Any]] | Mapping[str, Any] | None
Processor = Callable[[Any], Any]
P = TypeVar("P", bound="StatementPlan")
_MISSING = object()


class Unsupported(Exception):
    """A statement the fast paths leave to SQLAlchemy."""


class FastResult(IteratorResult[Any]):
    """An IteratorResult that also knows how many rows the statement changed.

    Its rows are already fetched and processed, so `all`, `first`, `one_or_none` and
    `scalar_one_or_none` read them directly when they are the first to read (they then
    use the result up); the generic Result machinery took 10-18 us per statement to set
    up its row getter for one or two rows. Anything else goes the IteratorResult way.
    """

    rowcount: int = -1

    def __init__(self, metadata: SimpleResultMetaData, rows: list[Sequence[Any]]) -> None:
        # IteratorResult.__init__'s assignments, without the call (one per statement).
        self._metadata = metadata
        self.iterator = iter(rows)
        self.raw = None
        self._source_supports_scalars = False
        self.context = None
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


class StatementPlan:
    """One statement compiled for one set of parameter names: its SQL, binding and rows."""

    __slots__ = (
        "binds",
        "getter",
        "metadata",
        "processed",
        "processors",
        "result_processed",
        "sql",
    )

    def __init__(self, compiled: SQLCompiler) -> None:
        self.sql = compiled.string
        names = compiled.positiontup or []
        bind_processors = compiled._bind_processors
        self.binds: list[tuple[str, BindParameter[Any]]] = [
            (name, compiled.binds[name]) for name in names
        ]
        self.processors: list[Processor | None] = []
        for name in names:
            process = bind_processors.get(name)
            if process is not None and not callable(process):
                raise Unsupported(f"tuple-valued bind parameter {name}")
            self.processors.append(process)
        #: every value at once (a C call) when all are given, the usual case
        self.getter: Callable[[Mapping[str, Any]], Any] | None = None
        if names:
            getter = operator.itemgetter(*names)
            self.getter = getter if len(names) > 1 else lambda p: (getter(p),)
        #: (position, processor) of the values that need processing
        self.processed = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        columns = compiled._result_columns
        self.metadata = SimpleResultMetaData(
            [column.keyname for column in columns],
            extra=[column.objects for column in columns],
        )
        #: (position, processor) of the result columns that need processing (None: not
        #: known yet, the backend learns them at the first execution)
        self.result_processed: list[tuple[int, Processor]] | None = None

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

    def processed_rows(self, raw: list[Any]) -> list[Sequence[Any]]:
        """The driver's rows with the result processors applied."""
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


def plan_for(
    statement: ClauseElement,
    dialect: Dialect,
    keys: list[str],
    many: bool,
    make: Callable[[SQLCompiler], P],
) -> P | None:
    """`make(compiled)` for a statement the fast paths handle; None: use SQLAlchemy."""
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
        return make(compiled)
    except Unsupported:
        return None
