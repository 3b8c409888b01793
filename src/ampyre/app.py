"""Composition root: builds every part from Settings and owns the start and stop order."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

import httpx
from starlette.routing import Route

from ampyre import __version__
from ampyre.action_tables import Side, action_tables
from ampyre.adapters.v15 import bridge
from ampyre.api.app import create_api
from ampyre.api.context import ApiContext
from ampyre.clock import SystemClock
from ampyre.config import Settings
from ampyre.dispatch import v15 as routes_v15
from ampyre.dispatch import v16 as routes_v16
from ampyre.dispatch import v201 as routes_v201
from ampyre.dispatch.context import Services
from ampyre.dispatch.router import Router
from ampyre.dispatch.station_gateway import LinkGateway
from ampyre.domain.station import StationQuery
from ampyre.metrics import Metrics, metrics_router
from ampyre.persistence.database import Database
from ampyre.persistence.file_store import LocalFileStore
from ampyre.persistence.migrate import head_revision
from ampyre.protocol.versions import OcppVersion
from ampyre.services.access import TokenService
from ampyre.services.authorization import AuthorizationService
from ampyre.services.availability import AvailabilityService
from ampyre.services.commands import CommandService
from ampyre.services.configuration import ConfigurationService
from ampyre.services.data_transfer import DataTransferService
from ampyre.services.device_model import MonitoringService
from ampyre.services.diagnostics import DiagnosticsService, LogUploads
from ampyre.services.display import DisplayService
from ampyre.services.events import EventBus
from ampyre.services.firmware import FirmwareService
from ampyre.services.id_tokens import IdTokenService
from ampyre.services.local_list import LocalListService
from ampyre.services.message_log import MessageLogService, MessageRecorder
from ampyre.services.ports import Clock
from ampyre.services.provisioning import ProvisioningService, StationAddresses
from ampyre.services.reports import ReportService
from ampyre.services.reservations import ReservationService
from ampyre.services.security import CertificateService, InstalledCertificates
from ampyre.services.smart_charging import SmartChargingService
from ampyre.services.stations import StationService
from ampyre.services.tariff_cost import CostService
from ampyre.services.transactions import TransactionHistory, TransactionService
from ampyre.services.webhooks import Dispatcher, RetryPolicy, WebhookService
from ampyre.soap_tables import CENTRAL_SYSTEM, CHARGE_POINT
from ampyre.transports.frame_info import describe_json_frame
from ampyre.transports.http import HttpServer
from ampyre.transports.links import LinkRegistry
from ampyre.transports.soap_server import Bridge, SoapEndpoint
from ampyre.transports.websocket import OcppJServer

log = logging.getLogger("ampyre")

#: What a CSMS receives and sends, per OCPP-J version.
CSMS_TABLES = action_tables(Side.CSMS)

ROUTES = {
    OcppVersion.V201: routes_v201.ROUTES,
    OcppVersion.V16: routes_v16.ROUTES,
    OcppVersion.V15: routes_v15.ROUTES,  # OCPP-S only
}


class SchemaOutdated(RuntimeError):
    """The database is not at the newest migration."""


class Application:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.database = Database(settings.database_url)
        uow = self.database.unit_of_work
        #: domain events (connects, status, transactions, command results) for listeners
        self.events = EventBus()
        #: what commands change on our side (they are the commands' effects too)
        self.configuration = ConfigurationService(uow)
        self.reservations = ReservationService(uow, self.clock)
        self.local_lists = LocalListService(uow)
        self.services = Services(
            provisioning=ProvisioningService(
                uow,
                policy=settings.registration_policy,
                heartbeat_interval=settings.heartbeat_interval,
                retry_interval=settings.pending_retry_interval,
                events=self.events,
            ),
            availability=AvailabilityService(uow, events=self.events),
            authorization=AuthorizationService(uow),
            transactions=TransactionService(uow, strict=settings.strict, events=self.events),
            reports=ReportService(uow, events=self.events),
            data_transfer=DataTransferService(uow, settings.data_transfer_vendors),
            clock=self.clock,
            reservations=self.reservations,
            configuration=self.configuration,
        )
        self.tokens = TokenService(uow, self.clock)
        self.router = Router(self.services, ROUTES, list(settings.leniency))
        #: every frame in and out, off the hot path: to the message log and the metrics
        self.recorder = MessageRecorder(
            uow,
            describe=describe_json_frame,
            store=settings.message_log,
            capacity=settings.message_log_queue,
            batch=settings.message_log_batch,
            interval=settings.message_log_flush_interval,
        )
        days = settings.message_log_retention_days
        self.message_log = MessageLogService(
            uow,
            self.clock,
            retention=timedelta(days=days) if days > 0 and settings.message_log else None,
            purge_interval=settings.message_log_purge_interval,
        )
        #: every live station link of this node, whatever transport carries it
        self.links = LinkRegistry(
            self.recorder if settings.message_log or settings.metrics else None
        )
        #: Prometheus metrics (None when switched off)
        self.metrics: Metrics | None = None
        if settings.metrics:
            self.metrics = Metrics(self.links, self.recorder)
            self.recorder.observe(self.metrics.observe_messages)
            self.events.subscribe(self.metrics.observe_event)
            self.database.commit_observer = self.metrics.observe_commit
        #: commands to stations, whatever transport carries them
        self.smart_charging = SmartChargingService(uow, self.clock)
        self.monitoring = MonitoringService(uow)
        self.display = DisplayService(uow, self.clock)
        self.costs = CostService(uow)
        self.commands = CommandService(
            uow,
            LinkGateway(self.links),
            self.clock,
            self.events,
            effects=[
                self.smart_charging,
                self.monitoring,
                self.display,
                self.costs,
                self.configuration,
                self.reservations,
                self.local_lists,
                LogUploads(),
                InstalledCertificates(self.clock),
            ],
        )
        # webhooks: their own HTTP client (no proxies from the environment, no redirects)
        self.webhook_http = httpx.AsyncClient(
            trust_env=False,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=settings.webhook_concurrency),
        )
        self.webhooks = WebhookService(
            uow,
            self.clock,
            Dispatcher(
                uow,
                self.clock,
                self.webhook_http,
                policy=RetryPolicy(
                    attempts=settings.webhook_attempts,
                    backoff=settings.webhook_backoff,
                    backoff_max=settings.webhook_backoff_max,
                ),
                concurrency=settings.webhook_concurrency,
                timeout=settings.webhook_timeout,
                user_agent=f"Ampyre-Webhooks/{__version__}",
                observe=self.metrics.observe_webhook if self.metrics else None,
            ),
            retention=timedelta(days=settings.webhook_retention_days)
            if settings.webhook_retention_days > 0
            else None,
        )
        self.events.subscribe(self.webhooks.dispatcher.offer)
        if self.metrics:
            self.metrics.watch_webhooks(self.webhooks.dispatcher)
        #: uploaded diagnostics and logs, firmware images: on disk, metadata in the database
        self.files = LocalFileStore(settings.files_dir)
        self.firmware = FirmwareService(
            uow, self.commands, self.files, self.public_url, settings.max_firmware_bytes
        )
        self.diagnostics = DiagnosticsService(
            uow,
            self.commands,
            self.files,
            self.clock,
            self.public_url,
            settings.max_upload_bytes,
            timedelta(seconds=settings.upload_url_lifetime),
        )
        self.certificates = CertificateService(uow)
        self.server = OcppJServer(
            host=settings.host,
            port=settings.port,
            path=settings.ocpp_path,
            tables=CSMS_TABLES,
            handler=self.router,
            admit=self.router.admit,
            max_frame_bytes=settings.max_frame_bytes,
            call_timeout=settings.call_timeout,
            ping_interval=settings.ping_interval,
            ping_timeout=settings.ping_timeout,
            links=self.links,
        )
        self.station_addresses = StationAddresses(uow)
        self.stations = StationService(uow, self.clock)
        self.api = create_api(
            ApiContext(
                version=__version__,
                clock=self.clock,
                events=self.events,
                tokens=self.tokens,
                provisioning=self.services.provisioning,
                availability=self.services.availability,
                authorization=self.services.authorization,
                transactions=self.services.transactions,
                reports=self.services.reports,
                message_log=self.message_log,
                station_addresses=self.station_addresses,
                commands=self.commands,
                webhooks=self.webhooks,
                stations=self.stations,
                id_tokens=IdTokenService(uow, self.clock),
                transaction_history=TransactionHistory(uow),
                smart_charging=self.smart_charging,
                configuration=self.configuration,
                reservations=self.reservations,
                local_lists=self.local_lists,
                monitoring=self.monitoring,
                display=self.display,
                costs=self.costs,
                firmware=self.firmware,
                diagnostics=self.diagnostics,
                certificates=self.certificates,
            ),
            extra=[metrics_router(self.metrics, settings.metrics_token)] if self.metrics else [],
        )
        # OCPP-S: SOAP stations post to soap_path; calls to them go out through one client
        self.soap_http = httpx.AsyncClient(trust_env=False, follow_redirects=False)
        self.soap = SoapEndpoint(
            services=CENTRAL_SYSTEM.values(),
            station_services=CHARGE_POINT.values(),
            handler=self.router,
            http=self.soap_http,
            max_bytes=settings.max_frame_bytes,
            call_timeout=settings.call_timeout,
            links=self.links,
            addresses=self.station_addresses,
            # commands go to 1.5 stations in 1.6 types, as to any 1.x station
            bridges={
                OcppVersion.V15: Bridge(
                    outbound=bridge.to_v15,
                    inbound=lambda action, answer: bridge.to_v16(action, answer, response=True),
                )
            },
        )
        self.api.router.routes.append(Route(settings.soap_path, self.soap))
        self.http = HttpServer(self.api, settings.host, settings.http_port)

    async def _remember_boots(self) -> None:
        """Give the router the stored vendor/model of every station (leniency by vendor)."""
        after: str | None = None
        while page := await self.stations.find(StationQuery(after_id=after, limit=1000)):
            for station in page:
                boot = station.boot
                self.router.remember(
                    station.id, boot.vendor if boot else None, boot.model if boot else None
                )
            after = page[-1].id

    async def start(self, migrate: bool = False) -> None:
        if migrate:
            await self.database.upgrade()
        elif await self.database.current_revision() != head_revision():
            raise SchemaOutdated(
                f"the database {self.database.url.render_as_string(hide_password=True)} "
                "is not migrated to this version: run `ampyre migrate` first"
            )
        await self.services.provisioning.reset_connections()
        interrupted = await self.commands.end_interrupted()
        if interrupted:
            log.warning(
                "%d command(s) left unanswered by the last run are now unreachable", interrupted
            )
        restored = await self.soap.restore()
        if self.router.needs_boots:
            await self._remember_boots()
        self.recorder.start()
        self.message_log.start()
        await self.webhooks.start()
        await self.server.start()
        await self.http.start()
        settings = self.settings
        versions = ", ".join(f"{v} ({v.subprotocol})" for v in CSMS_TABLES)
        log.info(
            "Ampyre %s: OCPP-J on ws://%s:%d%s/{stationId}",
            __version__,
            settings.host,
            self.server.bound_port,
            settings.ocpp_path.rstrip("/"),
        )
        log.info(
            "operator API on http://%s:%d/api/v1 (docs: /api/docs)",
            settings.host,
            self.http.bound_port,
        )
        first = await self.tokens.first_start()
        if first is not None:
            log.warning(
                "first start: created API token %r (role operator); it is shown only now:\n\n"
                "    %s\n\n(more with `ampyre token create`)",
                first.token.name,
                first.secret,
            )
        log.info(
            "OCPP-S (SOAP 1.5, 1.6) on http://%s:%d%s (%d SOAP stations callable)",
            settings.host,
            self.http.bound_port,
            settings.soap_path,
            restored,
        )
        log.info(
            "files: %s; stations upload to and download from %s/files/",
            settings.files_dir,
            self.public_url(),
        )
        if settings.public_url is None and settings.host in ("0.0.0.0", "::", ""):
            log.warning(
                "AMPYRE_PUBLIC_URL is not set: stations are handed %s URLs; set it to the "
                "address stations reach this HTTP port at",
                self.public_url(),
            )
        log.info("database: %s", self.database.url.render_as_string(hide_password=True))
        log.info("OCPP versions: %s", versions)
        log.info(
            "registration policy: %s; heartbeat interval %d s",
            settings.registration_policy,
            settings.heartbeat_interval,
        )

    @property
    def port(self) -> int:
        return self.server.bound_port

    def public_url(self) -> str:
        """The base URL stations reach the HTTP port at (upload and firmware URLs)."""
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/")
        host = self.settings.host
        if host in ("0.0.0.0", "::", ""):
            host = socket.gethostname()  # no DNS lookup: this runs for every URL handed out
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.http.bound_port}"

    @property
    def http_port(self) -> int:
        return self.http.bound_port

    async def stop(self) -> None:
        await self.http.stop()
        await self.soap.close()
        await self.soap_http.aclose()
        await self.server.stop()
        # after the stations (no more events), before the database
        await self.webhooks.close()
        await self.webhook_http.aclose()
        await self.recorder.close()
        await self.message_log.close()
        await self.database.close()
        log.info("stopped")
