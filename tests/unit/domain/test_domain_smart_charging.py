"""What makes a charging profile invalid in every version, and its JSON round trip."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from ampyre.domain.smart_charging import (
    ChargingProfile,
    ChargingSchedule,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
    Recurrency,
    SchedulePeriod,
    problems,
    profile_document,
    profile_from_document,
)

AT = datetime(2030, 1, 1, tzinfo=UTC)
VALID = ChargingProfile(
    id=1,
    stack_level=0,
    purpose=ProfilePurpose.TX_DEFAULT,
    kind=ProfileKind.ABSOLUTE,
    schedule=ChargingSchedule(
        unit=RateUnit.A,
        periods=(SchedulePeriod(start_s=0, limit=16), SchedulePeriod(start_s=60, limit=8)),
    ),
)
STARTED = dataclasses.replace(VALID.schedule, start=AT)


def periods(*items: tuple[int, float, int | None]) -> ChargingSchedule:
    return dataclasses.replace(
        VALID.schedule,
        periods=tuple(SchedulePeriod(start_s=s, limit=v, phases=p) for s, v, p in items),
    )


@pytest.mark.parametrize(
    ("evse_id", "changes", "expected"),
    [
        (1, {}, []),
        (0, {"purpose": ProfilePurpose.STATION_MAX}, []),
        (1, {"schedule": periods()}, ["a schedule needs at least one period"]),
        (1, {"schedule": periods((5, 1, None))}, ["the first period must start at start_s 0"]),
        (1, {"schedule": periods((0, 1, None), (0, 2, None))}, ["periods must be in increasing"]),
        (1, {"schedule": periods((0, -1, None))}, ["a limit cannot be negative"]),
        (1, {"schedule": periods((0, 1, 4))}, ["phases must be 1, 2 or 3"]),
        (1, {"kind": ProfileKind.RECURRING}, ["needs its recurrency", "needs the schedule's"]),
        (1, {"recurrency": Recurrency.DAILY}, ["recurrency is for Recurring profiles only"]),
        (
            1,
            {
                "kind": ProfileKind.RELATIVE,
                "schedule": dataclasses.replace(VALID.schedule, start=AT),
            },
            ["a Relative profile starts with its session"],
        ),
        (1, {"valid_from": AT, "valid_to": AT}, ["valid_from must be before valid_to"]),
        (0, {"purpose": ProfilePurpose.TX, "transaction_ref": "1"}, ["evse_id must be 1 or more"]),
        (1, {"transaction_ref": "1"}, ["only a TxProfile names a transaction"]),
        (1, {"purpose": ProfilePurpose.STATION_MAX}, ["applies to the whole station"]),
    ],
)
def test_problems(evse_id: int, changes: dict[str, object], expected: list[str]) -> None:
    found = problems(evse_id, dataclasses.replace(VALID, **changes))  # type: ignore[arg-type]
    assert len(found) == len(expected), found
    for problem, start in zip(found, expected, strict=True):
        assert start in problem


def test_the_document_round_trips() -> None:
    full = dataclasses.replace(
        VALID,
        kind=ProfileKind.RECURRING,
        recurrency=Recurrency.WEEKLY,
        valid_from=AT,
        valid_to=AT.replace(year=2031),
        schedule=dataclasses.replace(
            periods((0, 11000, 3), (900, 0, None)),
            unit=RateUnit.W,
            start=AT,
            duration_s=3600,
            min_rate=6.0,
        ),
    )
    assert profile_from_document(profile_document(full)) == full
    assert profile_from_document(profile_document(VALID)) == VALID
