"""What the API routes work with, put on `app.state` by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from fastapi import Request

from ampyre.services.access import TokenService
from ampyre.services.authorization import AuthorizationService
from ampyre.services.availability import AvailabilityService
from ampyre.services.commands import CommandService
from ampyre.services.configuration import ConfigurationService
from ampyre.services.device_model import MonitoringService
from ampyre.services.diagnostics import DiagnosticsService
from ampyre.services.display import DisplayService
from ampyre.services.events import EventBus
from ampyre.services.firmware import FirmwareService
from ampyre.services.id_tokens import IdTokenService
from ampyre.services.local_list import LocalListService
from ampyre.services.message_log import MessageLogService
from ampyre.services.ports import Clock
from ampyre.services.provisioning import ProvisioningService, StationAddresses
from ampyre.services.reports import ReportService
from ampyre.services.reservations import ReservationService
from ampyre.services.security import CertificateService
from ampyre.services.smart_charging import SmartChargingService
from ampyre.services.stations import StationService
from ampyre.services.tariff_cost import CostService
from ampyre.services.transactions import TransactionHistory, TransactionService
from ampyre.services.webhooks import WebhookService


class WorkerView(Protocol):
    """An OCPP-J worker process (`ampyre serve --workers N`) and the stations it holds."""

    @property
    def worker(self) -> int: ...
    @property
    def pid(self) -> int: ...
    @property
    def ready(self) -> bool: ...
    @property
    def stations(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class ApiContext:
    """The services behind the API (never adapters or messages: versions stop below)."""

    version: str
    clock: Clock
    events: EventBus
    tokens: TokenService
    provisioning: ProvisioningService
    availability: AvailabilityService
    authorization: AuthorizationService
    transactions: TransactionService
    reports: ReportService
    message_log: MessageLogService
    station_addresses: StationAddresses
    commands: CommandService
    webhooks: WebhookService
    stations: StationService
    id_tokens: IdTokenService
    transaction_history: TransactionHistory
    smart_charging: SmartChargingService
    configuration: ConfigurationService
    reservations: ReservationService
    local_lists: LocalListService
    monitoring: MonitoringService
    display: DisplayService
    costs: CostService
    firmware: FirmwareService
    diagnostics: DiagnosticsService
    certificates: CertificateService
    #: the OCPP-J worker processes, with --workers N (None: one process)
    workers: Callable[[], Sequence[WorkerView]] | None = None


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.context
    return ctx
