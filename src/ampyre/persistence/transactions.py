"""Charging sessions, the events applied to them and their meter values."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnClause, bindparam, func, literal_column, select, update

from ampyre.domain.authorization import IdToken
from ampyre.domain.errors import Conflict, NotFound, Stale
from ampyre.domain.metering import MeterValue, SampledValue
from ampyre.domain.transactions import (
    Anomaly,
    Transaction,
    TransactionQuery,
    TransactionState,
)
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import meter_values, transaction_events, transactions

_ROWS_PER_INSERT = 500

#: PostgreSQL's version of a row: the transaction that wrote it last (a new one at each
#: write). A session kept across units of work (`known`) is written only at the version
#: kept; SQLite's rows have none (one process writes them: see open_sessions.py).
_VERSION: ColumnClause[int] = literal_column("xmin")
#: the columns of a session's row, in the order the SELECTs below return them
_COLUMNS = tuple(transactions.c.keys())


# Hot statements, built once per dialect (Executor.prepared): values come as bind
# parameters. On PostgreSQL each one also returns the row's version, last.
def _versioned(db: Executor) -> bool:
    return db.dialect == "postgresql"


def _session(db: Executor) -> Any:
    statement = select(transactions)
    return statement.add_columns(_VERSION) if _versioned(db) else statement


def _by_id(db: Executor) -> Any:
    return _session(db).where(transactions.c.id == bindparam("tx_id"))


# FOR UPDATE (PostgreSQL; SQLite ignores it, its units of work run one at a time): two
# messages of one session at once are applied one after the other, none is lost.
def _by_ref(db: Executor) -> Any:
    c = transactions.c
    return (
        _session(db)
        .where(c.station_id == bindparam("station"), c.ref == bindparam("tx_ref"))
        .with_for_update()
    )


def _by_start_key(db: Executor) -> Any:
    c = transactions.c
    return _session(db).where(c.station_id == bindparam("station"), c.start_key == bindparam("key"))


# SET takes the columns given in the parameters.
def _update(db: Executor) -> Any:
    statement = update(transactions).where(transactions.c.id == bindparam("tx_id"))
    return statement.returning(_VERSION) if _versioned(db) else statement


def _update_at_version(db: Executor) -> Any:
    """The UPDATE of a session taken as `known`: only if nobody wrote it since (PostgreSQL)."""
    return _update(db).where(bindparam("seen") == _VERSION)


#: a meter value's columns, as `_reading_row` gives them
_READING = ("station_id", "evse_id", "transaction_id", "timestamp", "samples", "digest")


def _with_reading(db: Executor, statement: Any) -> Any:
    """PostgreSQL: `statement` storing one meter value as it runs (a data-modifying WITH runs
    once, read or not), unless already stored; the value's columns prefixed `mv_`."""
    c = meter_values.c
    reading = (
        db.insert(meter_values)
        .values({name: bindparam(f"mv_{name}", type_=c[name].type) for name in _READING})
        .on_conflict_do_nothing(index_elements=[c.timestamp, c.station_id, c.evse_id, c.digest])
    )
    return statement.add_cte(reading.cte("reading"))


def _update_reading(db: Executor) -> Any:
    return _with_reading(db, _update(db))


def _update_at_version_reading(db: Executor) -> Any:
    return _with_reading(db, _update_at_version(db))


#: an event's columns, as `add_event` gives them
_EVENT = ("transaction_id", "seq_no", "kind", "timestamp")


def _with_event(db: Executor, statement: Any) -> Any:
    """PostgreSQL: `statement` storing one event of the session as it runs, unless stored
    (a data-modifying WITH); the event's columns prefixed `ev_`. After the row's version it
    returns how many events it stored: 0 for one another process stored first."""
    c = transaction_events.c
    event = (
        db.insert(transaction_events)
        .values({name: bindparam(f"ev_{name}", type_=c[name].type) for name in _EVENT})
        .on_conflict_do_nothing(index_elements=[c.transaction_id, c.seq_no])
        .returning(c.seq_no)
        .cte("event")
    )
    stored = select(func.count()).select_from(event).scalar_subquery()
    return statement.add_cte(event).returning(stored)


def _update_at_version_event(db: Executor) -> Any:
    return _with_event(db, _update_at_version(db))


def _update_at_version_reading_event(db: Executor) -> Any:
    return _with_event(db, _update_at_version_reading(db))


