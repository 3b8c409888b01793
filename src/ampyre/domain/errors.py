"""Domain errors: persistence and services raise these, never ORM or driver types."""


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""


class NotFound(DomainError):
    """The record asked for does not exist."""


class Conflict(DomainError):
    """The change contradicts what is stored (a duplicate, a stale state)."""


class StorageUnavailable(DomainError):
    """The database could not be reached or refused the write; nothing was acknowledged."""
