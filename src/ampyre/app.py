"""Composition root: builds every part from Settings and owns the start and stop order."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import sys
import tempfile
from datetime import timedelta

import httpx
from starlette.routing import Route

from ampyre import __version__
from ampyre.adapters.v15 import bridge
from ampyre.api.app import create_api
from ampyre.api.context import ApiContext
from ampyre.clock import SystemClock
from ampyre.cluster.primary import Primary
from ampyre.cluster.routing import RoutedLinks
from ampyre.cluster.supervisor import Supervisor
from ampyre.cluster.wire import Observed
from ampyre.config import Settings
from ampyre.dispatch.router import Router
from ampyre.dispatch.station_gateway import LinkGateway
from ampyre.metrics import Metrics, metrics_router
from ampyre.ocpp_j import (
    CSMS_TABLES,
    ROUTES,
    message_recorder,
    ocpp_j_server,
    remember_boots,
    station_services,
)
from ampyre.persistence.database import Database
from ampyre.persistence.file_store import LocalFileStore
from ampyre.persistence.migrate import head_revision
from ampyre.protocol.versions import OcppVersion
from ampyre.services.access import TokenService
from ampyre.services.commands import CommandService
from ampyre.services.configuration import ConfigurationService
from ampyre.services.device_model import MonitoringService
from ampyre.services.diagnostics import DiagnosticsService, LogUploads
from ampyre.services.display import DisplayService
from ampyre.services.events import EventBus
from ampyre.services.firmware import FirmwareService
from ampyre.services.id_tokens import IdTokenService
from ampyre.services.local_list import LocalListService
from ampyre.services.message_log import MessageLogService
from ampyre.services.ports import Clock
from ampyre.services.provisioning import StationAddresses
from ampyre.services.reservations import ReservationService
from ampyre.services.security import CertificateService, InstalledCertificates
from ampyre.services.smart_charging import SmartChargingService
from ampyre.services.stations import StationService
from ampyre.services.tariff_cost import CostService
from ampyre.services.transactions import TransactionHistory
from ampyre.services.webhooks import Dispatcher, RetryPolicy, WebhookService
from ampyre.soap_tables import CENTRAL_SYSTEM, CHARGE_POINT
from ampyre.transports.http import HttpServer
from ampyre.transports.links import LinkRegistry
from ampyre.transports.soap_server import Bridge, SoapEndpoint
from ampyre.worker import WORKER_SETTINGS_ENV

log = logging.getLogger("ampyre")

#: how long `start` waits for the workers to listen
WORKERS_START_TIMEOUT = 60.0


class SchemaOutdated(RuntimeError):
    """The database is not at the newest migration."""


class WorkersFailed(RuntimeError):
    """The OCPP-J worker processes did not start."""


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
        self.services = station_services(
            settings, uow, self.clock, self.events, self.configuration, self.reservations
        )
        self.local_lists = LocalListService(uow)
        self.tokens = TokenService(uow, self.clock)
        self.router = Router(self.services, ROUTES, list(settings.leniency))
        #: every frame in and out, off the hot path: to the message log and the metrics
        self.recorder = message_recorder(settings, uow)
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
        #: with --workers N: the workers' end (they hold the OCPP-J stations), else None
        self.cluster: Primary | None = None
        self.supervisor: Supervisor | None = None
        self._reserved: socket.socket | None = None
        self._cluster_dir: str | None = None
        if settings.workers > 1:
            self.cluster = Primary(
                tables=CSMS_TABLES,
                call_timeout=settings.call_timeout,
                publish=self.events.publish,
                disconnected=self._disconnected,
                observe=self._observed,
            )
        #: Prometheus metrics (None when switched off)
        self.metrics: Metrics | None = None
        if settings.metrics:
            cluster = self.cluster
            self.metrics = Metrics(
                self.links,
                self.recorder,
                cluster.versions if cluster else None,
                cluster.message_log if cluster else None,
            )
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
            LinkGateway(RoutedLinks(self.links, self.cluster) if self.cluster else self.links),
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
        self.server = ocpp_j_server(settings, self.router, self.links)
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
                workers=self.cluster.nodes if self.cluster else None,
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

    async def start(self, migrate: bool = False) -> None:
        if self.cluster is None:
            await self._start(migrate)
            return
        self._reserve_port()  # before any start-up duty: a port in use changes nothing
        try:
            await self._start(migrate)
        except BaseException:
            await self._stop_workers()
            raise

    async def _start(self, migrate: bool) -> None:
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
            await remember_boots(self.router, self.stations)
        self.recorder.start()
        self.message_log.start()
        await self.webhooks.start()
        if self.cluster is None:
            await self.server.start()
        else:
            await self._start_workers()
        await self.http.start()
        settings = self.settings
        versions = ", ".join(f"{v} ({v.subprotocol})" for v in CSMS_TABLES)
        log.info(
            "Ampyre %s: OCPP-J on ws://%s:%d%s/{stationId}",
            __version__,
            settings.host,
            self.port,
            settings.ocpp_path.rstrip("/"),
        )
        if self.supervisor is not None:
            log.info(
                "%d OCPP-J worker processes share the port (pids %s)",
                settings.workers,
                ", ".join(str(pid) for pid in self.supervisor.pids().values()),
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
        if self._reserved is not None:
            return int(self._reserved.getsockname()[1])
        return self.server.bound_port

    def _reserve_port(self) -> None:
        """Hold the OCPP-J port for the workers: bound with SO_REUSEPORT, never listening.

        First a plain bind: SO_REUSEPORT alone would let us join another server of the same
        user on that port (say a second `ampyre serve --workers N`), splitting its stations.
        """
        settings = self.settings
        family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
        if settings.port != 0:
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((settings.host, settings.port))  # OSError: someone has the port
        self._reserved = socket.socket(family, socket.SOCK_STREAM)
        self._reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            self._reserved.bind((settings.host, settings.port))
        except OSError:
            self._reserved.close()
            self._reserved = None
            raise

    async def _start_workers(self) -> None:
        """Start the workers on the reserved port and wait until they listen."""
        assert self.cluster is not None
        settings = self.settings
        self._cluster_dir = tempfile.mkdtemp(prefix="ampyre-cluster-")
        await self.cluster.start(os.path.join(self._cluster_dir, "primary.sock"))
        worker_settings = settings.model_copy(update={"workers": 1, "port": self.port})
        env = {**os.environ, WORKER_SETTINGS_ENV: worker_settings.model_dump_json()}
        path = self.cluster.path
        self.supervisor = Supervisor(
            settings.workers,
            lambda index: [sys.executable, "-m", "ampyre", "worker", str(index), path],
            env,
        )
        await self.supervisor.start()
        try:
            await self.cluster.wait_ready(settings.workers, WORKERS_START_TIMEOUT)
        except TimeoutError:
            await self.supervisor.stop()
            raise WorkersFailed(
                f"the {settings.workers} OCPP-J workers did not start within "
                f"{WORKERS_START_TIMEOUT:g} s (see their log lines above)"
            ) from None

    async def _stop_workers(self) -> None:
        """Stop the workers, close their channel, free the port (also after a failed start)."""
        if self.supervisor is not None:
            await self.supervisor.stop()
            self.supervisor = None
        if self.cluster is not None:
            await self.cluster.stop()
        if self._cluster_dir is not None:
            shutil.rmtree(self._cluster_dir, ignore_errors=True)
            self._cluster_dir = None
        if self._reserved is not None:
            self._reserved.close()
            self._reserved = None

    async def _disconnected(self, station_id: str) -> None:
        await self.services.provisioning.disconnected(station_id, self.clock.now())

    def _observed(self, observed: Observed) -> None:
        if self.metrics is not None:
            self.metrics.observe_frames(observed.messages)
            for seconds in observed.commits:
                self.metrics.observe_commit(seconds)

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
        if self.cluster is None:
            await self.server.stop()
        else:
            await self._stop_workers()  # their stations' disconnects still reach us
        await self.services.provisioning.close()
        # after the stations (no more events), before the database
        await self.webhooks.close()
        await self.webhook_http.aclose()
        await self.recorder.close()
        await self.message_log.close()
        await self.database.close()
        log.info("stopped")
