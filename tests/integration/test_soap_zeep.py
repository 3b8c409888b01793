"""Independent checks of OCPP-S, with nothing of our SOAP code on the other side.

- A `zeep` client built from the official CentralSystemService WSDL (1.5 and 1.6) talks to
  our endpoint: zeep writes the envelopes (its own WS-Addressing, the WSDL's
  chargeBoxIdentity header) and reads our answers strictly against the WSDL.
- A station made of zeep and libxml2 checks every request our SOAP client sends to a
  ChargePointService: the body is validated by lxml's XMLSchema (libxml2, not xmlschema)
  built straight from the WSDL's types, zeep reads the request, and zeep writes the answer
  our client has to read back.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import httpx
import msgspec
import pytest
import zeep
from lxml import etree
from soap_examples import ROOT, WSDLS, payload
from zeep.plugins import HistoryPlugin, Plugin
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.reports import ReportKind
from ampyre.domain.transactions import TransactionState
from ampyre.protocol.soap_codec import SoapCodec
from ampyre.protocol.versions import OcppVersion
from ampyre.soap_tables import CHARGE_POINT
from ampyre.transports.soap_client import SoapClient

from .http_server import HttpServer
from .soap_helpers import soap_url

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
VERSIONS = pytest.mark.parametrize("version", ["1.5", "1.6"])


def wsdl_path(version: str, service: str) -> str:
    return str(ROOT / WSDLS[(version, service)])


class AnnounceFrom(Plugin):  # type: ignore[misc]
    """zeep adds Action, MessageID and To (the WSDL says UsingAddressing), not From."""

    def __init__(self, address: str) -> None:
        self.address = address

    def egress(
        self, envelope: Any, http_headers: Any, operation: Any, binding_options: Any
    ) -> tuple[Any, Any]:
        header = envelope.find(f"{{{SOAP12}}}Header")
        sender = etree.SubElement(header, f"{{{WSA}}}From")
        etree.SubElement(sender, f"{{{WSA}}}Address").text = self.address
        return envelope, http_headers


class ZeepStation:
    """A station's side of OCPP-S written by zeep from the official WSDL."""

    def __init__(self, proxy: Any, identity: str, history: HistoryPlugin) -> None:
        self.proxy = proxy
        self.identity = identity
        self.history = history

    async def call(self, action: str, **values: Any) -> Any:
        operation = getattr(self.proxy, action)
        answer = await operation(**values, _soapheaders={"ChargeBoxIdentity": self.identity})
        sent = self.history.last_sent["envelope"]
        received = self.history.last_received["envelope"]
        # WS-Addressing on our answer: RelatesTo the request, the WSDL's output Action
        assert received.findtext(f".//{{{WSA}}}RelatesTo") == sent.findtext(
            f".//{{{WSA}}}MessageID"
        )
        assert received.findtext(f".//{{{WSA}}}Action") == f"/{action}Response"
        return answer


@pytest.fixture
async def zeep_http() -> AsyncIterator[tuple[httpx.AsyncClient, httpx.Client]]:
    async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
        with httpx.Client(trust_env=False) as wsdl_client:
            yield client, wsdl_client


def zeep_station(
    csms: Application,
    http: tuple[httpx.AsyncClient, httpx.Client],
    version: str,
    identity: str,
    announce: str,
) -> ZeepStation:
    history = HistoryPlugin()
    client = zeep.AsyncClient(
        wsdl_path(version, "CentralSystemService"),
        transport=AsyncTransport(client=http[0], wsdl_client=http[1]),
        plugins=[AnnounceFrom(announce), history],
    )
    namespace = "urn://Ocpp/Cs/2012/06/" if version == "1.5" else "urn://Ocpp/Cs/2015/10/"
    binding = client.wsdl.bindings[f"{{{namespace}}}CentralSystemServiceSoap"]
    proxy = AsyncServiceProxy(client, binding, address=soap_url(csms))
    return ZeepStation(proxy, identity, history)