def _lock_at_version(db: Executor) -> Any:
    """The row lock of a session taken as `known` and not written: only at the version kept."""
    return (
        select(_VERSION)
        .select_from(transactions)
        .where(transactions.c.id == bindparam("tx_id"), bindparam("seen") == _VERSION)
        .with_for_update()
    )


def _create(db: Executor) -> Any:
    insert = db.insert(transactions).on_conflict_do_nothing()
    if _versioned(db):
        return insert.returning(transactions.c.id, _VERSION)
    return insert.returning(transactions.c.id)


# Whether a row was new is the single INSERT's rowcount, not a RETURNING row: SQLite runs a
# RETURNING statement to its end into a buffer first, ~4 us more per INSERT (and a Row).
def _add_event(db: Executor) -> Any:
    c = transaction_events.c
    return db.insert(transaction_events).on_conflict_do_nothing(
        index_elements=[c.transaction_id, c.seq_no]
    )


def _add_meter_value(db: Executor) -> Any:
    c = meter_values.c
    return db.insert(meter_values).on_conflict_do_nothing(
        index_elements=[c.timestamp, c.station_id, c.evse_id, c.digest]
    )


def _add_meter_values(db: Executor) -> Any:
    """Many rows: counted by RETURNING (an executemany's rowcount is not known everywhere)."""
    return _add_meter_value(db).returning(meter_values.c.id)


