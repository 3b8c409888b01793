"""Domain errors: persistence and services raise these, never ORM or driver types."""


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""


class NotFound(DomainError):
    """The record asked for does not exist."""


class Conflict(DomainError):
    """The change contradicts what is stored (a duplicate, a stale state)."""


class Stale(Conflict):
    """A record taken as known (not read) was changed by another process since: the unit of
    work rolls back and is done again, reading the record this time."""


class InvalidInput(DomainError):
    """What the caller sent cannot be used; the message says why."""

    def __init__(self, message: str, errors: list[dict[str, object]] | None = None) -> None:
        super().__init__(message)
        #: one entry per wrong item (e.g. a row of an import: `row`, `field`, `message`)
        self.errors = errors or []


class StorageUnavailable(DomainError):
    """The database could not be reached or refused the write; nothing was acknowledged."""
