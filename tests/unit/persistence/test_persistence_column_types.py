"""SQLite bindings of UtcDateTime and JsonDocument: the fast paths write what SQLAlchemy's would."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeDecorator

from ampyre.persistence.column_types import JsonDocument, UtcDateTime

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


JSON_TYPE = JsonDocument().dialect_impl(DIALECT)
JSON_BIND: Any = JSON_TYPE.bind_processor(DIALECT)
JSON_RESULT: Any = JSON_TYPE.result_processor(DIALECT, None)


@pytest.mark.parametrize(
    "document",
    [
        [{"value": "1234.5", "unit": "Wh", "multiplier": 0, "phase": None, "signed": False}],
        {"limit": 16.5, "periods": [{"start": 0, "limit": -0.0}], "big": 10**20},
        {"text": 'é ✓ " \\ \n', "nested": {"empty": {}, "list": []}},
        [],
    ],
)
def test_json_documents_are_stored_as_equivalent_text(document: Any) -> None:
    text = JSON_BIND(document)
    assert json.loads(text) == document == JSON_RESULT(text)
    assert text != json.dumps(document) or document == []  # msgspec's compact spelling


@pytest.mark.parametrize(
    "document",
    [
        {"reading": float("nan")},  # json.dumps writes NaN; msgspec would write null
        [float("inf")],
        {1: "int keys become strings"},
        [(1, 2)],
        {"at": "ok", "tuple": (1,)},
    ],
)
def test_json_documents_that_would_not_read_back_as_given_take_json_dumps(document: Any) -> None:
    assert JSON_BIND(document) == json.dumps(document)


@pytest.mark.parametrize("value", [datetime(2025, 3, 1, tzinfo=UTC), Decimal("1.5"), {1, 2}])
def test_json_values_json_dumps_refuses_are_still_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        JSON_BIND({"value": value})


def test_json_null_and_scalars_take_sqlalchemy_s_path() -> None:
    assert JSON_BIND(None) == json.dumps(None)
    assert JSON_BIND("text") == json.dumps("text")
