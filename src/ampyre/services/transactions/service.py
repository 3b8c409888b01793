"""One service for every version's session messages (start/stop/meter values, TransactionEvent).

Idempotency:
- a station that numbers its messages (`seq_no`) has each event applied once;
- a start the CSMS numbers is found again by its start key (station, EVSE, time, meter, token);
- meter values are stored once per (station, EVSE, time, content), whatever message carries them.
Real stations break the rules in known ways; those are accepted and flagged on the session,
or refused when the operator asks for strict mode.

A session changed by a committed message is kept in memory (`open_sessions`), and the next
message in it does not read it again (`open_sessions.py`); on PostgreSQL it is written only
if no other worker changed it meanwhile, else the message is applied again, reading it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ampyre.domain.authorization import AuthorizationResult, IdToken
from ampyre.domain.commands import RemoteStart
from ampyre.domain.errors import Conflict, DomainError, Stale
from ampyre.domain.events import Event, EventKind
from ampyre.domain.metering import MeterValue, register_readings_wh
from ampyre.domain.transactions import (
    Anomaly,
    Transaction,
    TransactionOutcome,
    TransactionState,
    TransactionUpdate,
    UpdateKind,
)
from ampyre.services.authorization.service import authorize_in
from ampyre.services.ports import EventPublisher, UnitOfWork, UnitOfWorkFactory
from ampyre.services.reservations.service import use_reservation
from ampyre.services.transactions.open_sessions import Lease, OpenSessions, StoredEvents

#: Trigger reasons that say a token was just presented, so the event must carry it.
_TOKEN_TRIGGERS = frozenset({"Authorized"})

_EVENT_KINDS = {
    UpdateKind.STARTED: EventKind.TRANSACTION_STARTED,
    UpdateKind.UPDATED: EventKind.TRANSACTION_UPDATED,
    UpdateKind.ENDED: EventKind.TRANSACTION_ENDED,
}


#: How long after a remote start a 1.x session on that token (and EVSE) is taken as its result.
REMOTE_START_WINDOW = timedelta(minutes=10)


class TransactionRejected(DomainError):
    """Strict mode refuses a message that breaks the transaction rules."""


class TransactionService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        strict: bool,
        events: EventPublisher,
        open_sessions: OpenSessions | None = None,
    ) -> None:
        self._uow = uow
        self.strict = strict
        self._events = events
        #: nothing is kept with None (or a capacity of 0)
        self.open_sessions = open_sessions if open_sessions is not None else OpenSessions(0)

    async def apply(self, update: TransactionUpdate) -> TransactionOutcome:
        """Apply what a station says about a session; commit before returning.

        The session returned is the one kept for the next message: read it, do not keep it.
        """
        retried = False
        while True:
            lease = self.open_sessions.lease()
            try:
                async with self._uow() as uow:
                    try:
                        outcome = await self._apply(uow, update, lease)
                    except TransactionRejected:
                        await uow.transactions.confirm()  # no refusal resting on a stale session
                        raise
                    session = outcome.transaction
                    version = None if session is None else uow.transactions.version(session.id)
                    await uow.commit()  # confirms the sessions taken as known, not written
            except Stale:
                lease.drop()
                if retried:
                    raise
                # Another worker changed the session this one kept (it was rolled back and
                # left the cache): apply the message again, reading the session this time.
                retried = True
                continue
            except BaseException:
                lease.drop()
                raise
            break
        lease.keep(session, version, update.seq_no)
        if session is not None and not outcome.duplicate:
            self._publish(update, session)
        return outcome

    def _publish(self, update: TransactionUpdate, transaction: Transaction) -> None:
        token = transaction.id_token
        self._events.publish(
            Event(
                _EVENT_KINDS[update.kind],
                transaction.station_id,
                update.timestamp,
                {
                    "transaction_id": transaction.id,
                    "ref": transaction.ref,
                    "evse_id": transaction.evse_id,
                    "connector_id": transaction.connector_id,
                    "state": transaction.state.value,
                    "id_token": token.value if token is not None else None,
                    "energy_wh": transaction.energy_wh,
                    "stop_reason": transaction.stop_reason,
                    "trigger_reason": update.trigger_reason,
                    # the remote-start command this session answers, if any
                    "command_id": transaction.remote_start_id,
                },
            )
        )

    async def record_meter_values(
        self, station_id: str, evse_id: int, values: tuple[MeterValue, ...]
    ) -> None:
        """Meter values outside any session (station or EVSE readings)."""
        async with self._uow() as uow:
            await uow.transactions.add_meter_values(station_id, evse_id, None, values)
            await uow.commit()

    async def _apply(
        self, uow: UnitOfWork, update: TransactionUpdate, lease: Lease
    ) -> TransactionOutcome:
        auth = await self._authorize(uow, update.id_token, update.timestamp)
        if update.ref is None:
            return await self._start_numbered_by_us(uow, update, auth, lease)
        kept = lease.take(update.station_id, update.ref)
        transaction: Transaction | None
        if kept is not None:
            transaction, version = kept
            uow.transactions.known(transaction, version)
        elif update.kind is UpdateKind.STARTED and update.seq_no is not None:
            transaction = await self._created_or_stored(uow, update, update.ref, lease)
        else:
            transaction = await uow.transactions.by_ref(update.station_id, update.ref)
        if transaction is None:
            if update.seq_no is None:
                # A stop or meter values for a session we never numbered: keep the readings.
                await uow.transactions.add_meter_values(
                    update.station_id, update.evse_id or 0, None, update.meter_values
                )
                return TransactionOutcome(None, auth)
            transaction = await uow.transactions.create(self._new(update, update.ref), None)
            lease.events = StoredEvents()
        if update.seq_no is not None:
            # The events of a session this process opened are kept with it: a repeat is
            # known without the database, and a new event's INSERT needs no answer.
            events = lease.events
            if events is not None and update.seq_no in events:
                return TransactionOutcome(transaction, auth, duplicate=True)
            fresh = await uow.transactions.add_event(
                transaction.id,
                update.seq_no,
                update.kind.value,
                update.timestamp,
                new=events is not None,
            )
            if not fresh:
                return TransactionOutcome(transaction, auth, duplicate=True)
        self._check(transaction, update)
        await self._merge(uow, transaction, update)
        return TransactionOutcome(transaction, auth)

    async def _created_or_stored(
        self, uow: UnitOfWork, update: TransactionUpdate, ref: str, lease: Lease
    ) -> Transaction | None:
        """The session a Started event opens: new, but for a replayed or repeated Started,
        whose INSERT finds the ref taken (and changes nothing); then the stored one. Every
        Started looking its ref up first would cost a SELECT that finds nothing."""
        try:
            created = await uow.transactions.create(self._new(update, ref), None)
        except Conflict:
            return await uow.transactions.by_ref(update.station_id, ref)
        lease.events = StoredEvents()  # none yet: its events are all this process's
        return created

    async def _start_numbered_by_us(
        self,
        uow: UnitOfWork,
        update: TransactionUpdate,
        auth: AuthorizationResult | None,
        lease: Lease,
    ) -> TransactionOutcome:
        key = _start_key(update)
        try:
            # A repeated start is rare: its INSERT finds the key taken (and changes nothing),
            # instead of every start looking for it first.
            transaction = await uow.transactions.create(self._new(update, ""), key)
        except Conflict:
            existing = await uow.transactions.by_start_key(update.station_id, key)
            if existing is None:
                raise
            return TransactionOutcome(existing, auth, duplicate=True)
        lease.take(transaction.station_id, transaction.ref)  # nothing yet: kept once committed
        await self._merge(uow, transaction, update)
        return TransactionOutcome(transaction, auth)

    def _new(self, update: TransactionUpdate, ref: str) -> Transaction:
        """A new session with what `_merge` would then set, so its INSERT writes it all and
        `save` has nothing left to UPDATE: not its end (`_check` sees a new session open) nor
        its reservation (`_merge` marks the reservation used when it sets it)."""
        readings = register_readings_wh(update.meter_values)
        transaction = Transaction(
            id=0,
            station_id=update.station_id,
            ref=ref,
            evse_id=update.evse_id or 0,
            connector_id=update.connector_id or 0,
            state=TransactionState.ACTIVE,
            started_at=update.timestamp,
            id_token=update.id_token,
            meter_start_wh=update.meter_start_wh,
            charging_state=update.charging_state,
            remote_start_id=update.remote_start_id,
            offline=update.offline,
            min_register_wh=min(readings, default=None),
            max_register_wh=max(readings, default=None),
        )
        transaction.recompute_energy()
        return transaction

    def _check(self, transaction: Transaction, update: TransactionUpdate) -> None:
        """Flag (or in strict mode refuse) what real stations get wrong."""
        found: set[Anomaly] = set()
        ended = transaction.state is TransactionState.ENDED
        if ended and update.seq_no is None:
            if update.kind is UpdateKind.ENDED:
                found.add(Anomaly.DUPLICATE_STOP)
            elif update.meter_values:
                found.add(Anomaly.METER_VALUES_AFTER_STOP)
        if (
            update.trigger_reason in _TOKEN_TRIGGERS
            and update.id_token is None
            and transaction.id_token is None
        ):
            found.add(Anomaly.MISSING_ID_TOKEN)
        if not found:
            return
        if self.strict:
            names = ", ".join(sorted(found))
            raise TransactionRejected(f"transaction {transaction.ref}: {names} (strict mode)")
        transaction.flags = transaction.flags | found

    async def _merge(
        self, uow: UnitOfWork, transaction: Transaction, update: TransactionUpdate
    ) -> None:
        was_ended = transaction.state is TransactionState.ENDED
        if transaction.started_at is None or update.timestamp < transaction.started_at:
            transaction.started_at = update.timestamp  # offline replays come in any order
        if update.kind is UpdateKind.ENDED and not was_ended:
            transaction.state = TransactionState.ENDED
            transaction.ended_at = update.timestamp
            transaction.stop_reason = update.stop_reason or transaction.stop_reason
        if update.evse_id and not transaction.evse_id:
            transaction.evse_id = update.evse_id
        if update.connector_id and not transaction.connector_id:
            transaction.connector_id = update.connector_id
        if update.id_token is not None and transaction.id_token is None:
            transaction.id_token = update.id_token
        if update.charging_state is not None:
            transaction.charging_state = update.charging_state
        if update.remote_start_id is not None:
            transaction.remote_start_id = update.remote_start_id
        reservation = update.reservation_id
        if reservation is not None and reservation != transaction.reservation_id:
            transaction.reservation_id = reservation
            await use_reservation(
                uow, transaction.station_id, reservation, transaction.id, update.timestamp
            )
        if update.meter_start_wh is not None:
            transaction.meter_start_wh = update.meter_start_wh
        if update.meter_stop_wh is not None and not was_ended:
            transaction.meter_stop_wh = update.meter_stop_wh
        transaction.offline = transaction.offline or update.offline
        if update.meter_values:  # stored by `save` below, with the session
            readings = register_readings_wh(update.meter_values)
            if readings:
                low, high = min(readings), max(readings)
                if transaction.min_register_wh is None or low < transaction.min_register_wh:
                    transaction.min_register_wh = low
                if transaction.max_register_wh is None or high > transaction.max_register_wh:
                    transaction.max_register_wh = high
        transaction.recompute_energy()
        await self._link_remote_start(uow, transaction, update)
        await uow.transactions.save(transaction, update.meter_values)

    async def _link_remote_start(
        self, uow: UnitOfWork, transaction: Transaction, update: TransactionUpdate
    ) -> None:
        """Tie a session to the remote-start command that asked for it, both ways.

        2.0.1 stations name the command (remoteStartId = the command's id); a 1.x start names
        none, so the newest accepted remote start on its station, token and EVSE within
        REMOTE_START_WINDOW before it is taken.
        """
        if update.remote_start_id is not None:
            command = await uow.commands.get(update.remote_start_id)
            if (
                command is None
                or command.station_id != transaction.station_id
                or command.name != RemoteStart.name
                or command.transaction_id is not None
            ):
                return
        elif (
            update.kind is UpdateKind.STARTED
            and update.ref is None
            and transaction.remote_start_id is None
            and transaction.id_token is not None
        ):
            found = await uow.commands.remote_start_for(
                transaction.station_id,
                transaction.id_token.value,
                transaction.evse_id,
                update.timestamp - REMOTE_START_WINDOW,
            )
            if found is None:
                return
            command = found
            transaction.remote_start_id = command.id
        else:
            return
        await uow.commands.link(command.id, transaction.id)

    async def _authorize(
        self, uow: UnitOfWork, token: IdToken | None, now: datetime
    ) -> AuthorizationResult | None:
        if token is None:
            return None
        return await authorize_in(uow, token, now)


def _start_key(update: TransactionUpdate) -> str:
    token = update.id_token.value if update.id_token else ""
    return "|".join(
        (
            str(update.evse_id or 0),
            update.timestamp.isoformat(),
            repr(update.meter_start_wh),
            token,
        )
    )
