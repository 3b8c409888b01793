"""Column types that behave the same on SQLite and PostgreSQL.

Datetimes go in and come out timezone-aware UTC on both backends: PostgreSQL stores
`timestamptz`; SQLite has no time zones, so UTC is stored without an offset and the
offset is put back on the way out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Integer, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

# SQLite only numbers rows by itself for a column typed exactly INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")
"""Surrogate primary keys: BIGINT on PostgreSQL, the rowid alias on SQLite."""


#: length of SQLite DATETIME's text, "YYYY-MM-DD HH:MM:SS.ffffff"
_SQLITE_TEXT = 26
_SQLITE_FORMAT = "%04d-%02d-%02d %02d:%02d:%02d.%06d"


def _same_text(general: Callable[[Any], Any], fast: Callable[[Any], Any]) -> bool:
    """The fast SQLite binding writes what SQLAlchemy's would (checked once per dialect)."""
    samples = (datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC), datetime(1, 1, 1, 0, 0, 0, 1, UTC))
    return all(general(sample) == fast(sample) for sample in samples)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime. Naive datetimes are refused: they are a caller's bug."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: persistence needs timezone-aware values")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    # SQLite: the same text both ways, in a third of the time. Every frame of the message
    # log and most statements of a session bind a datetime; the general path (this class's
    # methods above, then SQLite DATETIME's %-formatting of a dict) was ~6 % of the loop.

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        general = super().bind_processor(dialect)
        if dialect.name != "sqlite" or general is None:
            return general

        def process(value: datetime | None) -> Any:
            if value is None or value.tzinfo is not UTC:
                return general(value)  # naive values refused, other offsets converted
            # %-formatting the fields: ~35 % fewer instructions than isoformat() and a slice
            return _SQLITE_FORMAT % (
                value.year,
                value.month,
                value.day,
                value.hour,
                value.minute,
                value.second,
                value.microsecond,
            )

        return process if _same_text(general, process) else general

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or general is None:
            return general
        parse = datetime.fromisoformat

        def process(value: Any) -> datetime | None:
            if type(value) is str and len(value) == _SQLITE_TEXT:
                try:
                    return parse(value + "+00:00")
                except ValueError:
                    pass
            result: datetime | None = general(value)
            return result

        return process


class JsonDocument(TypeDecorator[Any]):
    """A JSON document: JSONB on PostgreSQL, JSON text on SQLite."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())

    # SQLite: msgspec writes the text (~10x faster than json.dumps, 5-6 us for a
    # MeterValues's samples). Only a document that reads back exactly as given takes it:
    # NaN, dates, Decimals, tuples, non-str keys go to json.dumps as before (its spelling
    # or its error). The text differs in spacing and in UTF-8 for \u escapes, equivalent.

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        general = super().bind_processor(dialect)
        if dialect.name != "sqlite" or general is None:
            return general
        encode, decode = msgspec.json.encode, msgspec.json.decode

        def process(value: Any) -> Any:
            if type(value) is dict or type(value) is list:
                try:
                    text = encode(value)
                except (TypeError, msgspec.EncodeError):
                    return general(value)
                if decode(text) == value:
                    return text.decode()
            return general(value)

        return process
