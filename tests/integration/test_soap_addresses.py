"""Where a SOAP station is called: the address it announced, remembered in its record across
restarts, the operator's override (API), clear errors when nobody answers there; and every
envelope in the message log."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from soap_examples import envelope

from ampyre.app import Application
from ampyre.domain.station import StationAddress
from ampyre.messages.v16 import types as m
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.soap_client import SoapStationClient
from ampyre.simulator.station import SimulatedStation
from ampyre.transports.links import CallRejected, CallTimeout, StationUnreachable
from ampyre.transports.soap_server import SoapLink

from .conftest import AppFactory
from .http_server import HttpServer, closed_port
from .soap_helpers import soap_station, soap_url

HEARTBEAT_16 = m.HeartbeatRequest()
BOOT = m.BootNotificationRequest(chargePointVendor="Acme", chargePointModel="M")


def simulator(csms: Application, station_id: str, version: str = "1.6") -> SimulatedStation:
    return SimulatedStation(soap_url(csms), station_id, version, transport="soap", call_timeout=30)


def address_of(cs: SimulatedStation) -> str:
    assert isinstance(cs.client, SoapStationClient)
    return cs.client.address


def link_of(csms: Application, station_id: str) -> SoapLink:
    link = csms.links.get(station_id)
    assert isinstance(link, SoapLink)
    return link


async def test_the_announced_address_is_remembered_across_a_restart(
    start_csms: AppFactory,
) -> None:
    async with start_csms() as first:
        cs = simulator(first, "ADDR-R")
        await cs.__aenter__()
    try:
        address = address_of(cs)
        assert await first.station_addresses.get("ADDR-R") == StationAddress(announced=address)
        async with start_csms() as second:
            # before the station speaks again, commands reach it at the remembered address
            link = link_of(second, "ADDR-R")
            assert not link.admitted and link.announced is None
            assert await link.address() == address
            answer = await link.call("GetConfiguration", m.GetConfigurationRequest())
            assert answer.configurationKey  # the simulator answered
            async with second.database.unit_of_work() as uow:
                station = await uow.stations.get("ADDR-R")
                assert station is not None and not station.connected
            # it speaks (without a From): now it is connected, still at the same address
            async with soap_station(second, "ADDR-R", OcppVersion.V16, None) as hand:
                await hand.call("Heartbeat", HEARTBEAT_16)
            assert link_of(second, "ADDR-R") is link and link.admitted
            assert await link.address() == address
            async with second.database.unit_of_work() as uow:
                station = await uow.stations.get("ADDR-R")
                assert station is not None and station.connected
    finally:
        await cs.__aexit__(None, None, None)


async def test_a_new_announced_address_replaces_the_remembered_one(csms: Application) -> None:
    async with soap_station(csms, "ADDR-N", OcppVersion.V16, "http://10.0.0.1:8080/a") as cs:
        await cs.call("BootNotification", BOOT)
        cs.from_address = "http://10.0.0.2:8080/b"
        await cs.call("Heartbeat", HEARTBEAT_16)
        cs.from_address = "urn:not-a-url"  # ignored: the last usable one stays
        await cs.call("Heartbeat", HEARTBEAT_16)
    assert await csms.station_addresses.get("ADDR-N") == StationAddress(
        announced="http://10.0.0.2:8080/b"
    )
    assert await link_of(csms, "ADDR-N").address() == "http://10.0.0.2:8080/b"


@pytest.fixture
async def elsewhere() -> AsyncIterator[HttpServer]:
    async with HttpServer(lambda method, path: (500, b"")) as server:
        yield server


async def test_the_operator_override_redirects_commands_until_cleared(
    csms: Application, api: httpx.AsyncClient, elsewhere: HttpServer
) -> None:
    async with simulator(csms, "ADDR-O") as cs:
        announced = address_of(cs)
        url = "/stations/ADDR-O/soap-address"
        got = await api.get(url)
        assert got.status_code == 200
        assert got.json() == {"announced": announced, "override": None, "effective": announced}

        override = elsewhere.url("/override")
        put = await api.put(url, json={"override": override})
        assert put.status_code == 200
        assert put.json() == {"announced": announced, "override": override, "effective": override}
        link = link_of(csms, "ADDR-O")
        with pytest.raises(CallRejected, match="HTTP 500 answer to Reset is not SOAP"):
            await link.call("Reset", m.ResetRequest(type=m.ResetType.Soft))
        [request] = elsewhere.requests
        assert request.method == "POST" and request.path == "/override"
        assert b"ADDR-O</" in request.body and b"/Reset<" in request.body
        assert not [a for a, _ in cs.client.received if a == "Reset"]  # type: ignore[union-attr]

        cleared = await api.put(url, json={"override": None})
        assert cleared.json() == {"announced": announced, "override": None, "effective": announced}
        answer = await link.call("ClearCache", m.ClearCacheRequest())
        assert answer.status == "Accepted"
        assert len(elsewhere.requests) == 1


@pytest.mark.parametrize(
    ("station", "body", "status", "words"),
    [
        ("NOBODY", {"override": "http://10.0.0.1/"}, 404, "no station 'NOBODY'"),
        ("KNOWN", {"override": "ftp://10.0.0.1/"}, 422, "no http:// or https:// URL"),
        ("KNOWN", {"override": "http://"}, 422, "with a host"),
        ("KNOWN", {"override": "http://h:99999/"}, 422, "is no URL"),
        ("KNOWN", {"override": "http://h/" + "x" * 600}, 422, "at most 512"),
        ("KNOWN", {}, 422, "override"),
    ],
)
async def test_bad_overrides_are_refused(
    csms: Application,
    api: httpx.AsyncClient,
    station: str,
    body: dict[str, Any],
    status: int,
    words: str,
) -> None:
    async with soap_station(csms, "KNOWN", OcppVersion.V16, "http://10.0.0.1/cp") as cs:
        await cs.call("BootNotification", BOOT)
    response = await api.put(f"/stations/{station}/soap-address", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert words in response.text
    assert await csms.station_addresses.get("KNOWN") == StationAddress("http://10.0.0.1/cp")


async def test_readers_see_operators_change(
    csms: Application, api_url: str, reader_token: str
) -> None:
    async with soap_station(csms, "ADDR-T", OcppVersion.V15, "http://10.0.0.1/cp") as cs:
        from ampyre.messages.v15 import types as m15

        await cs.call(
            "BootNotification",
            m15.BootNotificationRequest(chargePointVendor="Acme", chargePointModel="M"),
        )
    url = f"{api_url}/stations/ADDR-T/soap-address"
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {reader_token}"}) as reader:
        assert (await reader.get(url)).json()["effective"] == "http://10.0.0.1/cp"
        assert (await reader.put(url, json={"override": None})).status_code == 403
    async with httpx.AsyncClient() as anonymous:
        assert (await anonymous.get(url)).status_code == 401


async def test_unreachable_and_silent_stations_are_clear_errors(csms: Application) -> None:
    nowhere = f"http://127.0.0.1:{closed_port()}/cp"
    async with soap_station(csms, "ADDR-U", OcppVersion.V16, nowhere) as cs:
        await cs.call("BootNotification", BOOT)
    link = link_of(csms, "ADDR-U")
    with pytest.raises(StationUnreachable, match=re.escape(f"{nowhere} cannot be reached")):
        await link.call("ClearCache", m.ClearCacheRequest())

    held: list[asyncio.StreamWriter] = []
    reached = asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        reached.set()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        await csms.station_addresses.set_override("ADDR-U", f"http://127.0.0.1:{port}/cp")
        with pytest.raises(CallTimeout, match=r"ADDR-U did not answer ClearCache within 0\.3 s"):
            await link.call("ClearCache", m.ClearCacheRequest(), timeout=0.3)
        assert reached.is_set()
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()

    async with soap_station(csms, "ADDR-X", OcppVersion.V16, None) as cs:
        await cs.call("BootNotification", BOOT)
    with pytest.raises(StationUnreachable, match="announced no address"):
        await link_of(csms, "ADDR-X").call("ClearCache", m.ClearCacheRequest())


async def test_soap_envelopes_are_in_the_message_log(
    csms: Application, api: httpx.AsyncClient
) -> None:
    async with simulator(csms, "ADDR-L") as cs:
        link = link_of(csms, "ADDR-L")
        await link.call("ClearCache", m.ClearCacheRequest())
        await cs.drained()
    namespace = "urn://Ocpp/Cs/2015/10/"
    too_long = envelope(
        f'<a:authorizeRequest xmlns:a="{namespace}"><a:idTag>{"x" * 21}</a:idTag>'
        "</a:authorizeRequest>",
        namespace=namespace,
        identity="ADDR-L",
        action="/Authorize",
    )
    async with httpx.AsyncClient(trust_env=False) as http:
        assert (await http.post(soap_url(csms), content=too_long)).status_code == 400
    await csms.recorder.flushed()
    response = await api.get("/stations/ADDR-L/messages", params={"limit": 500})
    items = response.json()["items"]
    seen = {(i["direction"], i["kind"], i["action"]) for i in items}
    assert {
        ("in", "call", "BootNotification"),
        ("out", "result", "BootNotification"),
        ("out", "call", "ClearCache"),
        ("in", "result", "ClearCache"),
        ("out", "error", "Authorize"),
    } <= seen
    boot = next(i for i in items if (i["direction"], i["action"]) == ("out", "BootNotification"))
    assert boot["answer_ms"] is not None and boot["frame"].startswith("<?xml")
    error = next(i for i in items if i["kind"] == "error")
    assert error["error_code"] == "ProtocolError" and "schema violation" in error["frame"]


async def test_a_restored_soap_link_gives_way_to_the_station_on_a_websocket(
    start_csms: AppFactory,
) -> None:
    """A station that spoke SOAP before a restart and now connects over OCPP-J is reached
    over its WebSocket, not at its old SOAP address."""
    nowhere = f"http://127.0.0.1:{closed_port()}/cp"
    async with (
        start_csms() as first,
        soap_station(first, "ADDR-J", OcppVersion.V16, nowhere) as hand,
    ):
        await hand.call("BootNotification", BOOT)
    async with start_csms() as second:
        assert isinstance(second.links.get("ADDR-J"), SoapLink)
        url = f"ws://127.0.0.1:{second.port}/ocpp"
        async with SimulatedStation(url, "ADDR-J", "1.6") as cs:
            link = second.links.get("ADDR-J")
            assert link is not None and not isinstance(link, SoapLink)
            assert (await link.call("ClearCache", m.ClearCacheRequest())).status == "Accepted"
            assert [name for name, _ in cs.received] == ["ClearCache"]
