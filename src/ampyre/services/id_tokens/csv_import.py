"""The bulk import format of id tokens: CSV with a header row, every row checked first.

Columns (the header names them, in any order; only `value` is required):
`value`, `type` (an OCPP 2.0.1 IdTokenEnumType, empty for a 1.x idTag), `status` (Accepted,
Blocked, Expired, Invalid; empty: Accepted), `expiry` (ISO 8601; no offset means UTC; empty:
none), `group_id`. Row numbers count lines of the file: the header is row 1.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime

from ampyre.domain.authorization import (
    ID_TOKEN_PATTERN,
    ID_TOKEN_TYPES,
    MAX_ID_TOKEN_LENGTH,
    STORED_STATUSES,
    AuthorizationStatus,
    IdTokenRecord,
)
from ampyre.domain.errors import InvalidInput

IMPORT_COLUMNS = ("value", "type", "status", "expiry", "group_id")
MAX_IMPORT_ROWS = 10_000
#: errors reported at most (a wholly wrong file would otherwise answer with thousands)
MAX_ERRORS = 100
_VALUE = re.compile(ID_TOKEN_PATTERN)
_STATUSES = {status.value: status for status in STORED_STATUSES}


def parse_csv(text: str) -> list[IdTokenRecord]:
    """Every row as a record, or `InvalidInput` listing each bad row (`row`, `field`, `message`)."""
    lines = text.removeprefix("\ufeff").splitlines()
    if not lines or not lines[0].strip():
        raise InvalidInput(
            f"the CSV needs a header row naming its columns (of {', '.join(IMPORT_COLUMNS)})"
        )
    try:
        rows = list(csv.reader(lines, strict=True))
    except csv.Error as error:
        raise InvalidInput(f"the file is not valid CSV: {error}") from None
    header = [name.strip() for name in rows[0]]
    unknown = [name for name in header if name not in IMPORT_COLUMNS]
    if unknown or "value" not in header or len(set(header)) != len(header):
        raise InvalidInput(
            f"the header names columns {header}; it needs `value` and may name "
            f"{', '.join(IMPORT_COLUMNS[1:])}, each once"
        )
    if len(rows) - 1 > MAX_IMPORT_ROWS:
        raise InvalidInput(f"the file has {len(rows) - 1} rows; at most {MAX_IMPORT_ROWS} a time")
    records: list[IdTokenRecord] = []
    errors: list[dict[str, object]] = []
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines are allowed
        if len(row) != len(header):
            errors.append(
                {"row": number, "field": None, "message": f"{len(row)} cells, not {len(header)}"}
            )
            continue
        cells = dict(zip(header, row, strict=True))
        record, problems = _record(cells)
        for field, message in problems:
            errors.append({"row": number, "field": field, "message": message})
        if record is None:
            continue
        if record.value in first_row:
            errors.append(
                {
                    "row": number,
                    "field": "value",
                    "message": f"{record.value!r} is on row {first_row[record.value]} already",
                }
            )
            continue
        first_row[record.value] = number
        records.append(record)
    if errors:
        shown = errors[:MAX_ERRORS]
        rows_wrong = sorted({int(str(e["row"])) for e in errors})
        raise InvalidInput(
            f"{len(rows_wrong)} rows are not valid (rows {_ranges(rows_wrong)}); nothing was "
            "imported",
            shown,
        )
    if not records:
        raise InvalidInput("the file has no rows to import")
    return records


def _record(cells: dict[str, str]) -> tuple[IdTokenRecord | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    value = cells["value"]
    if not value:
        problems.append(("value", "is empty"))
    elif len(value) > MAX_ID_TOKEN_LENGTH:
        problems.append(("value", f"has {len(value)} characters; at most {MAX_ID_TOKEN_LENGTH}"))
    elif not _VALUE.match(value):
        problems.append(("value", "may only use printable ASCII without spaces and '/'"))
    token_type = cells.get("type", "").strip() or None
    if token_type is not None and token_type not in ID_TOKEN_TYPES:
        problems.append(("type", f"{token_type!r} is not one of {', '.join(ID_TOKEN_TYPES)}"))
    status_text = cells.get("status", "").strip()
    status = _STATUSES.get(status_text or AuthorizationStatus.ACCEPTED.value)
    if status is None:
        problems.append(("status", f"{status_text!r} is not one of {', '.join(_STATUSES)}"))
    expiry_text = cells.get("expiry", "").strip()
    expiry: datetime | None = None
    if expiry_text:
        try:
            expiry = datetime.fromisoformat(expiry_text)
        except ValueError:
            problems.append(("expiry", f"{expiry_text!r} is not an ISO 8601 date and time"))
        else:
            if expiry.tzinfo is None:
                expiry = expiry.replace(tzinfo=UTC)
    group_id = cells.get("group_id", "").strip() or None
    if group_id is not None and len(group_id) > MAX_ID_TOKEN_LENGTH:
        problems.append(("group_id", f"has {len(group_id)} characters; at most 255"))
    if problems or status is None:
        return None, problems
    return IdTokenRecord(value, token_type, status, expiry, group_id), []


def _ranges(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")
