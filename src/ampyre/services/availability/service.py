"""StatusNotification: store the change in the history and as the current state."""

from __future__ import annotations

from ampyre.domain.availability import StatusReport
from ampyre.services.ports import UnitOfWorkFactory


class AvailabilityService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def report(self, report: StatusReport) -> None:
        async with self._uow() as uow:
            await uow.statuses.add(report)
            await uow.stations.touch(report.station_id, report.timestamp)
            await uow.commit()
