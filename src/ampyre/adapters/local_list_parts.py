"""A local authorization list update as one or several SendLocalList messages (both
versions): cut within the station's message limits, numbered one after the other, and
the replies read back as how far the station got (domain/local_list.py says why)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from ampyre.adapters.command_codec import call_size, encoded_size
from ampyre.domain.commands import CommandReply
from ampyre.domain.local_list import LocalListEntry, SendLocalList
from ampyre.domain.message_limits import MessageLimits, TooManyEntries, split

ACTION = "SendLocalList"
#: what a list field adds to a message without entries: `,"localAuthorizationList":[]`
LIST_FIELD = len(',"localAuthorizationList":[]')


def parts(
    command: SendLocalList,
    limits: MessageLimits,
    request: Callable[[SendLocalList], Any],
    entry: Callable[[LocalListEntry], Any],
) -> list[SendLocalList]:
    """`command` as the messages to send: `request` renders a message, `entry` an entry
    (both as the version's codec does). Raises TooManyEntries when the station cannot
    keep the list the update leaves, TooLargeForOneMessage for an entry too large."""
    if limits.total is not None and (command.size_after or 0) > limits.total:
        raise TooManyEntries(
            f"the station keeps at most {limits.total} entries in its local list; after "
            f"this update it would hold {command.size_after}: nothing was sent"
        )
    if limits.items is None and limits.bytes is None:
        return [command]
    if limits.bytes is None:
        sizes = [0] * len(command.entries)
        fixed = 0
    else:
        sizes = [encoded_size(entry(e)) for e in command.entries]
        empty = dataclasses.replace(command, entries=())
        fixed = call_size(ACTION, request(empty)) + LIST_FIELD
    runs = split(sizes, limits, fixed=fixed)
    return [
        dataclasses.replace(
            command,
            full=command.full and n == 0,
            entries=command.entries[run.start : run.stop],
            version=command.version + n,
        )
        for n, run in enumerate(runs)
    ]


def joined(
    command: SendLocalList, sent: Sequence[SendLocalList], replies: list[CommandReply]
) -> CommandReply:
    """The update's reply: `version` the one the whole update reaches, `accepted_version`
    and `accepted_entries` what the station accepted of it (the first entries, in order;
    None and 0 when nothing), and for an update of several messages how many there were,
    how many the station accepted, and in words what an incomplete list means."""
    accepted = 0
    for reply in replies:
        if reply.status != "Accepted":
            break
        accepted += 1
    done = sent[:accepted]
    last = replies[-1]
    details: dict[str, Any] = {
        **last.details,
        "version": sent[-1].version,
        "accepted_version": done[-1].version if done else None,
        "accepted_entries": sum(len(p.entries) for p in done),
    }
    if len(sent) == 1:
        return CommandReply(status=last.status, details=details, raw=last.raw)
    details["messages"] = len(sent)
    details["messages_accepted"] = accepted
    if 0 < accepted < len(sent):
        details["incomplete"] = (
            f"the station accepted {accepted} of {len(sent)} messages "
            f"({details['accepted_entries']} of {len(command.entries)} entries) and holds "
            f"list version {done[-1].version}, which is not the whole update: send the "
            "list again (a full update) to complete it"
        )
    return CommandReply(
        status="Accepted" if accepted == len(sent) else last.status,
        details=details,
        raw={"answers": [r.raw for r in replies]},
    )
