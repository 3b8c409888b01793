"""What commands change on our side: station configuration (as last reported), reservations,
local authorization lists.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "station_settings",
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("value", sa.Text()),
        sa.Column("readonly", sa.Boolean()),
        sa.Column("status", sa.String(64)),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("station_id", "key", name="pk_station_settings"),
    )
    op.create_table(
        "reservations",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("evse_id", sa.Integer()),
        sa.Column("connector_type", sa.String(64)),
        sa.Column("id_token", sa.String(255), nullable=False),
        sa.Column("token_type", sa.String(64)),
        sa.Column("group_id", sa.String(255)),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("status", sa.String(64)),
        sa.Column("transaction_id", sa.BigInteger()),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reservations"),
    )
    op.create_index("ix_reservations_station_id_id", "reservations", ["station_id", "id"])
    op.create_table(
        "local_lists",
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("station_id", name="pk_local_lists"),
    )
    op.create_table(
        "local_list_entries",
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("id_token", sa.String(255), nullable=False),
        sa.Column("token_type", sa.String(64)),
        sa.Column("status", sa.String(64), nullable=False),
        sa.Column("expires_at", UTC),
        sa.Column("group_id", sa.String(255)),
        sa.PrimaryKeyConstraint("station_id", "id_token", name="pk_local_list_entries"),
    )


def downgrade() -> None:
    op.drop_table("local_list_entries")
    op.drop_table("local_lists")
    op.drop_index("ix_reservations_station_id_id", table_name="reservations")
    op.drop_table("reservations")
    op.drop_table("station_settings")
