"""SQLite: the message log's station index as a table written in large batches.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25

Each flush of the message log (up to 500 frames) inserted into the (station_id, id) index
at one place per station in it, so a flush of 100 stations' frames wrote 100 of its leaves,
and the next checkpoint wrote them again: 40 % of the bytes a message costs, 28-30 % of
the server's CPU per message (docs/performance.md, session 8). On SQLite the index becomes
`message_log_stations`, filled by one sorted INSERT ... SELECT every ~20,000 frames;
`message_log_indexed.up_to` says how far. PostgreSQL keeps the plain index: ids of several
workers commit out of order, so a watermark could pass a row committed late. Both tables
exist there too (empty), so that the schema is one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_log_stations",
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("station_id", "id", name="pk_message_log_stations"),
        sqlite_with_rowid=False,
    )
    op.create_table("message_log_indexed", sa.Column("up_to", sa.BigInteger(), nullable=False))
    if op.get_bind().dialect.name != "sqlite":
        op.execute("INSERT INTO message_log_indexed (up_to) VALUES (0)")
        return
    op.execute(
        "INSERT INTO message_log_stations (station_id, id) "
        "SELECT station_id, id FROM message_log ORDER BY station_id, id"
    )
    op.execute(
        "INSERT INTO message_log_indexed (up_to) SELECT coalesce(max(id), 0) FROM message_log"
    )
    op.drop_index("ix_message_log_station_id_id", table_name="message_log")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_message_log_station_id_id", "message_log", ["station_id", "id"])
    op.drop_table("message_log_indexed")
    op.drop_table("message_log_stations")
