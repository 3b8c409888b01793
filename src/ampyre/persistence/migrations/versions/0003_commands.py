"""Commands sent to stations: what was asked, how it ended, the reply.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "commands",
        sa.Column("id", ID, primary_key=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("status", sa.String(64)),
        sa.Column("result", JSON),
        sa.Column("raw", JSON),
        sa.Column("error_code", sa.String(64)),
        sa.Column("error", sa.Text()),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("answered_at", UTC),
        sa.Column("transaction_id", sa.BigInteger()),
        sa.Column("id_token", sa.String(255)),
        sa.Column("evse_id", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_commands"),
    )
    op.create_index("ix_commands_station_id_id", "commands", ["station_id", "id"])
    op.create_index("ix_commands_station_id_name_id", "commands", ["station_id", "name", "id"])


def downgrade() -> None:
    op.drop_index("ix_commands_station_id_name_id", table_name="commands")
    op.drop_index("ix_commands_station_id_id", table_name="commands")
    op.drop_table("commands")
