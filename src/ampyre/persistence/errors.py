"""Database errors become domain errors here, once; nothing of SQLAlchemy or a driver leaks out."""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

from ampyre.domain.errors import Conflict, DomainError, StorageUnavailable


def translate(error: BaseException) -> BaseException:
    """The exception to raise instead of `error` (which is returned unchanged if not ours)."""
    if isinstance(error, DomainError):
        return error
    if isinstance(error, sa_exc.IntegrityError):
        return Conflict(_describe(error))
    if isinstance(error, sa_exc.DBAPIError):
        # OperationalError, InterfaceError, DataError, ...: the database refused or is gone.
        return StorageUnavailable(_describe(error))
    if isinstance(error, sa_exc.StatementError):
        # A bind parameter failed in Python (e.g. a naive datetime): the caller's bug.
        original = error.orig
        if isinstance(original, Exception) and not isinstance(original, sa_exc.SQLAlchemyError):
            return original
        return StorageUnavailable(_describe(error))
    if isinstance(error, sa_exc.SQLAlchemyError | OSError):
        # Pool timeouts, disconnects, refused connections.
        return StorageUnavailable(_describe(error))
    return error


def _describe(error: BaseException) -> str:
    if isinstance(error, sa_exc.DBAPIError) and error.orig is not None:
        return f"{type(error.orig).__name__}: {error.orig}".strip()
    return f"{type(error).__name__}: {error}".strip()
