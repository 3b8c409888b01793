"""A unit-of-work factory for service tests: counts the units, can fail the first ones."""

from __future__ import annotations

from typing import Any

from ampyre.domain.errors import StorageUnavailable
from ampyre.persistence import Database


class CountingUnits:
    """The database's units of work, counted; the first `failures` of them fail."""

    def __init__(self, database: Database, failures: int = 0) -> None:
        self.database = database
        self.units = 0
        self.failures = failures

    def __call__(self) -> Any:
        self.units += 1
        if self.units <= self.failures:
            raise StorageUnavailable("the disk is full")
        return self.database.unit_of_work()
