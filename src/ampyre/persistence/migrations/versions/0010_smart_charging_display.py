"""Charging profiles sent, display messages set, monitoring: what those commands keep.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24

Each row is one thing a station accepted from a command (`set_by`, the command id), kept as
`installed`/`active` until a later command cleared or replaced it (`ended_at`, `ended_by`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ended() -> list[sa.Column[object]]:
    return [
        sa.Column("set_by", sa.BigInteger(), nullable=False),
        sa.Column("ended_at", UTC),
        sa.Column("ended_by", sa.BigInteger()),
    ]


def upgrade() -> None:
    op.create_table(
        "charging_profiles",
        sa.Column("id", ID, primary_key=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.BigInteger(), nullable=False),
        sa.Column("stack_level", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("transaction_id", sa.BigInteger()),
        sa.Column("profile", JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("installed_at", UTC, nullable=False),
        *_ended(),
        sa.PrimaryKeyConstraint("id", name="pk_charging_profiles"),
    )
    op.create_index(
        "ix_charging_profiles_station_id_state_profile_id",
        "charging_profiles",
        ["station_id", "state", "profile_id"],
    )
    op.create_table(
        "variable_monitors",
        sa.Column("id", ID, primary_key=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("monitor_id", sa.BigInteger(), nullable=False),
        sa.Column("component", JSON, nullable=False),
        sa.Column("variable", JSON, nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("transaction_only", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("set_at", UTC, nullable=False),
        *_ended(),
        sa.PrimaryKeyConstraint("id", name="pk_variable_monitors"),
    )
    op.create_index(
        "ix_variable_monitors_station_id_state_monitor_id",
        "variable_monitors",
        ["station_id", "state", "monitor_id"],
    )
    op.create_table(
        "display_messages",
        sa.Column("id", ID, primary_key=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("priority", sa.String(64), nullable=False),
        sa.Column("transaction_id", sa.BigInteger()),
        sa.Column("message", JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("set_at", UTC, nullable=False),
        *_ended(),
        sa.PrimaryKeyConstraint("id", name="pk_display_messages"),
    )
    op.create_index(
        "ix_display_messages_station_id_state_message_id",
        "display_messages",
        ["station_id", "state", "message_id"],
    )


def downgrade() -> None:
    for table, column in (
        ("display_messages", "message_id"),
        ("variable_monitors", "monitor_id"),
        ("charging_profiles", "profile_id"),
    ):
        op.drop_index(f"ix_{table}_station_id_state_{column}", table_name=table)
        op.drop_table(table)