class SqlTransactionRepository:
    """Sessions of one unit of work.

    `save` writes only the columns that differ from what this unit of work last read or
    wrote for the session (none at all if nothing changed): a MeterValues then updates its
    few non-indexed columns instead of rewriting the row and its five index entries.
    """

    def __init__(self, executor: Executor) -> None:
        self._db = executor
        self._versioned = _versioned(executor)
        #: id -> the stored values as this unit of work last read or wrote them
        self._stored: dict[int, dict[str, Any]] = {}
        #: id -> the row's version as this unit of work last read or wrote it (PostgreSQL)
        self._versions: dict[int, int] = {}
        #: sessions taken as `known` at a version, not yet written or locked at it (the
        #: unit of work's commit confirms them)
        self.unconfirmed: set[int] = set()
        #: id -> a new event of an unconfirmed session, stored with its UPDATE or its lock
        self._events: dict[int, dict[str, Any]] = {}

    def forget(self) -> None:
        """Drop what was read: after a commit, other units may change the rows."""
        self._stored.clear()
        self._versions.clear()
        self.unconfirmed.clear()
        self._events.clear()

    async def create(self, transaction: Transaction, start_key: str | None) -> Transaction:
        """Insert; `Conflict` if the station already has this `ref` or `start_key`.

        The conflict is detected with ON CONFLICT DO NOTHING, so the unit of work stays
        usable afterwards (e.g. to look the existing session up) on both backends.
        """
        values = _values(transaction)
        values["start_key"] = start_key
        if not transaction.ref:
            values["ref"] = None  # named by its id below, in the same database transaction
        row = (await self._db.execute(self._db.prepared(_create), values)).one_or_none()
        if row is None:
            raise Conflict(
                f"station {transaction.station_id!r} already has a session with "
                f"ref {transaction.ref!r} or start key {start_key!r}"
            )
        new_id = int(row[0])
        if self._versioned:
            self._versions[new_id] = row[1]
        ref = transaction.ref or str(new_id)
        values["ref"] = ref
        if not transaction.ref:
            parameters = {"ref": ref, "tx_id": new_id}
            named = await self._db.execute(self._db.prepared(_update), parameters)
            self._written(new_id, named, checked=False)
        self._stored[new_id] = values
        return dataclasses.replace(transaction, id=new_id, ref=ref)

    async def get(self, transaction_id: int) -> Transaction | None:
        return await self._one(_by_id, {"tx_id": transaction_id})

    async def by_ref(self, station_id: str, ref: str) -> Transaction | None:
        return await self._one(_by_ref, {"station": station_id, "tx_ref": ref})

    async def by_start_key(self, station_id: str, start_key: str) -> Transaction | None:
        return await self._one(_by_start_key, {"station": station_id, "key": start_key})

    def known(self, transaction: Transaction, version: int | None) -> None:
        tx_id = transaction.id
        self._stored[tx_id] = _values(transaction)
        if self._versioned:
            if version is None:
                raise ValueError(f"session {tx_id} is taken as known without its row version")
            self._versions[tx_id] = version
            self.unconfirmed.add(tx_id)

    def version(self, transaction_id: int) -> int | None:
        return self._versions.get(transaction_id)

    async def confirm(self) -> None:
        unconfirmed = self.unconfirmed
        while unconfirmed:
            tx_id = unconfirmed.pop()
            parameters = {"tx_id": tx_id, "seen": self._versions[tx_id]}
            locked = await self._db.execute(self._db.prepared(_lock_at_version), parameters)
            if locked.first() is None:
                raise _stale(tx_id)
            event = self._events.pop(tx_id, None)
            if event is not None:
                added = await self._db.execute(self._db.prepared(_add_event), event)
                if added.rowcount == 0:
                    raise _repeat(tx_id, event)

    async def save(self, transaction: Transaction, readings: tuple[MeterValue, ...] = ()) -> None:
        """Update every field but the id and add `readings` to the session's meter values
        (skipping any already stored); `NotFound` if there is no such session, `Stale` if it
        was taken as `known` and changed by another process since.

        On SQLite both are deferred writes (`Executor.defer`): the `NotFound` may come from
        the unit of work's `commit()`. On PostgreSQL one reading goes with the UPDATE, as a
        WITH of it: one round trip."""
        tx_id = transaction.id
        values = _values(transaction)
        stored = self._stored.get(tx_id)
        # Read or written in this database transaction: the row is there as it was.
        changed = (
            values
            if stored is None
            else {k: v for k, v in values.items() if k not in stored or stored[k] != v}
        )
        if not self._versioned:
            # SQLite: nothing of either is read; on the group commit they run with other
            # sessions' (`deferred_writes.py`)
            for reading in readings:
                row = _reading_row(transaction.station_id, transaction.evse_id, tx_id, reading)
                await self._db.defer(self._db.prepared(_add_meter_value), row)
            if changed:
                await self._db.defer(
                    self._db.prepared(_update),
                    {**changed, "tx_id": tx_id},
                    row=("transactions", tx_id),
                    missing=f"no transaction {tx_id}",
                )
                self._stored[tx_id] = values
            return
        if readings and not (changed and len(readings) == 1):
            await self.add_meter_values(
                transaction.station_id, transaction.evse_id, tx_id, readings
            )
            readings = ()
        if not changed:
            return  # a session taken as known is locked by `confirm` before the commit
        parameters = {**changed, "tx_id": tx_id}
        checked = tx_id in self.unconfirmed
        event = None
        if checked:
            self.unconfirmed.discard(tx_id)
            parameters["seen"] = self._versions[tx_id]
            event = self._events.pop(tx_id, None)
        if readings:
            row = _reading_row(transaction.station_id, transaction.evse_id, tx_id, readings[0])
            for name, value in row.items():
                parameters[f"mv_{name}"] = value
        if event is not None:
            for name, value in event.items():
                parameters[f"ev_{name}"] = value
            build = _update_at_version_reading_event if readings else _update_at_version_event
            written = (await self._db.execute(self._db.prepared(build), parameters)).first()
            if written is None:
                raise _stale(tx_id)
            if written[1] == 0:
                raise _repeat(tx_id, event)
            self._versions[tx_id] = written[0]
            self._stored[tx_id] = values
            return
        if readings:
            build = _update_at_version_reading if checked else _update_reading
        else:
            build = _update_at_version if checked else _update
        result = await self._db.execute(self._db.prepared(build), parameters)
        self._written(tx_id, result, checked)
        self._stored[tx_id] = values

    def _written(self, tx_id: int, result: Any, checked: bool) -> None:
        """After an UPDATE of the session (at its version if `checked`): keep the row's new
        version; `Stale` or `NotFound` if it changed no row."""
        if self._versioned:
            version = result.scalar_one_or_none()
            if version is None:
                raise _stale(tx_id) if checked else NotFound(f"no transaction {tx_id}")
            self._versions[tx_id] = version
        elif result.rowcount == 0:
            raise NotFound(f"no transaction {tx_id}")

    async def add_event(
        self,
        transaction_id: int,
        seq_no: int,
        kind: str,
        timestamp: datetime,
        *,
        new: bool = False,
    ) -> bool:
        values = {
            "transaction_id": transaction_id,
            "seq_no": seq_no,
            "kind": kind,
            "timestamp": timestamp,
        }
        if new and not self._versioned:
            # SQLite, one writing process: known new, its INSERT is a deferred write (it
            # still skips a row that is there, so a wrong `new` stores nothing twice)
            await self._db.defer(self._db.prepared(_add_event), values)
            return True
        if new and transaction_id in self.unconfirmed:
            # PostgreSQL, a kept session: stored by the session's UPDATE at its version (or
            # with its lock), one round trip less; `Stale` then if another worker stored it
            # first, and the message is applied again, reading the session and its events.
            self._events[transaction_id] = values
            return True
        return (await self._db.execute(self._db.prepared(_add_event), values)).rowcount > 0

    async def add_meter_values(
        self,
        station_id: str,
        evse_id: int,
        transaction_id: int | None,
        values: tuple[MeterValue, ...] | list[MeterValue],
    ) -> int:
        rows = [_reading_row(station_id, evse_id, transaction_id, value) for value in values]
        if len(rows) == 1:
            return (await self._db.execute(self._db.prepared(_add_meter_value), rows[0])).rowcount
        statement = self._db.prepared(_add_meter_values)
        added = 0
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            # Many parameter sets: SQLAlchemy's "insertmanyvalues" batches them with RETURNING.
            chunk = rows[start : start + _ROWS_PER_INSERT]
            added += len((await self._db.execute(statement, chunk)).all())
        return added

    async def meter_values(self, transaction_id: int) -> list[MeterValue]:
        result = await self._db.execute(
            select(meter_values.c.timestamp, meter_values.c.samples)
            .where(meter_values.c.transaction_id == transaction_id)
            .order_by(meter_values.c.timestamp, meter_values.c.id)
        )
        return [
            MeterValue(
                timestamp=row.timestamp,
                samples=tuple(SampledValue(**sample) for sample in row.samples),
            )
            for row in result
        ]

    async def active(self, station_id: str) -> list[Transaction]:
        return await self._many(
            transactions.c.station_id == station_id,
            transactions.c.state == TransactionState.ACTIVE.value,
        )

    async def list_for_station(self, station_id: str) -> list[Transaction]:
        return await self._many(transactions.c.station_id == station_id)

    async def search(self, query: TransactionQuery) -> list[Transaction]:
        c = transactions.c
        statement = select(transactions)
        if query.station_id is not None:
            statement = statement.where(c.station_id == query.station_id)
        if query.id_token is not None:
            statement = statement.where(c.id_token == query.id_token)
        if query.state is not None:
            statement = statement.where(c.state == query.state.value)
        if query.since is not None:
            statement = statement.where(c.started_at >= query.since)
        if query.until is not None:
            statement = statement.where(c.started_at < query.until)
        if query.before_id is not None:
            statement = statement.where(c.id < query.before_id)
        if query.after_id is not None:
            statement = statement.where(c.id > query.after_id)
        order = c.id if query.oldest_first else c.id.desc()
        result = await self._db.execute(statement.order_by(order).limit(query.limit))
        return [_transaction(row._mapping) for row in result]

    async def _one(self, build: Any, parameters: dict[str, Any]) -> Transaction | None:
        row = (await self._db.execute(self._db.prepared(build), parameters)).one_or_none()
        if row is None:
            return None
        # On PostgreSQL the row's version follows its columns.
        stored = dict(zip(_COLUMNS, row[:-1] if self._versioned else row, strict=True))
        tx_id = int(stored["id"])
        if self._versioned:
            self._versions[tx_id] = row[-1]
            self.unconfirmed.discard(tx_id)  # read FOR UPDATE (by_ref) or as it is now
        self._stored[tx_id] = stored
        return _transaction(stored)

    async def _many(self, *where: Any) -> list[Transaction]:
        result = await self._db.execute(
            select(transactions).where(*where).order_by(transactions.c.id)
        )
        return [_transaction(row._mapping) for row in result]


