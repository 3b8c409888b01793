"""Initial schema: stations, status, id tokens, transactions, meter values, reports.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of this revision (tables.py may move on).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
STATION_ID = sa.String(48)
TEXT = sa.String(255)
ENUM = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "stations",
        sa.Column("id", STATION_ID, nullable=False),
        sa.Column("ocpp_version", sa.String(16)),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("registration_status", ENUM),
        sa.Column("vendor", TEXT),
        sa.Column("model", TEXT),
        sa.Column("serial_number", TEXT),
        sa.Column("firmware_version", TEXT),
        sa.Column("reason", ENUM),
        sa.Column("iccid", TEXT),
        sa.Column("imsi", TEXT),
        sa.Column("meter_type", TEXT),
        sa.Column("meter_serial_number", TEXT),
        sa.Column("modem_serial_number", TEXT),
        sa.Column("connected", sa.Boolean(), nullable=False),
        sa.Column("last_seen", UTC),
        sa.Column("last_boot", UTC),
        sa.Column("created_at", UTC),
        sa.PrimaryKeyConstraint("id", name="pk_stations"),
    )
    op.create_table(
        "connector_status",
        sa.Column("station_id", STATION_ID, nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("error_code", ENUM),
        sa.Column("info", TEXT),
        sa.Column("vendor_id", TEXT),
        sa.Column("vendor_error_code", TEXT),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint(
            "station_id", "evse_id", "connector_id", name="pk_connector_status"
        ),
    )
    op.create_table(
        "status_history",
        sa.Column("id", ID, nullable=False),
        sa.Column("station_id", STATION_ID, nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("timestamp", UTC, nullable=False),
        sa.Column("error_code", ENUM),
        sa.Column("info", TEXT),
        sa.Column("vendor_id", TEXT),
        sa.Column("vendor_error_code", TEXT),
        sa.PrimaryKeyConstraint("id", name="pk_status_history"),
    )
    op.create_index(
        "ix_status_history_station_id_timestamp", "status_history", ["station_id", "timestamp"]
    )
    op.create_table(
        "id_tokens",
        sa.Column("value", TEXT, nullable=False),
        sa.Column("type", ENUM),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("expiry", UTC),
        sa.Column("group_id", TEXT),
        sa.PrimaryKeyConstraint("value", name="pk_id_tokens"),
    )
    op.create_table(
        "transactions",
        # AUTOINCREMENT (SQLite) / identity (PostgreSQL): ids are never reused.
        sa.Column("id", ID, sa.Identity(always=True), nullable=False),
        sa.Column("station_id", STATION_ID, nullable=False),
        sa.Column("ref", TEXT),
        sa.Column("start_key", TEXT),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("state", ENUM, nullable=False),
        sa.Column("started_at", UTC),
        sa.Column("ended_at", UTC),
        sa.Column("id_token", TEXT),
        sa.Column("id_token_type", ENUM),
        sa.Column("meter_start_wh", sa.Double()),
        sa.Column("meter_stop_wh", sa.Double()),
        sa.Column("energy_wh", sa.Double()),
        sa.Column("min_register_wh", sa.Double()),
        sa.Column("max_register_wh", sa.Double()),
        sa.Column("stop_reason", ENUM),
        sa.Column("charging_state", ENUM),
        sa.Column("remote_start_id", sa.BigInteger()),
        sa.Column("reservation_id", sa.BigInteger()),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("flags", TEXT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_transactions"),
        sa.UniqueConstraint("station_id", "ref", name="uq_transactions_station_id_ref"),
        sa.UniqueConstraint("station_id", "start_key", name="uq_transactions_station_id_start_key"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_transactions_station_id_state", "transactions", ["station_id", "state"])
    op.create_table(
        "transaction_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("transaction_id", ID, nullable=False),
        sa.Column("seq_no", sa.BigInteger(), nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("timestamp", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_transaction_events"),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name="fk_transaction_events_transaction_id_transactions",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "transaction_id", "seq_no", name="uq_transaction_events_transaction_id_seq_no"
        ),
    )
    op.create_table(
        "meter_values",
        sa.Column("id", ID, nullable=False),
        sa.Column("station_id", STATION_ID, nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", ID),
        sa.Column("timestamp", UTC, nullable=False),
        sa.Column("samples", JSON, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meter_values"),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name="fk_meter_values_transaction_id_transactions",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "station_id",
            "evse_id",
            "timestamp",
            "digest",
            name="uq_meter_values_station_id_evse_id_timestamp_digest",
        ),
    )
    op.create_index(
        "ix_meter_values_transaction_id_timestamp", "meter_values", ["transaction_id", "timestamp"]
    )
    op.create_table(
        "station_reports",
        sa.Column("id", ID, nullable=False),
        sa.Column("station_id", STATION_ID, nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("status", sa.Text()),
        sa.Column("request_id", sa.BigInteger()),
        sa.Column("content", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_station_reports"),
    )
    op.create_index(
        "ix_station_reports_station_id_received_at",
        "station_reports",
        ["station_id", "received_at"],
    )
    op.create_index(
        "ix_station_reports_station_id_kind_received_at",
        "station_reports",
        ["station_id", "kind", "received_at"],
    )


def downgrade() -> None:
    for table in (
        "station_reports",
        "meter_values",
        "transaction_events",
        "transactions",
        "id_tokens",
        "status_history",
        "connector_status",
        "stations",
    ):
        op.drop_table(table)
