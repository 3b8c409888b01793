"""The OCPP-J side of the composition: what one process needs to serve charge points.

Shared by the single process (`app.Application`) and each worker process of
`ampyre serve --workers N` (`worker.Worker`), which imports nothing more (no operator API).
"""

from __future__ import annotations

from ampyre.action_tables import Side, action_tables
from ampyre.config import Settings
from ampyre.dispatch import v15 as routes_v15
from ampyre.dispatch import v16 as routes_v16
from ampyre.dispatch import v201 as routes_v201
from ampyre.dispatch.context import Services
from ampyre.dispatch.router import Router
from ampyre.domain.station import StationQuery
from ampyre.protocol.versions import OcppVersion
from ampyre.services.authorization import AuthorizationService
from ampyre.services.availability import AvailabilityService
from ampyre.services.configuration import ConfigurationService
from ampyre.services.data_transfer import DataTransferService
from ampyre.services.events import EventBus
from ampyre.services.message_log import MessageRecorder
from ampyre.services.ports import Clock, UnitOfWorkFactory
from ampyre.services.provisioning import ProvisioningService
from ampyre.services.reports import ReportService
from ampyre.services.reservations import ReservationService
from ampyre.services.stations import StationService
from ampyre.services.transactions import OpenSessions, TransactionService
from ampyre.transports.frame_info import describe_json_frame
from ampyre.transports.links import InboundHandler, LinkRegistry
from ampyre.transports.picows_server import PicowsServer
from ampyre.transports.websocket import OcppJServer

#: What a CSMS receives and sends, per OCPP-J version.
CSMS_TABLES = action_tables(Side.CSMS)

ROUTES = {
    OcppVersion.V201: routes_v201.ROUTES,
    OcppVersion.V16: routes_v16.ROUTES,
    OcppVersion.V15: routes_v15.ROUTES,  # OCPP-S only
}


def station_services(
    settings: Settings,
    uow: UnitOfWorkFactory,
    clock: Clock,
    events: EventBus,
    configuration: ConfigurationService | None = None,
    reservations: ReservationService | None = None,
) -> Services:
    """What the router hands stations' messages to (the same in a worker process)."""
    return Services(
        provisioning=ProvisioningService(
            uow,
            policy=settings.registration_policy,
            heartbeat_interval=settings.heartbeat_interval,
            retry_interval=settings.pending_retry_interval,
            events=events,
        ),
        availability=AvailabilityService(uow, events=events),
        authorization=AuthorizationService(uow),
        transactions=TransactionService(
            uow,
            strict=settings.strict,
            events=events,
            open_sessions=OpenSessions(),
        ),
        reports=ReportService(uow, events=events),
        data_transfer=DataTransferService(uow, settings.data_transfer_vendors),
        clock=clock,
        reservations=reservations or ReservationService(uow, clock),
        configuration=configuration or ConfigurationService(uow),
    )


def message_recorder(settings: Settings, uow: UnitOfWorkFactory) -> MessageRecorder:
    """Every frame in and out, off the hot path: to the message log and the metrics."""
    return MessageRecorder(
        uow,
        describe=describe_json_frame,
        store=settings.message_log,
        capacity=settings.message_log_queue,
        batch=settings.message_log_batch,
        interval=settings.message_log_flush_interval,
    )


def ocpp_j_server(
    settings: Settings,
    router: Router,
    links: LinkRegistry,
    handler: InboundHandler | None = None,
    reuse_port: bool = False,
) -> OcppJServer | PicowsServer:
    """The OCPP-J server of `settings.transport` (the same arguments for either library)."""
    server = PicowsServer if settings.transport == "picows" else OcppJServer
    return server(
        host=settings.host,
        port=settings.port,
        path=settings.ocpp_path,
        tables=CSMS_TABLES,
        handler=handler or router,
        admit=router.admit,
        max_frame_bytes=settings.max_frame_bytes,
        call_timeout=settings.call_timeout,
        ping_interval=settings.ping_interval,
        ping_timeout=settings.ping_timeout,
        links=links,
        reuse_port=reuse_port,
    )


async def remember_boots(router: Router, stations: StationService) -> None:
    """Give the router the stored vendor/model of every station (leniency by vendor)."""
    after: str | None = None
    while page := await stations.find(StationQuery(after_id=after, limit=1000)):
        for station in page:
            boot = station.boot
            router.remember(station.id, boot.vendor if boot else None, boot.model if boot else None)
        after = page[-1].id
