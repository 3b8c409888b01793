"""UtcDateTime's SQLite binding: the fast path writes and reads what SQLAlchemy's would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeDecorator

from ampyre.persistence.column_types import UtcDateTime

DIALECT = sqlite.dialect()
TYPE = UtcDateTime().dialect_impl(DIALECT)
BIND: Any = TYPE.bind_processor(DIALECT)
RESULT: Any = TYPE.result_processor(DIALECT, None)
# SQLAlchemy's own path: the TypeDecorator's methods around SQLite DATETIME's processors.
GENERAL_BIND: Any = TypeDecorator.bind_processor(TYPE, DIALECT)
GENERAL_RESULT: Any = TypeDecorator.result_processor(TYPE, DIALECT, None)

VALUES = [
    datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC),
    datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2025, 3, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))),
    datetime(2025, 3, 1, 1, 30, 0, 5, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
]


@pytest.mark.parametrize("value", VALUES)
def test_bind_and_read_back_as_sqlalchemy_would(value: datetime) -> None:
    text = BIND(value)
    assert text == GENERAL_BIND(value)
    assert RESULT(text) == GENERAL_RESULT(text) == value
    assert RESULT(text).tzinfo is UTC


@pytest.mark.parametrize("text", ["2025-03-01 12:00:00", "2025-03-01 12:00:00.5", "2025-03-01"])
def test_other_stored_spellings_still_read(text: str) -> None:
    assert RESULT(text) == GENERAL_RESULT(text)


def test_none_and_naive_values() -> None:
    assert BIND(None) is None and RESULT(None) is None
    with pytest.raises(ValueError, match="naive"):
        BIND(datetime(2025, 3, 1))
