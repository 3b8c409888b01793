"""Commands to stations: check, record, send, store the outcome, tell listeners.

Every command is stored before it is sent (so a remote start's id can travel with it and a
crash leaves a trace), and its outcome after: the reply in neutral shape and as received,
or why there was none. What a command changes on our side (reservations, local lists,
configuration, ...) is kept by `CommandEffect`s, in the same unit of work as the outcome.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from ampyre.domain.commands import (
    Command,
    CommandFailed,
    CommandNotSupported,
    CommandRecord,
    CommandReply,
    CommandState,
    InvalidCall,
    RemoteStart,
    RemoteStop,
    StationNotConnected,
)
from ampyre.domain.errors import NotFound
from ampyre.domain.events import Event, EventKind
from ampyre.domain.message_limits import NO_LIMITS, MessageLimits
from ampyre.services.ports import (
    Clock,
    EventPublisher,
    StationGateway,
    UnitOfWork,
    UnitOfWorkFactory,
)

#: the field of commands whose later messages (reports) carry a request id: the command id
REQUEST_ID = "request_id"


class CommandEffect(Protocol):
    """Keeps what accepted (or answered) commands of some kinds change on our side."""

    #: the command types this effect handles
    commands: tuple[type[Command], ...]

    async def apply(
        self, uow: UnitOfWork, record: CommandRecord, command: Command, reply: CommandReply
    ) -> None:
        """Store what `reply` to `command` means; runs in the unit of work storing the outcome."""
        ...


class CommandService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: StationGateway,
        clock: Clock,
        events: EventPublisher,
        effects: Sequence[CommandEffect] = (),
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._events = events
        self._effects: dict[type[Command], list[CommandEffect]] = {}
        for effect in effects:
            for kind in effect.commands:
                self._effects.setdefault(kind, []).append(effect)

    async def send(self, station_id: str, command: Command) -> CommandRecord:
        """Send `command` and return its stored record once the station answered.

        Raises NotFound (unknown station), StationNotConnected, CommandNotSupported (the
        station's version cannot express it; nothing sent), CommandFailed (no answer, or a
        CALLERROR; the record is stored either way and named by the exception).
        """
        await self._check(station_id)
        reason = self._gateway.unsupported(station_id, command)
        if reason is not None:
            raise CommandNotSupported(reason)
        async with self._uow() as uow:
            record = await uow.commands.add(self._new(station_id, command))
            await uow.commit()
        command = command.numbered(record.id)
        if getattr(command, REQUEST_ID, 0) is None:
            # a command whose answers come later (reports) names them by the command id
            command = dataclasses.replace(command, **{REQUEST_ID: record.id})
        limits = await self._limits(station_id, command)
        try:
            reply = await self._gateway.send(station_id, command, limits)
        except (CommandNotSupported, InvalidCall) as refusal:
            record.state = CommandState.REFUSED
            record.error = str(refusal)
            record.answered_at = self._clock.now()
            await self._store(record)
            raise
        except CommandFailed as failure:
            record.state = failure.state
            record.error_code = failure.error_code
            record.error = str(failure)
            record.answered_at = self._clock.now()
            partial = failure.partial
            if partial is not None:  # what the first messages changed is kept all the same
                record.result = partial.details
                record.raw = partial.raw
            await self._store(record, command, partial)
            raise CommandFailed(
                str(failure),
                failure.state,
                failure.error_code,
                command_id=record.id,
                partial=partial,
            ) from failure
        record.state = CommandState.ANSWERED
        record.status = reply.status
        record.result = reply.details
        record.raw = reply.raw
        record.answered_at = self._clock.now()
        await self._store(record, command, reply)
        return record

    async def remote_stop(self, station_id: str, transaction_id: int) -> CommandRecord:
        """Stop session `transaction_id` (our id) on `station_id`, by the station's name for it."""
        async with self._uow() as uow:
            transaction = await uow.transactions.get(transaction_id)
        if transaction is None or transaction.station_id != station_id:
            raise NotFound(f"station {station_id!r} has no transaction {transaction_id}")
        return await self.send(station_id, RemoteStop(transaction_ref=transaction.ref))

    async def call(self, station_id: str, action: str, payload: Any) -> dict[str, Any]:
        """Send any action the station's version allows, as given; return the answer payload."""
        await self._check(station_id)
        return await self._gateway.call(station_id, action, payload)

    async def end_interrupted(self) -> int:
        """At start-up: commands a stopped or crashed server never saw answered are not left
        `pending` for ever; they end `unreachable` and say why. Returns how many."""
        async with self._uow() as uow:
            count = await uow.commands.end_pending(
                self._clock.now(),
                "Ampyre stopped before the station answered; the station may still have acted "
                "on the command",
            )
            await uow.commit()
        return count

    async def get(self, command_id: int) -> CommandRecord:
        async with self._uow() as uow:
            record = await uow.commands.get(command_id)
        if record is None:
            raise NotFound(f"no command {command_id}")
        return record

    async def list(
        self,
        station_id: str | None = None,
        name: str | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> list[CommandRecord]:
        async with self._uow() as uow:
            return await uow.commands.list(station_id, name, before, limit)

    async def _limits(self, station_id: str, command: Command) -> MessageLimits:
        """The station's limits for the messages of `command`, as its stored configuration
        says (unknown limits are None: see domain/message_limits.py)."""
        keys = self._gateway.limit_keys(station_id, command)
        if keys is None:
            return NO_LIMITS
        async with self._uow() as uow:
            settings = await uow.configuration.list(station_id)
        wanted = set(keys.names)
        return keys.read({s.key: s.value for s in settings if s.key in wanted})

    async def _check(self, station_id: str) -> None:
        if self._gateway.version(station_id) is not None:
            return
        async with self._uow() as uow:
            station = await uow.stations.get(station_id)
        if station is None:
            raise NotFound(f"no station {station_id!r} is known")
        raise StationNotConnected(f"station {station_id!r} is not connected")

    def _new(self, station_id: str, command: Command) -> CommandRecord:
        params = {
            field.name: _json(getattr(command, field.name))
            for field in dataclasses.fields(command)
            if field.name != REQUEST_ID and not field.metadata.get("assigned")
        }
        return CommandRecord(
            id=0,
            station_id=station_id,
            name=command.name,
            params=params,
            state=CommandState.PENDING,
            created_at=self._clock.now(),
            id_token=command.id_token if isinstance(command, RemoteStart) else None,
            evse_id=command.evse_id if isinstance(command, RemoteStart) else None,
        )

    async def _store(
        self,
        record: CommandRecord,
        command: Command | None = None,
        reply: CommandReply | None = None,
    ) -> None:
        async with self._uow() as uow:
            await uow.commands.save(record)
            if command is not None and reply is not None:
                for effect in self._effects.get(type(command), ()):
                    await effect.apply(uow, record, command, reply)
            await uow.commit()
        self._events.publish(
            Event(
                EventKind.COMMAND_RESULT,
                record.station_id,
                record.answered_at or self._clock.now(),
                {
                    "command_id": record.id,
                    "command": record.name,
                    "state": record.state.value,
                    "status": record.status,
                    "error_code": record.error_code,
                    "error": record.error,
                },
            )
        )


def _json(value: Any) -> Any:
    """A command field as JSON (enums by value, nested values as dicts)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value
