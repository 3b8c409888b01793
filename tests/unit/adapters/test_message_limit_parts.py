"""Commands cut to a station's message limits by the codecs: local list updates numbered one
version per message (a full list as Full then Differential), what a reply cut short means,
and GetVariables / SetVariables / GetConfiguration in several messages joined in order."""

from __future__ import annotations

import msgspec
import pytest

from ampyre.adapters import capabilities
from ampyre.adapters.command_codec import call_size
from ampyre.domain.commands import CommandReply
from ampyre.domain.configuration import ChangeConfiguration, GetConfiguration, SettingChange
from ampyre.domain.local_list import LocalListEntry, SendLocalList
from ampyre.domain.message_limits import (
    NO_LIMITS,
    MessageLimits,
    TooLargeForOneMessage,
    TooManyEntries,
)
from ampyre.protocol.versions import OcppVersion

V16, V201 = OcppVersion.V16, OcppVersion.V201


def update(count: int, *, full: bool = True, version: int = 5) -> SendLocalList:
    entries = tuple(LocalListEntry(id_token=f"TOKEN-{n:03}") for n in range(count))
    return SendLocalList(full=full, entries=entries, version=version, size_after=count)


def reply(status: str) -> CommandReply:
    return CommandReply(status=status, details={}, raw={"status": status})


@pytest.mark.parametrize("version", [V16, V201])
def test_a_full_list_goes_as_full_then_differential_numbered_in_turn(version: OcppVersion) -> None:
    command = update(7)
    codec = capabilities.codec(version, command)
    assert codec is not None
    parts = codec.parts(command, MessageLimits(items=3))
    assert [(p.full, len(p.entries), p.version) for p in parts] == [
        (True, 3, 5),
        (False, 3, 6),
        (False, 1, 7),
    ]
    assert [e for p in parts for e in p.entries] == list(command.entries)
    assert codec.parts(command, NO_LIMITS) == [command]
    differential = update(4, full=False)
    assert [(p.full, p.version) for p in codec.parts(differential, MessageLimits(items=3))] == [
        (False, 5),
        (False, 6),
    ]


def test_a_2_0_1_list_is_cut_to_the_bytes_per_message() -> None:
    command = update(10)
    codec = capabilities.codec(V201, command)
    assert codec is not None
    limit = 400
    parts = codec.parts(command, MessageLimits(bytes=limit))
    assert len(parts) > 1
    for part in parts:
        assert call_size("SendLocalList", codec.request(part)) <= limit
    assert [e for p in parts for e in p.entries] == list(command.entries)
    with pytest.raises(TooLargeForOneMessage):
        codec.parts(command, MessageLimits(bytes=100))


def test_more_entries_than_the_station_keeps_is_refused_before_sending() -> None:
    codec = capabilities.codec(V16, update(9))
    assert codec is not None
    with pytest.raises(TooManyEntries, match=r"at most 8 entries.*would hold 9"):
        codec.parts(update(9), MessageLimits(items=3, total=8))
    assert len(codec.parts(update(8), MessageLimits(items=3, total=8))) == 3


@pytest.mark.parametrize("version", [V16, V201])
def test_the_reply_says_how_far_the_station_got(version: OcppVersion) -> None:
    command = update(7)
    codec = capabilities.codec(version, command)
    assert codec is not None
    parts = codec.parts(command, MessageLimits(items=3))

    done = codec.joined(command, parts, [reply("Accepted")] * 3)
    assert done.status == "Accepted"
    assert {k: done.details[k] for k in ("version", "accepted_version", "accepted_entries")} == {
        "version": 7,
        "accepted_version": 7,
        "accepted_entries": 7,
    }
    assert (done.details["messages"], done.details["messages_accepted"]) == (3, 3)
    assert "incomplete" not in done.details

    refused = codec.joined(command, parts, [reply("Accepted"), reply("Failed")])
    assert refused.status == "Failed"
    assert (refused.details["accepted_version"], refused.details["accepted_entries"]) == (5, 3)
    assert "1 of 3 messages (3 of 7 entries)" in refused.details["incomplete"]

    cut_short = codec.joined(command, parts, [reply("Accepted"), reply("Accepted")])
    assert (cut_short.details["accepted_version"], cut_short.details["accepted_entries"]) == (6, 6)
    assert "incomplete" in cut_short.details

    nothing = codec.joined(command, parts[:1], [reply("VersionMismatch")])
    assert nothing.status == "VersionMismatch"
    assert (nothing.details["accepted_version"], nothing.details["accepted_entries"]) == (None, 0)


def test_2_0_1_get_and_set_variables_are_cut_and_joined_in_order() -> None:
    keys = tuple(f"Component{n}/Variable" for n in range(5))
    get = GetConfiguration(keys=keys)
    codec = capabilities.codec(V201, get)
    assert codec is not None
    parts = codec.parts(get, MessageLimits(items=2))
    assert [p.keys for p in parts] == [keys[0:2], keys[2:4], keys[4:5]]
    for part in codec.parts(get, MessageLimits(bytes=250)):
        assert call_size("GetVariables", codec.request(part)) <= 250
    replies = [
        CommandReply(None, {"settings": [{"key": k, "status": "Accepted"} for k in p.keys]}, {})
        for p in parts
    ]
    joined = codec.joined(get, parts, replies)
    assert [s["key"] for s in joined.details["settings"]] == list(keys)
    assert joined.details["messages"] == 3

    change = ChangeConfiguration(changes=tuple(SettingChange(key=k, value="1") for k in keys[:3]))
    codec = capabilities.codec(V201, change)
    assert codec is not None
    parts = codec.parts(change, MessageLimits(items=2))
    assert [len(p.changes) for p in parts] == [2, 1]
    statuses = [["Accepted", "Accepted"], ["Rejected"]]
    replies = [
        CommandReply(
            None,
            {"settings": [{"key": c.key, "status": s} for c, s in zip(p.changes, st, strict=True)]},
            {},
        )
        for p, st in zip(parts, statuses, strict=True)
    ]
    assert codec.joined(change, parts, replies).status == "Partial"
    assert codec.joined(change, parts[:1], replies[:1]) is replies[0]


def test_1_6_get_configuration_names_at_most_get_configuration_max_keys() -> None:
    keys = tuple(f"Key{n}" for n in range(5))
    codec = capabilities.codec(V16, GetConfiguration(keys=keys))
    assert codec is not None
    assert codec.limits is not None and codec.limits.items == "GetConfigurationMaxKeys"
    parts = codec.parts(GetConfiguration(keys=keys), MessageLimits(items=2))
    assert [p.keys for p in parts] == [keys[0:2], keys[2:4], keys[4:5]]
    assert codec.parts(GetConfiguration(), MessageLimits(items=2)) == [GetConfiguration()]
    assert msgspec.to_builtins(codec.request(parts[0])) == {"key": ["Key0", "Key1"]}
