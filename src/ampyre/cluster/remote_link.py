"""A station held by a worker, as the primary sees it: a `StationLink` whose calls cross
the channel to the worker, with the same answers and the same errors as a local link."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping
from typing import Any, Protocol

import msgspec

from ampyre.cluster.wire import Answer, Call, Drop, Failure, Message
from ampyre.protocol.json_session import ActionTable
from ampyre.protocol.rpc import CallError
from ampyre.protocol.validation import Relaxation, decoder, relaxed
from ampyre.protocol.versions import ErrorCode, OcppVersion
from ampyre.transports.links import CallRejected, CallTimeout, StationUnreachable

#: what the primary adds to a call's own timeout before it gives up on the worker
GRACE = 5.0


class Sender(Protocol):
    def send(self, message: Message) -> None: ...


class PendingCalls:
    """The calls one worker has not answered yet; all fail when its channel ends."""

    def __init__(self) -> None:
        self._refs = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Answer]] = {}

    def start(self) -> tuple[int, asyncio.Future[Answer]]:
        ref = next(self._refs)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting[ref] = future
        return ref, future

    def forget(self, ref: int) -> None:
        self._waiting.pop(ref, None)

    def settle(self, answer: Answer) -> None:
        future = self._waiting.pop(answer.ref, None)
        if future is not None and not future.done():
            future.set_result(answer)

    def fail_all(self, reason: str) -> None:
        waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            if not future.done():
                future.set_exception(StationUnreachable(reason))


class RemoteLink:
    """Implements `StationLink` for a station connected to another process."""

    def __init__(
        self,
        station_id: str,
        version: OcppVersion,
        channel: Sender,
        pending: PendingCalls,
        tables: Mapping[OcppVersion, ActionTable],
        call_timeout: float,
    ) -> None:
        self.station_id = station_id
        self.version = version
        self.state: Any = None
        self._channel = channel
        self._pending = pending
        self._table = tables[version]
        self._call_timeout = call_timeout

    async def call(self, action: str, payload: Any, timeout: float | None = None) -> Any:
        if action not in self._table.outbound:
            raise ValueError(f"{action} cannot be sent by this side in OCPP {self.version}")
        wait = self._call_timeout if timeout is None else timeout
        ref, future = self._pending.start()
        self._channel.send(
            Call(ref, self.station_id, action, msgspec.json.encode(payload), float(wait))
        )
        try:
            async with asyncio.timeout(wait + GRACE):
                answer = await future
        except TimeoutError:
            raise CallTimeout(
                f"{self.station_id} did not answer {action} within {wait:g} s (its worker "
                "did not answer either)"
            ) from None
        finally:
            self._pending.forget(ref)
        if answer.failure is not None:
            raise _error(answer.failure)
        assert answer.payload is not None
        response = self._table.responses[action]
        try:
            return decoder(response).decode(answer.payload)
        except msgspec.ValidationError:
            # the worker let a constraint breach through (the station's leniency profile)
            return decoder(relaxed(response, None)).decode(answer.payload)

    async def close(self, reason: str) -> None:
        self._channel.send(Drop(self.station_id, reason))

    def relax(self, relaxation: Relaxation) -> None:
        """Validation happens on the worker that holds the connection."""


def _error(failure: Failure) -> Exception:
    if failure.reason == "timeout":
        return CallTimeout(failure.message)
    if failure.reason == "invalid":
        return ValueError(failure.message)
    if failure.reason == "rejected":
        code = None
        if failure.code is not None:
            try:
                code = ErrorCode(failure.code)
            except ValueError:
                code = None
        return CallRejected(
            CallError(
                failure.message_id, code, failure.wire_code, failure.description, failure.details
            )
        )
    return StationUnreachable(failure.message)


def failure_of(exc: Exception) -> Failure:
    """The `Failure` that makes the primary raise what `exc` is (the worker's side)."""
    if isinstance(exc, CallTimeout):
        return Failure("timeout", str(exc))
    if isinstance(exc, CallRejected):
        error = exc.error
        return Failure(
            "rejected",
            str(exc),
            message_id=error.message_id,
            code=None if error.code is None else str(error.code.value),
            wire_code=error.wire_code,
            description=error.description,
            details=error.details,
        )
    if isinstance(exc, ValueError):
        return Failure("invalid", str(exc))
    return Failure("unreachable", str(exc) or type(exc).__name__)
