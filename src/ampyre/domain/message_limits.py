"""A station's message limits: how much one message of a kind may carry, and how the
entries of a larger command are cut into messages that respect them.

Stations say what they accept in their configuration: OCPP 1.6 in keys (a SendLocalList
carries at most `SendLocalListMaxLength` entries, the list holds at most
`LocalAuthListMaxLength`), 2.0.1 in device-model variables (`LocalAuthListCtrlr/
ItemsPerMessage` and `BytesPerMessage`, `DeviceDataCtrlr/ItemsPerMessage(GetVariables)`,
...). Which keys name the limits of a command is the adapters' knowledge (`LimitKeys`, one
per codec); the values are what the station last reported (stored configuration).

A limit the station never reported is unknown (None) and does not cut anything: the
command goes as one message, as before limits were known, and a station that finds it too
large refuses it (Failed, or a CALLERROR) where the operator sees it. A guessed default
would be wrong both ways: larger than the station's limit, it protects nothing; smaller,
it cuts a full local list into more numbered messages than needed, each a moment where
the station holds an incomplete list. Reading the station's configuration (get-configuration
of the keys, or a 2.0.1 base report) teaches the central system the real limits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from ampyre.domain.commands import CommandNotSupported


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MessageLimits:
    """What one message of a kind may carry on a station (None: not known, no limit).

    `items`: entries per message; `bytes`: size of the whole message as sent; `total`:
    entries the station keeps at most (its local authorization list, for instance)."""

    items: int | None = None
    bytes: int | None = None
    total: int | None = None


#: a station that reported nothing: one message, whatever its size
NO_LIMITS = MessageLimits()


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LimitKeys:
    """The configuration keys (as stored: domain/configuration.py notation) under which a
    station reports the limits of one kind of message; None where its version has none."""

    items: str | None = None
    bytes: str | None = None
    total: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k for k in (self.items, self.bytes, self.total) if k is not None)

    def read(self, settings: Mapping[str, str | None]) -> MessageLimits:
        """The limits as `settings` (key → stored value) give them; a value missing, not a
        whole number or below 1 is unknown."""
        return MessageLimits(
            items=_positive(settings, self.items),
            bytes=_positive(settings, self.bytes),
            total=_positive(settings, self.total),
        )


def _positive(settings: Mapping[str, str | None], key: str | None) -> int | None:
    value = None if key is None else settings.get(key)
    if value is None or not value.strip().isdigit():
        return None
    number = int(value)
    return number if number > 0 else None


class TooLargeForOneMessage(CommandNotSupported):
    """One entry alone (with the message around it) exceeds the station's message size;
    nothing was sent."""


class TooManyEntries(CommandNotSupported):
    """The station cannot keep that many entries (its `total` limit); nothing was sent."""


def split(sizes: Sequence[int], limits: MessageLimits, *, fixed: int = 0) -> list[range]:
    """Cut entries into consecutive runs, each sent as one message within `limits`.

    `sizes[i]` is the size of entry i as encoded in the message, `fixed` the size of the
    message carrying no entry; entries are separated by one byte (a JSON comma). Every run
    is as long as the limits allow (greedy, in order); no entries give one empty run.
    Raises TooLargeForOneMessage when one entry cannot fit a message by itself.
    """
    if not sizes:
        return [range(0, 0)]
    runs: list[range] = []
    start, used = 0, fixed
    for index, size in enumerate(sizes):
        if limits.bytes is not None and fixed + size > limits.bytes:
            raise TooLargeForOneMessage(
                f"entry {index + 1} alone makes a message of {fixed + size} bytes; the "
                f"station takes messages of at most {limits.bytes} bytes"
            )
        count = index - start
        separator = 1 if count else 0
        full = limits.items is not None and count >= limits.items
        too_big = limits.bytes is not None and used + separator + size > limits.bytes
        if count and (full or too_big):
            runs.append(range(start, index))
            start, used, separator = index, fixed, 0
        used += separator + size
    runs.append(range(start, len(sizes)))
    return runs
