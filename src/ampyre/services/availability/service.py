"""StatusNotification: store the change in the history and as the current state."""

from __future__ import annotations

from ampyre.domain.availability import StatusReport
from ampyre.domain.events import Event, EventKind
from ampyre.services.ports import EventPublisher, UnitOfWorkFactory


class AvailabilityService:
    def __init__(self, uow: UnitOfWorkFactory, *, events: EventPublisher) -> None:
        self._uow = uow
        self._events = events

    async def report(self, report: StatusReport) -> None:
        async with self._uow() as uow:
            await uow.statuses.add(report)
            await uow.commit()
        self._events.publish(
            Event(
                EventKind.STATUS_CHANGED,
                report.station_id,
                report.timestamp,
                {
                    "evse_id": report.evse_id,
                    "connector_id": report.connector_id,
                    "status": report.status.value,
                    "error_code": report.error_code,
                    "info": report.info,
                },
            )
        )
