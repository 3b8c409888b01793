"""Store firmware, log, security, device-model and other station reports."""

from __future__ import annotations

from ampyre.domain.events import Event, EventKind
from ampyre.domain.reports import ReportKind, StationReport
from ampyre.services.ports import EventPublisher, UnitOfWorkFactory


class ReportService:
    def __init__(self, uow: UnitOfWorkFactory, *, events: EventPublisher) -> None:
        self._uow = uow
        self._events = events

    async def record(self, report: StationReport) -> None:
        async with self._uow() as uow:
            await uow.reports.add(report)
            await uow.commit()
        if report.kind is ReportKind.SECURITY_EVENT:
            self._events.publish(
                Event(
                    EventKind.SECURITY_EVENT,
                    report.station_id,
                    report.received_at,
                    {"type": report.status, "content": report.content},
                )
            )

    async def for_request(self, station_id: str, request_id: int) -> list[StationReport]:
        """The reports answering request `request_id` (a command id), in the order received."""
        async with self._uow() as uow:
            return await uow.reports.for_request(station_id, request_id)
