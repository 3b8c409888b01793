"""CSMS-initiated commands, part two: firmware, diagnostics, profiles, display, certificates.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24

Reserved in the migration chain so that work landing in parallel keeps one linear history.
Empty until its owner adds tables; a revision with nothing to do is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
