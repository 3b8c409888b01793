"""Per-connection OCPP-J state: frames in → events out; values in → frames to send.

The same session serves the CSMS and the simulated charge point: `ActionTable` says which
actions the peer may call and which we may call. Nothing here blocks, sleeps or reads a clock.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from ampyre.protocol import json_framing as framing
from ampyre.protocol.errors import (
    FormatViolation,
    InternalError,
    NotImplementedAction,
    NotSupported,
    OcppError,
)
from ampyre.protocol.rpc import CallError, PendingCall, PendingCalls
from ampyre.protocol.validation import STRICT, Relaxation, classify, decoder, error_field, relaxed
from ampyre.protocol.versions import ErrorCode, OcppVersion


@dataclasses.dataclass(frozen=True, slots=True)
class ActionTable:
    """The message types of one version, and who may call which action."""

    version: OcppVersion
    requests: Mapping[str, type[Any]]
    responses: Mapping[str, type[Any]]
    #: actions the peer may call on us
    inbound: frozenset[str]
    #: actions we may call on the peer
    outbound: frozenset[str]


# --- events -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class CallReceived:
    message_id: str
    action: str
    payload: Any
    #: the constraint breaches let through by leniency (empty when strict)
    relaxed: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class ResultReceived:
    message_id: str
    action: str
    payload: Any
    relaxed: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class ErrorReceived:
    message_id: str
    action: str
    error: CallError


@dataclasses.dataclass(frozen=True, slots=True)
class InvalidResult:
    """The peer answered our CALL with a payload its schema does not allow."""

    message_id: str
    action: str
    error: OcppError


@dataclasses.dataclass(frozen=True, slots=True)
class Reply:
    """The peer sent something we cannot take: send `frame` (a CALLERROR) back."""

    frame: bytes
    error: OcppError
    action: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Dropped:
    """An answer nobody waits for (late, unknown or malformed): log it, do nothing else."""

    reason: str


Event = CallReceived | ResultReceived | ErrorReceived | InvalidResult | Reply | Dropped


class JsonSession:
    """One OCPP-J connection, from either side."""

    def __init__(
        self,
        table: ActionTable,
        *,
        max_frame_bytes: int = 65536,
        relaxation: Relaxation = STRICT,
        id_factory: Callable[[], str] | None = None,
    ) -> None:
        self.table = table
        self.version = table.version
        self.max_frame_bytes = max_frame_bytes
        self.relaxation = relaxation
        counter = itertools.count(1)
        self._new_id = id_factory or (lambda: str(next(counter)))
        self._pending = PendingCalls()

    # --- receiving ----------------------------------------------------------------------------

    def receive(self, data: str | bytes) -> Event:
        frame = framing.parse(data, self.max_frame_bytes)
        if isinstance(frame, framing.CallFrame):
            return self._receive_call(frame)
        if isinstance(frame, framing.CallResultFrame):
            return self._receive_result(frame)
        if isinstance(frame, framing.CallErrorFrame):
            return self._receive_error(frame)
        if not frame.answerable:
            return Dropped(f"malformed answer: {frame.error.description}")
        return Reply(framing.encode_error(frame.message_id, frame.error, self.version), frame.error)

    def _receive_call(self, frame: framing.CallFrame) -> Event:
        request_type = self.table.requests.get(frame.action)
        if request_type is None:
            return self._reply(
                frame, NotImplementedAction(f"{frame.action} is not an OCPP {self.version} action")
            )
        if frame.action not in self.table.inbound:
            return self._reply(
                frame, NotSupported(f"{frame.action} is not sent by this side of the connection")
            )
        payload = self._decode(frame.action, request_type, frame.payload)
        if isinstance(payload, OcppError):
            return self._reply(frame, payload)
        value, relaxed_notes = payload
        return CallReceived(frame.message_id, frame.action, value, relaxed_notes)

    def _receive_result(self, frame: framing.CallResultFrame) -> Event:
        pending = self._pending.resolve(frame.message_id)
        if pending is None:
            return Dropped(f"CALLRESULT {frame.message_id} answers no pending CALL (late/unknown)")
        payload = self._decode(pending.action, self.table.responses[pending.action], frame.payload)
        if isinstance(payload, OcppError):
            return InvalidResult(frame.message_id, pending.action, payload)
        value, relaxed_notes = payload
        return ResultReceived(frame.message_id, pending.action, value, relaxed_notes)

    def _receive_error(self, frame: framing.CallErrorFrame) -> Event:
        pending = self._pending.resolve(frame.message_id)
        if pending is None:
            return Dropped(f"CALLERROR {frame.message_id} answers no pending CALL (late/unknown)")
        details = frame.details if isinstance(frame.details, dict) else {}
        error = CallError(
            frame.message_id, ErrorCode.parse(frame.code), frame.code, frame.description, details
        )
        return ErrorReceived(frame.message_id, pending.action, error)

    def _decode(
        self, action: str, cls: type[Any], raw: msgspec.Raw
    ) -> tuple[Any, tuple[str, ...]] | OcppError:
        try:
            return decoder(cls).decode(raw), ()
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            strict_error = exc
        except RecursionError:
            return FormatViolation("payload is nested too deeply")
        relax = self.relaxation
        if not relax or not isinstance(strict_error, msgspec.ValidationError):
            return classify(strict_error)
        if action in relax.actions:
            fields: frozenset[str] | None = None
        elif error_field(strict_error) in relax.fields:
            fields = relax.fields
        else:
            return classify(strict_error)
        try:
            value = decoder(relaxed(cls, fields)).decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            return classify(exc)
        return value, (f"{action}: {strict_error}",)

    def _reply(self, frame: framing.CallFrame, error: OcppError) -> Reply:
        return Reply(
            framing.encode_error(frame.message_id, error, self.version), error, frame.action
        )

    # --- sending ------------------------------------------------------------------------------

    def answer(self, message_id: str, action: str, payload: Any) -> bytes:
        """The CALLRESULT for a CALL we received; the payload is validated before it leaves.

        A payload its schema rejects is our bug: the peer gets an InternalError instead.
        """
        encoded = msgspec.json.encode(payload)
        try:
            decoder(self.table.responses[action]).decode(encoded)
        except msgspec.ValidationError as exc:
            return framing.encode_error(
                message_id,
                InternalError(f"CSMS produced an invalid {action} answer: {exc}"),
                self.version,
            )
        return framing.encode_result(message_id, msgspec.Raw(encoded))

    def answer_error(self, message_id: str, error: OcppError) -> bytes:
        return framing.encode_error(message_id, error, self.version)

    def call(self, action: str, payload: Any, deadline: float) -> tuple[PendingCall, bytes]:
        """Start a CALL. Raises ValueError for an invalid payload or an action we may not send,
        and CallInFlight while an earlier CALL waits for its answer (one in flight).
        """
        if action not in self.table.outbound:
            raise ValueError(f"{action} cannot be sent by this side in OCPP {self.version}")
        encoded = msgspec.json.encode(payload)
        try:
            decoder(self.table.requests[action]).decode(encoded)
        except msgspec.ValidationError as exc:
            raise ValueError(f"invalid {action} payload: {exc}") from exc
        pending = self._pending.start(self._new_id(), action, deadline)
        return pending, framing.encode_call(pending.message_id, action, msgspec.Raw(encoded))

    @property
    def pending(self) -> PendingCall | None:
        return self._pending.current

    def expire(self, now: float) -> PendingCall | None:
        """The CALL that timed out at `now`, if any; its late answer will be dropped."""
        return self._pending.expire(now)
