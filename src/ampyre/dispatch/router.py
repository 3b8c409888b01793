"""The inbound handler behind the transports: gate, route, translate errors once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ampyre.config import LeniencyProfile
from ampyre.dispatch.context import Services, StationContext
from ampyre.domain.errors import DomainError, StorageUnavailable
from ampyre.leniency import STRICT_LENIENCY, Leniency, resolve
from ampyre.protocol.errors import (
    GenericError,
    InternalError,
    NotSupported,
    OcppError,
    SecurityError,
)
from ampyre.protocol.versions import OcppVersion
from ampyre.transports.links import StationLink

log = logging.getLogger("ampyre.dispatch")

Route = Callable[[StationContext, Any], Awaitable[Any]]
RouteTable = Mapping[str, Route]

BOOT = "BootNotification"


class Router:
    def __init__(
        self,
        services: Services,
        routes: Mapping[OcppVersion, RouteTable],
        leniency_profiles: list[LeniencyProfile],
    ) -> None:
        self.services = services
        self.routes = routes
        self.profiles = leniency_profiles
        #: vendors some profile names: only their stations' boots are remembered
        self._vendors = {p.vendor for p in leniency_profiles if p.vendor is not None}
        #: station id -> (vendor, model) of its last boot, for the stations of those vendors
        self._boots: dict[str, tuple[str, str | None]] = {}

    @property
    def needs_boots(self) -> bool:
        """True when admission depends on stored boots: `remember` them at start."""
        return bool(self._vendors)

    def remember(self, station_id: str, vendor: str | None, model: str | None) -> None:
        """Note the vendor/model a station booted with (kept only when a profile names it)."""
        if vendor in self._vendors:
            assert vendor is not None
            self._boots[station_id] = (vendor, model)
        else:
            self._boots.pop(station_id, None)

    def admit(self, station_id: str) -> Leniency:
        """Leniency for a connecting station: by its id, or by the vendor/model we know.

        Synchronous (no database): transports decide the upgrade in a plain callback. The
        vendor/model of stations that a profile names by vendor are kept in memory, loaded at
        start (`remember`) and updated at each connect and BootNotification.
        """
        if not self.profiles:
            return STRICT_LENIENCY
        vendor, model = self._boots.get(station_id, (None, None))
        return self.leniency(station_id, vendor, model)

    def leniency(self, station_id: str, vendor: str | None, model: str | None) -> Leniency:
        return resolve(self.profiles, station_id, vendor, model)

    async def connected(self, link: StationLink) -> None:
        station = await self.services.provisioning.connected(
            link.station_id, link.version.value, self.services.clock.now()
        )
        boot = station.boot
        vendor, model = (boot.vendor, boot.model) if boot else (None, None)
        self.remember(link.station_id, vendor, model)
        leniency = self.leniency(link.station_id, vendor, model)
        if leniency != STRICT_LENIENCY:
            log.warning("%s: leniency in force: %s", link.station_id, leniency.describe())
        link.state = StationContext(link.station_id, link.version, station, self.services, leniency)

    async def disconnected(self, link: StationLink) -> None:
        await self.services.provisioning.disconnected(link.station_id, self.services.clock.now())

    def relaxed(self, link: StationLink, notes: tuple[str, ...]) -> None:
        ctx: StationContext = link.state
        for note in notes:
            key = note.split(" - at ")[-1] if " - at " in note else note
            if key not in ctx.logged:
                ctx.logged.add(key)
                log.warning("%s: accepted despite leniency rule: %s", link.station_id, note)

    async def handle_call(self, link: StationLink, action: str, payload: Any) -> Any:
        ctx: StationContext = link.state
        self.services.provisioning.heard(ctx.station_id, ctx.now())
        route = self.routes[link.version].get(action)
        if route is None:
            raise NotSupported(f"{action} is not supported by this central system")
        if action != BOOT and not self.services.provisioning.may_serve(ctx.station):
            raise SecurityError(
                f"station {ctx.station_id} is not accepted: send a BootNotification first"
            )
        try:
            response = await route(ctx, payload)
        except OcppError:
            raise
        except StorageUnavailable as exc:
            log.error("%s: %s not stored: %s", ctx.station_id, action, exc)
            raise InternalError(f"{action} could not be stored; retry later") from exc
        except DomainError as exc:
            raise GenericError(str(exc)) from exc
        if action == BOOT and ctx.station.boot is not None:
            boot = ctx.station.boot
            self.remember(ctx.station_id, boot.vendor, boot.model)
            ctx.leniency = self.leniency(ctx.station_id, boot.vendor, boot.model)
            link.relax(ctx.leniency.relaxation)
        return response
