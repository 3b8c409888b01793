"""How one version renders a command and reads the station's reply (one codec per command)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import msgspec

from ampyre.domain.commands import Command, CommandNotSupported, CommandReply
from ampyre.domain.configuration import overall
from ampyre.domain.message_limits import LimitKeys, MessageLimits

C = TypeVar("C", bound=Command)


@dataclasses.dataclass(frozen=True, slots=True)
class CommandCodec(Generic[C]):
    """`request` builds the payload of `action` (raising CommandNotSupported for parameters
    the version cannot express); `reply` reads the answer (default: its `status`);
    `instead` picks another codec for some parameters (e.g. another action); `split` cuts
    a command the version sends as several messages (1.x changes one key per message; a
    list longer than the station's message limits) into parts sent one after the other,
    whose replies `join` puts back together (given the parts planned and the replies to
    the first ones). `limits` names the configuration keys of the station's limits for
    this message (domain/message_limits.py); `until_refused`: a part the station does not
    accept ends the command (the later parts build on it)."""

    action: str
    request: Callable[[C], Any]
    reply: Callable[[C, Any], CommandReply] | None = None
    instead: Callable[[C], CommandCodec[C] | None] | None = None
    split: Callable[[C, MessageLimits], Sequence[C]] | None = None
    join: Callable[[C, Sequence[C], list[CommandReply]], CommandReply] | None = None
    limits: LimitKeys | None = None
    until_refused: bool = False

    def parts(self, command: C, limits: MessageLimits) -> Sequence[C]:
        return [command] if self.split is None else self.split(command, limits)

    def joined(self, command: C, parts: Sequence[C], replies: list[CommandReply]) -> CommandReply:
        if self.join is None:
            [reply] = replies
            return reply
        return self.join(command, parts, replies)

    def choose(self, command: C) -> CommandCodec[C]:
        other = self.instead(command) if self.instead is not None else None
        return self if other is None else other

    def decode(self, command: C, answer: Any) -> CommandReply:
        if self.reply is not None:
            return self.reply(command, answer)
        return status_reply(answer)


def encoded_size(value: Any) -> int:
    """Bytes of `value` as OCPP-J JSON."""
    return len(msgspec.json.encode(value))


def call_size(action: str, payload: Any) -> int:
    """Bytes of the CALL carrying `payload`, with the longest message id OCPP-J allows (36)."""
    return len(f'[2,"{"x" * 36}","{action}",]') + encoded_size(payload)


def joined_settings(replies: list[CommandReply], *, by_status: bool) -> CommandReply:
    """The replies to a get- or change-configuration sent as several messages, as one:
    their settings in order (and, `by_status`, the status they have in common, or
    Partial); `messages` says how many there were."""
    if len(replies) == 1:
        return replies[0]
    settings = [s for r in replies for s in r.details["settings"]]
    return CommandReply(
        status=overall([s["status"] for s in settings]) if by_status else None,
        details={"settings": settings, "messages": len(replies)},
        raw={"answers": [r.raw for r in replies]},
    )


def raw(answer: Any) -> dict[str, Any]:
    value = msgspec.to_builtins(answer)
    return value if isinstance(value, dict) else {"value": value}


def status_reply(answer: Any, **details: Any) -> CommandReply:
    """A reply whose meaning is its `status` (and, in 2.0.1, its `statusInfo`)."""
    status = getattr(answer, "status", None)
    info = getattr(answer, "statusInfo", None)
    if info is not None:
        details["reason"] = info.reasonCode
        if info.additionalInfo is not None:
            details["reason_info"] = info.additionalInfo
    return CommandReply(
        status=None if status is None else str(status),
        details={k: v for k, v in details.items() if v is not None},
        raw=raw(answer),
    )


def refuse(message: str) -> CommandNotSupported:
    return CommandNotSupported(message)


Codecs = dict[type[Command], CommandCodec[Any]]
