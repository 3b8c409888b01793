"""Timestamps from the wire: a station in leniency may send no zone; OCPP time is UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_or(value: datetime | None, default: datetime) -> datetime:
    return default if value is None else utc(value)
