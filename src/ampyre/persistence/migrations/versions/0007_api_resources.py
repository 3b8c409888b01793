"""API resources: what stations, id tokens and transactions need for listing and filtering.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

A station's operator note, and the indexes behind the API's filters and keyset pages:
transactions by id token and start time, a station's status history by arrival order.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("stations", sa.Column("description", sa.String(255)))
    op.create_index("ix_transactions_id_token", "transactions", ["id_token"])
    op.create_index("ix_transactions_started_at", "transactions", ["started_at"])
    op.create_index("ix_status_history_station_id_id", "status_history", ["station_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_status_history_station_id_id", "status_history")
    op.drop_index("ix_transactions_started_at", "transactions")
    op.drop_index("ix_transactions_id_token", "transactions")
    with op.batch_alter_table("stations") as batch:
        batch.drop_column("description")
