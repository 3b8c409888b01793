"""Store firmware, log, security, device-model and other station reports."""

from __future__ import annotations

from ampyre.domain.reports import StationReport
from ampyre.services.ports import UnitOfWorkFactory


class ReportService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def record(self, report: StationReport) -> None:
        async with self._uow() as uow:
            await uow.reports.add(report)
            await uow.commit()