def _reading_row(
    station_id: str, evse_id: int, transaction_id: int | None, value: MeterValue
) -> dict[str, Any]:
    """A meter value's row (the columns of `_READING`)."""
    return {
        "station_id": station_id,
        "evse_id": evse_id,
        "transaction_id": transaction_id,
        "timestamp": value.timestamp,
        "samples": [_sample(sample) for sample in value.samples],
        "digest": _digest(value.samples),
    }


def _stale(tx_id: int) -> Stale:
    return Stale(f"session {tx_id} was changed by another process since this one kept it in memory")


def _repeat(tx_id: int, event: Mapping[str, Any]) -> Stale:
    seq_no = event["seq_no"]
    return Stale(f"event {seq_no} of session {tx_id} was stored by another process first")


def _sample(sample: SampledValue) -> dict[str, Any]:
    """`dataclasses.asdict(sample)`: the fields in their order (the stored JSON's order)."""
    return {
        "value": sample.value,
        "measurand": sample.measurand,
        "unit": sample.unit,
        "multiplier": sample.multiplier,
        "phase": sample.phase,
        "location": sample.location,
        "context": sample.context,
        "signed": sample.signed,
    }


#: json.dumps(sort_keys=True, separators=(",", ":")) without building an encoder per call
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def _digest(samples: Sequence[SampledValue]) -> str:
    """sha256 of the samples, independent of their order and of JSON spelling."""
    canonical = sorted(map(_canonical, samples))
    return hashlib.sha256("\n".join(canonical).encode()).hexdigest()


