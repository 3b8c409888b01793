"""When a station was last heard from: every CALL counts, stored within a second."""

from __future__ import annotations

import asyncio
from datetime import datetime

from ampyre.app import Application
from ampyre.messages.v16 import types as m16
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.client import JsonClient

BOOT16 = m16.BootNotificationRequest(chargePointVendor="Acme", chargePointModel="X1")


async def last_seen(app: Application, station_id: str) -> datetime | None:
    return (await app.stations.require(station_id)).last_seen


async def until_stored(app: Application, station_id: str, later_than: datetime) -> datetime:
    async with asyncio.timeout(10):
        while True:
            seen = await last_seen(app, station_id)
            if seen is not None and seen > later_than:
                return seen
            await asyncio.sleep(0.05)


async def test_every_call_moves_last_seen_without_waiting_for_the_disk(
    csms: Application, ocpp_url: str
) -> None:
    async with JsonClient(ocpp_url, "SEEN-1", OcppVersion.V16) as station:
        assert (await station.call("BootNotification", BOOT16)).status == "Accepted"
        booted = await last_seen(csms, "SEEN-1")
        assert booted is not None
        await asyncio.sleep(0.01)
        beat = (await station.call("Heartbeat", m16.HeartbeatRequest())).currentTime
        assert beat > booted
        # stored within a second: when the Heartbeat came in
        assert booted < await until_stored(csms, "SEEN-1", booted) <= beat

        await asyncio.sleep(0.01)
        await station.call("Authorize", m16.AuthorizeRequest(idTag="ANY"))
        assert await until_stored(csms, "SEEN-1", beat) > beat
