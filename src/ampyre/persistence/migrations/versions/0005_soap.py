"""OCPP-S: where SOAP stations are reached.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

A SOAP station is called back at the address its WS-Addressing From announced; the last
one is kept in its record (so it survives a restart), next to the operator's override.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stations") as table:
        table.add_column(sa.Column("soap_address", sa.String(512)))
        table.add_column(sa.Column("soap_address_override", sa.String(512)))


def downgrade() -> None:
    with op.batch_alter_table("stations") as table:
        table.drop_column("soap_address_override")
        table.drop_column("soap_address")