@VERSIONS
async def test_a_zeep_client_from_the_official_wsdl_runs_the_core_flow(
    csms: Application, zeep_http: tuple[httpx.AsyncClient, httpx.Client], version: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("ZTAG"))
    station_id = f"ZEEP-{version}"
    announced = "http://127.0.0.1:7/zeep"
    cs = zeep_station(csms, zeep_http, version, station_id, announced)
    v15 = version == "1.5"

    boot = await cs.call(
        "BootNotification", chargePointVendor="Zeep", chargePointModel="W" + version
    )
    assert boot.status == "Accepted"
    assert (boot.heartbeatInterval if v15 else boot.interval) == csms.settings.heartbeat_interval
    # zeep unwraps an answer of one element: currentTime, idTagInfo
    now = await cs.call("Heartbeat")
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
    assert (await cs.call("Authorize", idTag="ZTAG")).status == "Accepted"
    assert (await cs.call("Authorize", idTag="NOBODY")).status == "Invalid"
    await cs.call(
        "StatusNotification",
        connectorId=1,
        status="Occupied" if v15 else "Charging",
        errorCode="NoError",
        timestamp=T0,
    )
    start = await cs.call(
        "StartTransaction", connectorId=1, idTag="ZTAG", timestamp=T0, meterStart=100
    )
    assert start.idTagInfo.status == "Accepted"
    tx_id = start.transactionId
    if v15:  # a 1.5 sample is the value as text, with attributes
        sample = {"_value_1": "600", "unit": "Wh"}
        values = {"values": [{"timestamp": T0 + timedelta(minutes=1), "value": [sample]}]}
    else:
        sample = {"value": "600", "unit": "Wh"}
        values = {
            "meterValue": [{"timestamp": T0 + timedelta(minutes=1), "sampledValue": [sample]}]
        }
    await cs.call("MeterValues", connectorId=1, transactionId=tx_id, **values)
    stop = {"transactionId": tx_id, "idTag": "ZTAG", "timestamp": T0 + timedelta(minutes=5)}
    assert (await cs.call("StopTransaction", meterStop=1100, **stop)).status == "Accepted"
    assert (await cs.call("DataTransfer", vendorId="nobody")).status == "UnknownVendorId"
    await cs.call("DiagnosticsStatusNotification", status="Uploaded")
    await cs.call("FirmwareStatusNotification", status="Installed")

    assert csms.soap.links[station_id].endpoint == announced
    async with csms.database.unit_of_work() as uow:
        station = await uow.stations.get(station_id)
        assert station is not None and station.ocpp_version == version
        assert station.boot is not None and station.boot.vendor == "Zeep"
        transaction = await uow.transactions.get(tx_id)
        assert transaction is not None and transaction.state is TransactionState.ENDED
        assert transaction.energy_wh == 1000
        assert [s.samples[0].value for s in await uow.transactions.meter_values(tx_id)] == ["600"]
        states = await uow.statuses.current(station_id)
        assert [(s.evse_id, s.status) for s in states] == [(1, "Occupied" if v15 else "Charging")]
        reports = {(r.kind, r.status) for r in await uow.reports.list(station_id)}
        assert reports == {
            (ReportKind.DIAGNOSTICS_STATUS, "Uploaded"),
            (ReportKind.FIRMWARE_STATUS, "Installed"),
        }


async def test_zeep_reads_our_faults(
    csms: Application, zeep_http: tuple[httpx.AsyncClient, httpx.Client]
) -> None:
    """A request zeep may write but our schema refuses (an over-long idTag) is a SOAP fault
    that zeep understands, with our reason."""
    cs = zeep_station(csms, zeep_http, "1.6", "ZEEP-F", "http://127.0.0.1:7/zeep")
    with pytest.raises(zeep.exceptions.Fault) as caught:
        await cs.call("Authorize", idTag="X" * 21)
    assert "schema violation" in caught.value.message
    async with csms.database.unit_of_work() as uow:
        assert await uow.stations.get("ZEEP-F") is None


# -- our client's requests, checked by a station of zeep and libxml2 ------------------------


