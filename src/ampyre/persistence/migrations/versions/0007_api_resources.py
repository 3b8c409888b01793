"""API resources: what stations, id tokens and transactions need for listing and filtering.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

Reserved in the migration chain so that work landing in parallel keeps one linear history.
Empty until its owner adds tables; a revision with nothing to do is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
