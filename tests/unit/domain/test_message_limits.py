"""The splitting rules of domain/message_limits.py: runs within items and bytes, in order."""

from __future__ import annotations

import pytest

from ampyre.domain.message_limits import (
    NO_LIMITS,
    LimitKeys,
    MessageLimits,
    TooLargeForOneMessage,
    split,
)


def test_no_limits_is_one_message() -> None:
    assert split([5] * 7, NO_LIMITS) == [range(0, 7)]


def test_no_entries_is_one_empty_message() -> None:
    assert split([], MessageLimits(items=3, bytes=10)) == [range(0, 0)]


def test_items_cut_into_full_runs_and_the_rest() -> None:
    assert split([1] * 7, MessageLimits(items=3)) == [range(0, 3), range(3, 6), range(6, 7)]
    assert split([1] * 6, MessageLimits(items=3)) == [range(0, 3), range(3, 6)]
    assert split([1] * 2, MessageLimits(items=3)) == [range(0, 2)]


def test_bytes_count_the_message_around_and_one_separator_between_entries() -> None:
    # fixed 10 + 10 + 1 + 10 = 31 fits 31; a third entry would make 42
    limits = MessageLimits(bytes=31)
    assert split([10] * 5, limits, fixed=10) == [range(0, 2), range(2, 4), range(4, 5)]
    # one byte less: one entry per message
    assert split([10] * 3, MessageLimits(bytes=30), fixed=10) == [
        range(0, 1),
        range(1, 2),
        range(2, 3),
    ]


def test_the_tighter_of_items_and_bytes_wins_and_sizes_may_differ() -> None:
    limits = MessageLimits(items=2, bytes=100)
    # items end the first run; 5 + 10 + 1 + 80 = 96 fits the second; 96 + 1 + 10 does not
    assert split([10, 10, 10, 80, 10], limits, fixed=5) == [
        range(0, 2),
        range(2, 4),
        range(4, 5),
    ]


def test_an_entry_too_large_for_any_message_is_refused() -> None:
    with pytest.raises(TooLargeForOneMessage, match="at most 50 bytes"):
        split([10, 60], MessageLimits(bytes=50), fixed=0)


def test_every_run_respects_the_limits_and_keeps_the_order() -> None:
    sizes = [(n * 37) % 50 + 1 for n in range(200)]
    limits = MessageLimits(items=7, bytes=150)
    runs = split(sizes, limits, fixed=20)
    assert [i for run in runs for i in run] == list(range(200))
    for run in runs:
        assert 1 <= len(run) <= 7
        assert 20 + sum(sizes[i] for i in run) + len(run) - 1 <= 150


def test_limit_keys_read_whole_positive_numbers_only() -> None:
    keys = LimitKeys(items="Items", bytes="Bytes", total="Total")
    assert keys.names == ("Items", "Bytes", "Total")
    assert keys.read({"Items": "3", "Bytes": " 400 ", "Total": "1000"}) == MessageLimits(
        items=3, bytes=400, total=1000
    )
    assert keys.read({"Items": "0", "Bytes": "-1", "Total": "many"}) == NO_LIMITS
    assert keys.read({}) == NO_LIMITS
    assert LimitKeys(items="Items").read({"Items": "2", "Bytes": "9"}) == MessageLimits(items=2)
