"""Writes whose result nobody reads, run together: one executemany per statement.

A MeterValues message writes its reading and its session's few changed columns; a status
report appends to the history and moves the connector's current state. Nothing of what
those statements return is read: run one by one, each costs a sqlite3 call (statement cache,
bind, step, reset, a cursor and a result), and its unit of work a SAVEPOINT and a RELEASE
around it. On SQLite's group commit (`group_commit.py`) a unit of work can instead *defer*
them: the writer keeps the writes of the units that committed, and runs them before the
batch's next other statement or its COMMIT, grouped by statement, each group one
executemany. A unit whose writes were all deferred never touched the connection: it needs
no savepoint either.

Grouping reorders writes of different statements. That is safe for the writes deferred
here, as long as two writes of one row keep their order: a write names its `row`, and one
that would run before an earlier write of the same row (in an earlier group) starts a new
group instead. Writes without a row (appends, and inserts that skip a row already there,
which is the same row) commute with everything.

If a group fails, or an UPDATE that must change its row (`missing`) changes fewer rows than
it has parameter sets, the flush is undone and each unit's writes are run again, unit by
unit, each in a savepoint of its own: a unit whose write fails loses its own writes and
learns why when its `commit()` returns; the others keep theirs.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, NamedTuple

from sqlalchemy import Executable


class DeferredWrite(NamedTuple):
    """One statement and its values, run later with the same statement of other units."""

    statement: Executable
    parameters: Mapping[str, Any]
    #: the row it changes (another write of it must not overtake it), None for an append
    row: Hashable | None
    #: for a write that must change a row: why, if it changes none (`NotFound`)
    missing: str | None


class DeferredUnit:
    """The deferred writes of one unit of work that committed, and what became of them."""

    __slots__ = ("error", "writes")

    def __init__(self, writes: list[DeferredWrite]) -> None:
        self.writes = writes
        #: why its writes were undone (a domain error), once the batch ran them
        self.error: Exception | None = None


class Group(NamedTuple):
    """Writes of one statement with the same parameter names: one executemany."""

    statement: Executable
    parameters: list[Mapping[str, Any]]
    #: every write of the group must change a row
    checked: bool


def grouped(units: list[DeferredUnit]) -> list[Group]:
    """The units' writes as executemany groups, in an order that keeps each row's writes in
    theirs: a write joins the latest group of its statement unless a later group already
    wrote its row."""
    groups: list[Group] = []
    latest: dict[tuple[int, tuple[str, ...], bool], int] = {}
    last_of_row: dict[Hashable, int] = {}
    for unit in units:
        for write in unit.writes:
            checked = write.missing is not None
            key = (id(write.statement), tuple(write.parameters), checked)
            index = latest.get(key)
            row = write.row
            if index is None or (row is not None and last_of_row.get(row, -1) > index):
                index = latest[key] = len(groups)
                groups.append(Group(write.statement, [], checked))
            groups[index].parameters.append(write.parameters)
            if row is not None:
                last_of_row[row] = index
    return groups
