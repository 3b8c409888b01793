"""Persistence: SQLite and PostgreSQL behind the repository ports, through SQLAlchemy Core.

The only package that imports SQLAlchemy. Errors leave it as `ampyre.domain.errors` types.
"""

from ampyre.persistence.database import Database, normalize_url
from ampyre.persistence.migrate import current_revision, head_revision, upgrade, upgrade_sync
from ampyre.persistence.unit_of_work import SqlUnitOfWork

__all__ = [
    "Database",
    "SqlUnitOfWork",
    "current_revision",
    "head_revision",
    "normalize_url",
    "upgrade",
    "upgrade_sync",
]
