"""What a route gets: the station it serves, the services, and the clock."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from ampyre.adapters.content import station_report
from ampyre.domain.reports import ReportKind
from ampyre.domain.station import Station
from ampyre.leniency import Leniency
from ampyre.protocol.versions import OcppVersion
from ampyre.services.authorization import AuthorizationService
from ampyre.services.availability import AvailabilityService
from ampyre.services.configuration import ConfigurationService
from ampyre.services.data_transfer import DataTransferService
from ampyre.services.ports import Clock
from ampyre.services.provisioning import ProvisioningService
from ampyre.services.reports import ReportService
from ampyre.services.reservations import ReservationService
from ampyre.services.transactions import TransactionService


@dataclasses.dataclass(frozen=True, slots=True)
class Services:
    provisioning: ProvisioningService
    availability: AvailabilityService
    authorization: AuthorizationService
    transactions: TransactionService
    reports: ReportService
    data_transfer: DataTransferService
    clock: Clock
    #: what stations say of reservations (2.0.1 ReservationStatusUpdate)
    reservations: ReservationService | None = None
    #: the variables stations report (2.0.1 NotifyReport)
    configuration: ConfigurationService | None = None


@dataclasses.dataclass(slots=True)
class StationContext:
    """Per-connection state the router keeps on the link."""

    station_id: str
    version: OcppVersion
    station: Station
    services: Services
    leniency: Leniency
    #: relaxation notes already logged for this station (each is logged once)
    logged: set[str] = dataclasses.field(default_factory=set)

    def now(self) -> datetime:
        return self.services.clock.now()

    async def report(
        self,
        kind: ReportKind,
        message: object,
        status: str | None = None,
        request_id: int | None = None,
    ) -> None:
        """Store a message the station sent as a report of `kind`."""
        await self.services.reports.record(
            station_report(self.station_id, kind, message, self.now(), status, request_id)
        )
