"""get-configuration and change-configuration in OCPP 1.x: GetConfiguration and one
ChangeConfiguration per key (1.x changes one key per message).

Replies in neutral shape: `details["settings"]` lists `{key, status, value, readonly}`;
a key the station does not know has status "UnknownKey".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from ampyre.adapters.command_codec import Codecs, CommandCodec, joined_settings, raw, refuse
from ampyre.domain.commands import CommandReply
from ampyre.domain.configuration import ChangeConfiguration, GetConfiguration, overall
from ampyre.domain.message_limits import LimitKeys, MessageLimits, split
from ampyre.messages.v16 import types as m

KEY_LENGTH = 50
VALUE_LENGTH = 500


def _key(key: str) -> str:
    if len(key) > KEY_LENGTH:
        raise refuse(f"OCPP 1.x configuration keys have at most {KEY_LENGTH} characters: {key!r}")
    return key


def _get(command: GetConfiguration) -> m.GetConfigurationRequest:
    return m.GetConfigurationRequest(key=[_key(k) for k in command.keys] or None)


def _get_reply(command: GetConfiguration, answer: Any) -> CommandReply:
    settings: list[dict[str, Any]] = [
        {"key": kv.key, "status": "Accepted", "value": kv.value, "readonly": kv.readonly}
        for kv in answer.configurationKey or ()
    ]
    settings += [{"key": key, "status": "UnknownKey"} for key in answer.unknownKey or ()]
    return CommandReply(status=None, details={"settings": settings}, raw=raw(answer))


def _change(command: ChangeConfiguration) -> m.ChangeConfigurationRequest:
    [change] = command.changes
    if len(change.value) > VALUE_LENGTH:
        raise refuse(f"OCPP 1.x configuration values have at most {VALUE_LENGTH} characters")
    return m.ChangeConfigurationRequest(key=_key(change.key), value=change.value)


def _split(command: ChangeConfiguration, limits: MessageLimits) -> list[ChangeConfiguration]:
    return [dataclasses.replace(command, changes=(change,)) for change in command.changes]


def _change_reply(command: ChangeConfiguration, answer: Any) -> CommandReply:
    [change] = command.changes
    status = str(answer.status)
    setting = {"key": change.key, "status": status, "value": change.value}
    return CommandReply(status=status, details={"settings": [setting]}, raw=raw(answer))


def _join(
    command: ChangeConfiguration, parts: Sequence[ChangeConfiguration], replies: list[CommandReply]
) -> CommandReply:
    if len(replies) == 1:
        return replies[0]
    return CommandReply(
        status=overall([r.status or "" for r in replies]),
        details={"settings": [s for r in replies for s in r.details["settings"]]},
        raw={"answers": [r.raw for r in replies]},
    )


#: where a station reports how many keys one GetConfiguration may name
GET_LIMITS = LimitKeys(items="GetConfigurationMaxKeys")


def _get_parts(command: GetConfiguration, limits: MessageLimits) -> list[GetConfiguration]:
    """As many GetConfiguration as GetConfigurationMaxKeys asks, keys in order (asking
    for every key, with none named, is one message)."""
    runs = split([0] * len(command.keys), MessageLimits(items=limits.items))
    return [dataclasses.replace(command, keys=command.keys[r.start : r.stop]) for r in runs]


def _get_join(
    command: GetConfiguration, parts: Sequence[GetConfiguration], replies: list[CommandReply]
) -> CommandReply:
    return joined_settings(replies, by_status=False)


CODECS: Codecs = {
    GetConfiguration: CommandCodec(
        "GetConfiguration", _get, _get_reply, split=_get_parts, join=_get_join, limits=GET_LIMITS
    ),
    ChangeConfiguration: CommandCodec(
        "ChangeConfiguration", _change, _change_reply, split=_split, join=_join
    ),
}
