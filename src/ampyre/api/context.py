"""What the API routes work with, put on `app.state` by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from ampyre.services.access import TokenService
from ampyre.services.authorization import AuthorizationService
from ampyre.services.availability import AvailabilityService
from ampyre.services.events import EventBus
from ampyre.services.message_log import MessageLogService
from ampyre.services.ports import Clock
from ampyre.services.provisioning import ProvisioningService
from ampyre.services.reports import ReportService
from ampyre.services.transactions import TransactionService


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


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.context
    return ctx