def _canonical(sample: SampledValue) -> str:
    """`_CANONICAL.encode(_sample(sample))`, spelled out (a third of the encoder's time).

    Keys in sorted order, strings as `json` escapes them (ASCII); anything but the declared
    field types goes to the encoder itself.
    """
    multiplier, signed = sample.multiplier, sample.signed
    if type(multiplier) is not int or type(signed) is not bool:
        return _CANONICAL.encode(_sample(sample))
    try:
        return (
            f'{{"context":{_string(sample.context)},"location":{_string(sample.location)},'
            f'"measurand":{_quote(sample.measurand)},"multiplier":{int.__repr__(multiplier)},'
            f'"phase":{_string(sample.phase)},"signed":{"true" if signed else "false"},'
            f'"unit":{_string(sample.unit)},"value":{_quote(sample.value)}}}'
        )
    except TypeError:  # a value that is not text
        return _CANONICAL.encode(_sample(sample))


#: json's own (C) string escaping, as the encoder above uses it
_quote = json.encoder.encode_basestring_ascii


def _string(text: str | None) -> str:
    return "null" if text is None else _quote(text)


def _values(transaction: Transaction) -> dict[str, Any]:
    token = transaction.id_token
    return {
        "station_id": transaction.station_id,
        "ref": transaction.ref,
        "evse_id": transaction.evse_id,
        "connector_id": transaction.connector_id,
        "state": transaction.state.value,
        "started_at": transaction.started_at,
        "ended_at": transaction.ended_at,
        "id_token": None if token is None else token.value,
        "id_token_type": None if token is None else token.type,
        "meter_start_wh": transaction.meter_start_wh,
        "meter_stop_wh": transaction.meter_stop_wh,
        "energy_wh": transaction.energy_wh,
        "min_register_wh": transaction.min_register_wh,
        "max_register_wh": transaction.max_register_wh,
        "stop_reason": transaction.stop_reason,
        "charging_state": transaction.charging_state,
        "remote_start_id": transaction.remote_start_id,
        "reservation_id": transaction.reservation_id,
        "offline": transaction.offline,
        "flags": ",".join(sorted(flag.value for flag in transaction.flags)),
    }


def _transaction(m: Mapping[Any, Any]) -> Transaction:
    token = None if m["id_token"] is None else IdToken(m["id_token"], m["id_token_type"])
    return Transaction(
        id=int(m["id"]),
        station_id=m["station_id"],
        ref=m["ref"],
        evse_id=m["evse_id"],
        connector_id=m["connector_id"],
        state=TransactionState(m["state"]),
        started_at=m["started_at"],
        ended_at=m["ended_at"],
        id_token=token,
        meter_start_wh=m["meter_start_wh"],
        meter_stop_wh=m["meter_stop_wh"],
        energy_wh=m["energy_wh"],
        stop_reason=m["stop_reason"],
        charging_state=m["charging_state"],
        remote_start_id=m["remote_start_id"],
        reservation_id=m["reservation_id"],
        offline=bool(m["offline"]),
        flags=frozenset(Anomaly(flag) for flag in m["flags"].split(",") if flag),
        min_register_wh=m["min_register_wh"],
        max_register_wh=m["max_register_wh"],
    )
