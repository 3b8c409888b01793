"""Database errors become domain errors here, once; nothing of SQLAlchemy or a driver leaks out."""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

from ampyre.domain.errors import Conflict, DomainError, InvalidInput, StorageUnavailable

#: PostgreSQL data exceptions (SQLSTATE class 22) a caller's values cause, in words
_DATA_ERRORS = {
    "22021": "a text contains a NUL character (U+0000), which cannot be stored",
    "22P05": "a text contains a NUL character (U+0000), which cannot be stored",
    "22001": "a text is longer than its field allows",
    "22003": "a number is out of range",
}


def translate(error: BaseException) -> BaseException:
    """The exception to raise instead of `error` (which is returned unchanged if not ours)."""
    if isinstance(error, DomainError):
        return error
    if isinstance(error, sa_exc.IntegrityError):
        return Conflict(_describe(error))
    if isinstance(error, sa_exc.DBAPIError) and _sqlstate(error).startswith("22"):
        # a data exception: the values given cannot be stored or compared; retrying is useless
        state = _sqlstate(error)
        return InvalidInput(_DATA_ERRORS.get(state) or _refused(error))
    if isinstance(error, sa_exc.DBAPIError):
        # OperationalError, InterfaceError, DataError, ...: the database refused or is gone.
        return StorageUnavailable(_describe(error))
    if isinstance(error, OverflowError) or (
        isinstance(error, sa_exc.StatementError) and isinstance(error.orig, OverflowError)
    ):
        # SQLite's integers are 64-bit: a bigger number cannot match anything stored
        return InvalidInput(_DATA_ERRORS["22003"])
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


def _refused(error: sa_exc.DBAPIError) -> str:
    reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else ""
    return f"the database refused a value: {reason[:200]}"


def _sqlstate(error: sa_exc.DBAPIError) -> str:
    state = getattr(error.orig, "sqlstate", None)
    return state if isinstance(state, str) else ""


def _describe(error: BaseException) -> str:
    if isinstance(error, sa_exc.DBAPIError) and error.orig is not None:
        return f"{type(error.orig).__name__}: {error.orig}".strip()
    return f"{type(error).__name__}: {error}".strip()
