"""The id token CSV format: every row checked, errors by line number, nothing half-read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ampyre.domain.authorization import AuthorizationStatus, IdTokenRecord
from ampyre.domain.errors import InvalidInput
from ampyre.services.id_tokens import MAX_IMPORT_ROWS, parse_csv


def test_columns_in_any_order_with_defaults_and_times() -> None:
    text = "group_id,expiry,value\ng,2030-01-01T00:00:00+02:00,A\n,2030-01-01 08:00,B\n,,C\n"
    assert parse_csv(text) == [
        IdTokenRecord(
            "A", expiry=datetime(2030, 1, 1, tzinfo=timezone(timedelta(hours=2))), group_id="g"
        ),
        IdTokenRecord("B", expiry=datetime(2030, 1, 1, 8, tzinfo=UTC)),
        IdTokenRecord("C", status=AuthorizationStatus.ACCEPTED),
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "header"),
        ("value,value\nA,B\n", "each once"),
        ("value,colour\nA,red\n", "colour"),
        ("type\nISO14443\n", "needs `value`"),
        ("value\n\n\n", "no rows"),
        ("value\n" + "A\n" * (MAX_IMPORT_ROWS + 1), "at most"),
    ],
)
def test_files_that_cannot_be_read_say_why(text: str, words: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_csv(text)
    assert words in str(refused.value)


def test_every_bad_row_is_reported_by_line() -> None:
    text = "value,status,expiry\nOK,,\n,Accepted,\nX,Nope,soon\nOK,,\n"
    with pytest.raises(InvalidInput) as refused:
        parse_csv(text)
    assert [(e["row"], e["field"]) for e in refused.value.errors] == [
        (3, "value"),
        (4, "status"),
        (4, "expiry"),
        (5, "value"),
    ]
    assert "rows 3, 4, 5" in str(refused.value)