@cache
def wsdl_schema(version: str) -> etree.XMLSchema:
    """The ChargePointService's XML Schema as libxml2 reads it from the WSDL's types."""
    wsdl = etree.parse(wsdl_path(version, "ChargePointService"))
    schema = wsdl.find(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema")
    assert schema is not None
    return etree.XMLSchema(etree.fromstring(etree.tostring(schema)))


@cache
def zeep_service(version: str) -> Any:
    client = zeep.Client(wsdl_path(version, "ChargePointService"))
    namespace = "urn://Ocpp/Cp/2012/06/" if version == "1.5" else "urn://Ocpp/Cp/2015/10/"
    return client.wsdl.bindings[f"{{{namespace}}}ChargePointServiceSoap"]


def _builtin(value: Any) -> Any:
    """A payload as zeep's keyword arguments (decimals stay exact)."""
    return msgspec.to_builtins(value, builtin_types=(datetime, Decimal))


class ZeepChargePoint:
    """Answers every ChargePointService request with the given answer, written by zeep,
    after checking the request independently of our codec."""

    def __init__(self, version: str, identity: str) -> None:
        self.version = version
        self.identity = identity
        self.answer: dict[str, Any] = {}
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.server = HttpServer(self.respond)
        self.problems: list[str] = []

    def respond(self, method: str, path: str) -> tuple[int, bytes]:
        request = self.server.requests[-1]
        try:
            return 200, self._answer(request.headers, request.body)
        except Exception as exc:  # the test reads self.problems
            self.problems.append(f"{type(exc).__name__}: {exc}")
            return 500, b""

    def _answer(self, headers: dict[str, str], data: bytes) -> bytes:
        assert headers["content-type"].startswith("application/soap+xml")
        envelope = etree.fromstring(data)
        assert envelope.tag == f"{{{SOAP12}}}Envelope"
        header = envelope.find(f"{{{SOAP12}}}Header")
        body = envelope.find(f"{{{SOAP12}}}Body")
        assert header is not None and body is not None and len(body) == 1
        request = body[0]
        wsdl_schema(self.version).assertValid(request)  # libxml2 against the official XSD
        action = header.findtext(f"{{{WSA}}}Action")
        assert action is not None and action.startswith("/")
        name = action[1:]
        operation = zeep_service(self.version).get(name)
        read = operation.input.deserialize(envelope)  # zeep, strict
        assert read.header.ChargeBoxIdentity == self.identity  # the WSDL's header part
        message_id = header.findtext(f"{{{WSA}}}MessageID")
        assert message_id and header.findtext(f"{{{WSA}}}To") == self.server.url("/cp")
        reply_to = header.findtext(f"{{{WSA}}}ReplyTo/{{{WSA}}}Address")
        assert reply_to == f"{WSA}/anonymous"
        self.received.append((name, zeep.helpers.serialize_object(read.body, dict)))
        answer = operation.output.serialize(**self.answer)
        reply = answer.content
        addressing = reply.find(f"{{{SOAP12}}}Header")
        if addressing is None:
            addressing = etree.Element(f"{{{SOAP12}}}Header")
            reply.insert(0, addressing)
        etree.SubElement(addressing, f"{{{WSA}}}Action").text = f"/{name}Response"
        etree.SubElement(addressing, f"{{{WSA}}}RelatesTo").text = message_id
        etree.SubElement(addressing, f"{{{WSA}}}MessageID").text = f"urn:uuid:{uuid.uuid4()}"
        result: bytes = etree.tostring(reply, xml_declaration=True, encoding="utf-8")
        return result


@VERSIONS
@pytest.mark.parametrize("maximal", [False, True], ids=["min", "max"])
async def test_every_request_our_client_sends_a_station_passes_zeep_and_libxml2(
    version: str, maximal: bool
) -> None:
    service = CHARGE_POINT[OcppVersion(version)]
    station = ZeepChargePoint(version, "CP-Z")
    async with station.server, httpx.AsyncClient(trust_env=False) as http:
        client = SoapClient(SoapCodec(service), http)
        for action in sorted(service.operations):
            request = payload(service, action, False, maximal=maximal)
            answer = payload(service, action, True, maximal=maximal)
            station.answer = _builtin(answer)
            got = await client.call(station.server.url("/cp"), "CP-Z", action, request, 30.0)
            assert not station.problems, (action, station.problems)
            assert station.received[-1][0] == action
            assert got == answer, action
    assert [name for name, _ in station.received] == sorted(service.operations)
