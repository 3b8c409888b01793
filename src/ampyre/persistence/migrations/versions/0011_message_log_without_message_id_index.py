"""The message log without its index on message_id.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24

Every frame is one message log row; the index on message_id (message ids are random text,
so each row went into the index at a random place) made a row's INSERT cost ~11.6 instead of
~7.9 us, about 7 us of server CPU per message for a lookup only an operator debugging makes.
A search by message_id now reads the station's messages through (station_id, id) when a
station is given, and scans the log when none is (as the text search always did).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_message_log_message_id", table_name="message_log")


def downgrade() -> None:
    op.create_index("ix_message_log_message_id", "message_log", ["message_id"])
