"""Firmware, diagnostics and log files, certificates: what those commands keep.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24

`stored_files`: upload slots handed to stations (by an unguessable token) and the files they
uploaded (content on disk, metadata here). `installed_certificates`: what stations reported
as installed (GetInstalledCertificateIds).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("id", ID, primary_key=True),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("command_id", sa.BigInteger()),
        sa.Column("log_type", sa.String(64)),
        sa.Column("name", sa.String(255)),
        sa.Column("content_type", sa.String(255)),
        sa.Column("size", sa.BigInteger()),
        sa.Column("sha256", sa.String(64)),
        sa.Column("method", sa.String(8)),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("received_at", UTC),
        sa.PrimaryKeyConstraint("id", name="pk_stored_files"),
        sa.UniqueConstraint("token", name="uq_stored_files_token"),
    )
    op.create_index("ix_stored_files_station_id_id", "stored_files", ["station_id", "id"])
    op.create_index("ix_stored_files_command_id", "stored_files", ["command_id"])
    op.create_table(
        "installed_certificates",
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("hash_algorithm", sa.String(16), nullable=False),
        sa.Column("issuer_name_hash", sa.String(128), nullable=False),
        sa.Column("issuer_key_hash", sa.String(128), nullable=False),
        sa.Column("serial_number", sa.String(40), nullable=False),
        sa.Column("certificate_type", sa.String(64), nullable=False),
        sa.Column("children", JSON, nullable=False),
        sa.Column("command_id", sa.BigInteger()),
        sa.Column("reported_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint(
            "station_id",
            "hash_algorithm",
            "issuer_name_hash",
            "issuer_key_hash",
            "serial_number",
            name="pk_installed_certificates",
        ),
    )


def downgrade() -> None:
    op.drop_table("installed_certificates")
    op.drop_index("ix_stored_files_command_id", table_name="stored_files")
    op.drop_index("ix_stored_files_station_id_id", table_name="stored_files")
    op.drop_table("stored_files")
