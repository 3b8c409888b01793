"""Test-data builders for the persistence tests (defaults plus overrides)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from ampyre.domain.metering import MeterValue, SampledValue
from ampyre.domain.transactions import Transaction, TransactionState

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def transaction(station_id: str = "CS1", ref: str = "tx-1", **overrides: Any) -> Transaction:
    base = Transaction(
        id=0,
        station_id=station_id,
        ref=ref,
        evse_id=1,
        connector_id=1,
        state=TransactionState.ACTIVE,
        started_at=T0,
    )
    return dataclasses.replace(base, **overrides)


def meter_value(seconds: float, wh: float, *more: SampledValue) -> MeterValue:
    return MeterValue(
        timestamp=at(seconds), samples=(SampledValue(value=str(wh), unit="Wh"), *more)
    )
