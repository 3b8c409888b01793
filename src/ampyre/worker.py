"""Composition root of one OCPP-J worker process (`ampyre serve --workers N` starts N).

A worker serves charge points on the shared port (SO_REUSEPORT) with the same router and
services as a single process, against the same PostgreSQL database. Everything else (the
operator API, OCPP-S, webhooks, events, metrics, start-up duties) is the primary's: the
worker claims its stations from the primary, forwards its events and metrics counts, and
carries out the commands the primary routes to it. It stops on SIGTERM, or when the primary
goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal

from ampyre.clock import SystemClock
from ampyre.cluster.worker import ClusterHandler, PrimaryGone, WorkerChannel
from ampyre.config import Settings
from ampyre.dispatch.router import Router
from ampyre.ocpp_j import (
    ROUTES,
    message_recorder,
    ocpp_j_server,
    remember_boots,
    station_services,
)
from ampyre.persistence.database import Database
from ampyre.persistence.migrate import head_revision
from ampyre.services.events import EventBus
from ampyre.services.stations import StationService
from ampyre.transports.links import LinkRegistry

log = logging.getLogger("ampyre.worker")

#: the worker processes read their Settings (as JSON) from this environment variable
WORKER_SETTINGS_ENV = "AMPYRE_WORKER_SETTINGS"


class Worker:
    def __init__(self, settings: Settings, index: int, primary_path: str) -> None:
        self.settings = settings
        self.index = index
        self.database = Database(settings.database_url)
        uow = self.database.unit_of_work
        self.events = EventBus()
        clock = SystemClock()
        self.services = station_services(settings, uow, clock, self.events)
        self.stations = StationService(uow, clock)
        self.router = Router(self.services, ROUTES, list(settings.leniency))
        self.recorder = message_recorder(settings, uow)
        self.links = LinkRegistry(
            self.recorder if settings.message_log or settings.metrics else None
        )
        recorder = self.recorder
        self.channel = WorkerChannel(
            primary_path,
            index,
            self.links,
            lambda: (recorder.written, recorder.dropped, recorder.failed),
        )
        self.events.subscribe(self.channel.publish)
        if settings.metrics:
            self.recorder.observe(self.channel.observe_messages)
            self.database.commit_observer = self.channel.observe_commit
        self.server = ocpp_j_server(
            settings,
            self.router,
            self.links,
            handler=ClusterHandler(self.router, self.channel),
            reuse_port=True,
        )

    async def run(self) -> None:
        """Serve until SIGTERM or until the primary goes away."""
        if await self.database.current_revision() != head_revision():
            raise SystemExit(f"worker {self.index}: the database is not migrated to this version")
        if self.router.needs_boots:  # as of now; each connect and boot here updates it
            await remember_boots(self.router, self.stations)
        await self.channel.connect()
        primary = asyncio.get_running_loop().create_task(self.channel.run())
        self.recorder.start()
        await self.server.start()
        self.channel.ready()
        log.info(
            "worker %d (pid %d) serves OCPP-J on port %d",
            self.index,
            os.getpid(),
            self.server.bound_port,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        stopping = loop.create_task(stop.wait())
        await asyncio.wait({primary, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if primary.done():
            with contextlib.suppress(PrimaryGone):
                primary.result()
            log.error("worker %d: the primary went away; stopping", self.index)
            # nobody else will remove the primary's socket directory now
            directory = os.path.dirname(self.channel.path)
            if os.path.basename(directory).startswith("ampyre-cluster-"):
                shutil.rmtree(directory, ignore_errors=True)
        stopping.cancel()
        await self.server.stop()  # the stations' disconnects go to the primary
        await self.services.provisioning.close()
        await self.recorder.close()
        await self.channel.close()
        primary.cancel()
        with contextlib.suppress(asyncio.CancelledError, PrimaryGone):
            await primary
        await self.database.close()
        log.info("worker %d stopped", self.index)
