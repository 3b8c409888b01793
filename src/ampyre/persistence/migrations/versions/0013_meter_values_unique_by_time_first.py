"""Meter values: the unique key that makes them idempotent starts with the timestamp.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

The key (station_id, evse_id, timestamp, digest) put each station's readings in leaves of
their own, so a group commit of ~20 MeterValues from ~20 stations wrote ~20 leaves of it
(4 KB each, to the WAL, then again at the checkpoint): 54 % of the WAL pages of the 1.6
bench mix came from this one index. Live readings carry the time they were taken, so with
the timestamp first they all land at the right edge of the index, a few leaves per commit.
The same four columns stay unique (a repeated reading is still stored once; ON CONFLICT
names the columns, not their order); only their order in the index changes. Nothing looks
meter values up by station: a session's are read through (transaction_id, timestamp).

On SQLite a table's UNIQUE constraint cannot be altered, so the table is rebuilt (its rows
copied once: 6 s for a million readings here); PostgreSQL drops the constraint
and adds the new one.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = (
    "uq_meter_values_station_id_evse_id_timestamp_digest",
    ["station_id", "evse_id", "timestamp", "digest"],
)
_NEW = (
    "uq_meter_values_timestamp_station_id_evse_id_digest",
    ["timestamp", "station_id", "evse_id", "digest"],
)


def _swap(drop: tuple[str, list[str]], create: tuple[str, list[str]]) -> None:
    with op.batch_alter_table("meter_values") as table:
        table.drop_constraint(drop[0], type_="unique")
        table.create_unique_constraint(create[0], create[1])


def upgrade() -> None:
    _swap(_OLD, _NEW)


def downgrade() -> None:
    _swap(_NEW, _OLD)
