"""How one version renders a command and reads the station's reply (one codec per command)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import msgspec

from ampyre.domain.commands import Command, CommandNotSupported, CommandReply

C = TypeVar("C", bound=Command)


@dataclasses.dataclass(frozen=True, slots=True)
class CommandCodec(Generic[C]):
    """`request` builds the payload of `action` (raising CommandNotSupported for parameters
    the version cannot express); `reply` reads the answer (default: its `status`);
    `instead` picks another codec for some parameters (e.g. another action); `split` cuts
    a command the version sends as several messages (1.x changes one key per message) into
    parts sent one after the other, whose replies `join` puts back together."""

    action: str
    request: Callable[[C], Any]
    reply: Callable[[C, Any], CommandReply] | None = None
    instead: Callable[[C], CommandCodec[C] | None] | None = None
    split: Callable[[C], Sequence[C]] | None = None
    join: Callable[[C, list[CommandReply]], CommandReply] | None = None

    def parts(self, command: C) -> Sequence[C]:
        return [command] if self.split is None else self.split(command)

    def joined(self, command: C, replies: list[CommandReply]) -> CommandReply:
        if self.join is None:
            [reply] = replies
            return reply
        return self.join(command, replies)

    def choose(self, command: C) -> CommandCodec[C]:
        other = self.instead(command) if self.instead is not None else None
        return self if other is None else other

    def decode(self, command: C, answer: Any) -> CommandReply:
        if self.reply is not None:
            return self.reply(command, answer)
        return status_reply(answer)


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
