"""Where stations that serve their own endpoint (OCPP-S) are called: announced, or set."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from ampyre.domain.errors import NotFound
from ampyre.domain.station import StationAddress, address_problem
from ampyre.services.ports import UnitOfWorkFactory

log = logging.getLogger("ampyre.provisioning")


class StationAddresses:
    """The station record's announced address and the operator's override."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def get(self, station_id: str) -> StationAddress:
        async with self._uow() as uow:
            address = await uow.stations.address(station_id)
        if address is None:
            raise NotFound(f"no station {station_id!r}")
        return address

    async def find(self, station_id: str) -> StationAddress | None:
        """The station's addresses, None when it has no record (yet)."""
        async with self._uow() as uow:
            return await uow.stations.address(station_id)

    async def addressed(self) -> Sequence[tuple[str, str | None, StationAddress]]:
        """Every station with an address to call it at: id, OCPP version, addresses."""
        async with self._uow() as uow:
            return await uow.stations.addressed()

    async def announced(self, station_id: str, address: str) -> bool:
        """Remember what the station announced; False when it has no record (yet) or the
        address is unusable (it is logged and ignored)."""
        problem = address_problem(address)
        if problem is not None:
            log.warning("%s announced an address that cannot be called: %s", station_id, problem)
            return False
        async with self._uow() as uow:
            stored = await uow.stations.set_address(station_id, announced=address)
            await uow.commit()
        return stored

    async def set_override(self, station_id: str, address: str | None) -> StationAddress:
        """Call the station at `address` from now on (None: at the one it announces).

        ValueError for an address that cannot be called, NotFound for an unknown station."""
        if address is not None:
            problem = address_problem(address)
            if problem is not None:
                raise ValueError(problem)
        async with self._uow() as uow:
            if not await uow.stations.set_address(station_id, override=address or ""):
                raise NotFound(f"no station {station_id!r}")
            await uow.commit()
            found = await uow.stations.address(station_id)
        assert found is not None
        return found
