"""Registration policies, reconnects without boot, restarts, and per-station leniency."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.asyncio.client import connect

from ampyre.app import Application
from ampyre.domain.station import Station
from ampyre.messages.v16 import types as m16
from ampyre.messages.v201 import types as m201
from ampyre.persistence.database import Database
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.client import CallErrorReceived, JsonClient

from .conftest import AppFactory

pytestmark = pytest.mark.transports

BOOT16 = m16.BootNotificationRequest(chargePointVendor="Acme", chargePointModel="X1")


@pytest.mark.parametrize(
    ("policy", "answer"),
    [("known-only-pending", "Pending"), ("known-only-rejected", "Rejected")],
)
async def test_known_only_policies(start_csms: AppFactory, policy: str, answer: str) -> None:
    async with start_csms(registration_policy=policy) as app:
        url = f"ws://127.0.0.1:{app.port}/ocpp"
        async with JsonClient(url, "STRANGER", OcppVersion.V16) as cs:
            with pytest.raises(CallErrorReceived) as refused:
                await cs.call("Heartbeat", m16.HeartbeatRequest())
            assert refused.value.error.wire_code == "SecurityError"
            boot = await cs.call("BootNotification", BOOT16)
            assert boot.status == answer
            assert boot.interval == app.settings.pending_retry_interval
            with pytest.raises(CallErrorReceived):
                await cs.call("Heartbeat", m16.HeartbeatRequest())
        async with app.database.unit_of_work() as uow:
            await uow.stations.save(Station(id="FRIEND", registered=True))
            await uow.commit()
        async with JsonClient(url, "FRIEND", OcppVersion.V201) as cs:
            boot = await cs.call(
                "BootNotification",
                m201.BootNotificationRequest(
                    reason=m201.BootReasonEnumType.PowerUp,
                    chargingStation=m201.ChargingStationType(vendorName="Acme", model="Z"),
                ),
            )
            assert boot.status == "Accepted"
            assert boot.interval == app.settings.heartbeat_interval


async def test_restart_serves_known_stations_without_boot_and_never_reuses_ids(
    start_csms: AppFactory, database_url: str
) -> None:
    ids = []
    for run in range(2):
        async with start_csms(registration_policy="known-only-rejected") as app:
            url = f"ws://127.0.0.1:{app.port}/ocpp"
            if run == 0:
                async with app.database.unit_of_work() as uow:
                    await uow.stations.save(Station(id="KNOWN", registered=True))
                    await uow.commit()
            async with JsonClient(url, "KNOWN", OcppVersion.V16) as cs:
                if run == 0:
                    assert (await cs.call("BootNotification", BOOT16)).status == "Accepted"
                # in run 1 the station reconnects after the CSMS restart without booting
                start = await cs.call(
                    "StartTransaction",
                    m16.StartTransactionRequest(
                        connectorId=1, idTag="T", meterStart=run, timestamp=datetime.now(UTC)
                    ),
                )
                ids.append(start.transactionId)
                async with app.database.unit_of_work() as uow:
                    station = await uow.stations.get("KNOWN")
                    assert station is not None and station.connected
        database = Database(database_url)
        try:
            async with database.unit_of_work() as uow:
                station = await uow.stations.get("KNOWN")
                assert station is not None and not station.connected
        finally:
            await database.close()
    assert ids[1] > ids[0]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "leniency": [
            {"vendor": "Sloppy", "relax_fields": ["chargePointSerialNumber", "meterType"]},
            {"stations": ["NO-SUBPROTO"], "default_version": "1.6", "ping": False},
        ]
    }


async def test_leniency_by_vendor_after_boot(csms: Application, ocpp_url: str) -> None:
    long_serial = "S" * 30
    async with JsonClient(ocpp_url, "SLOPPY-1", OcppVersion.V16) as cs:
        boot = m16.BootNotificationRequest(
            chargePointVendor="Sloppy", chargePointModel="M", chargePointSerialNumber="ok"
        )
        assert (await cs.call("BootNotification", boot)).status == "Accepted"
        raw = (
            '[2, "b2", "BootNotification", {"chargePointVendor": "Sloppy",'
            f' "chargePointModel": "M", "chargePointSerialNumber": "{long_serial}"}}]'
        )
        assert cs.ws is not None
        await cs.send_raw(raw)
    # a strict station is refused for the same breach
    async with connect(f"{ocpp_url}/STRICT-1", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
        await ws.send(raw)
        assert '"PropertyConstraintViolation"' in str(await ws.recv())
    # the lenient station's boot with the long serial was stored
    async with connect(f"{ocpp_url}/SLOPPY-1", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
        await ws.send(raw)
        answer = str(await ws.recv())
        assert answer.startswith('[3,"b2"')
    async with csms.database.unit_of_work() as uow:
        station = await uow.stations.get("SLOPPY-1")
        assert station is not None and station.boot is not None
        assert station.boot.serial_number == long_serial


async def test_missing_subprotocol_and_ping_off_by_station(
    csms: Application, ocpp_url: str
) -> None:
    async with connect(f"{ocpp_url}/NO-SUBPROTO") as ws:
        assert ws.subprotocol is None
        await ws.send('[2, "hb", "Heartbeat", {}]')
        assert str(await ws.recv()).startswith('[3,"hb"')
        link = csms.server.links["NO-SUBPROTO"]
        assert link.version is OcppVersion.V16
        assert link.ping_interval is None
    async with JsonClient(ocpp_url, "PINGED", OcppVersion.V16):
        assert csms.server.links["PINGED"].ping_interval == csms.settings.ping_interval


async def test_each_relaxation_is_logged_once_per_station(
    csms: Application, ocpp_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    boot = m16.BootNotificationRequest(chargePointVendor="Sloppy", chargePointModel="M")
    raw = (
        '[2, "{id}", "BootNotification", {{"chargePointVendor": "Sloppy",'
        ' "chargePointModel": "M", "chargePointSerialNumber": "' + "S" * 30 + '"}}]'
    )
    async with JsonClient(ocpp_url, "SLOPPY-LOG", OcppVersion.V16) as cs:
        await cs.call("BootNotification", boot)
    caplog.set_level("WARNING", logger="ampyre.dispatch")
    async with connect(f"{ocpp_url}/SLOPPY-LOG", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
        for message_id in ("r1", "r2", "r3"):
            await ws.send(raw.format(id=message_id))
            assert str(await ws.recv()).startswith(f'[3,"{message_id}"')
    notes = [r for r in caplog.records if "accepted despite leniency rule" in r.getMessage()]
    assert len(notes) == 1
    assert "chargePointSerialNumber" in notes[0].getMessage()


async def test_leniency_by_vendor_decides_the_handshake_after_a_restart(
    start_csms: AppFactory,
) -> None:
    """The vendor/model a station booted with is kept for the next handshake, across a
    restart (the router loads it at start): no subprotocol then means the vendor's version."""
    lenient = [{"vendor": "Quiet", "model": "Q1", "default_version": "1.6", "ping": False}]
    boot = m16.BootNotificationRequest(chargePointVendor="Quiet", chargePointModel="Q1")
    async with start_csms(leniency=lenient) as app:
        url = f"ws://127.0.0.1:{app.port}/ocpp"
        async with JsonClient(url, "QUIET-1", OcppVersion.V16) as cs:
            assert app.server.links["QUIET-1"].ping_interval == app.settings.ping_interval
            assert (await cs.call("BootNotification", boot)).status == "Accepted"
        async with connect(f"{url}/QUIET-1") as ws:
            await ws.send('[2, "hb", "Heartbeat", {}]')
            assert str(await ws.recv()).startswith('[3,"hb"')
            assert app.server.links["QUIET-1"].ping_interval is None
    async with start_csms(leniency=lenient) as app:
        url = f"ws://127.0.0.1:{app.port}/ocpp"
        async with connect(f"{url}/QUIET-1") as ws:
            await ws.send('[2, "hb", "Heartbeat", {}]')
            assert str(await ws.recv()).startswith('[3,"hb"')
            link = app.server.links["QUIET-1"]
            assert link.version is OcppVersion.V16 and link.ping_interval is None
