"""The one answer for a station nobody registered: NotFound, said the same way everywhere."""

from __future__ import annotations

from ampyre.domain.errors import NotFound
from ampyre.services.ports import UnitOfWork


async def ensure_known(uow: UnitOfWork, station_id: str) -> None:
    """Raise NotFound unless `station_id` is known (an empty list is an answer only for a
    station we know)."""
    if await uow.stations.get(station_id) is None:
        raise NotFound(f"no station {station_id!r} is known")
