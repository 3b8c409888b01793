"""The live event stream over a real HTTP connection, fed by real simulated stations."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.simulator.model import PowerCurve
from ampyre.simulator.station import SimulatedStation

from .sse import EventReader

FAST = PowerCurve(max_power_w=3_600_000.0)


async def collect_until(
    reader: EventReader, kind: str, station_id: str, timeout: float = 30
) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while True:
            event = await reader.next_event()
            seen.append(event)
            if event["kind"] == kind and event["station_id"] == station_id:
                return seen


async def test_a_session_of_each_version_streams_every_event_in_order(
    csms: Application, api_url: str, reader_token: str, ocpp_url: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("SSETAG"))
    headers = {"Authorization": f"Bearer {reader_token}"}
    async with (
        httpx.AsyncClient(timeout=30) as client,
        client.stream("GET", f"{api_url}/events", headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = EventReader(response)
        await reader.subscribed()
        for version, station_id in (("1.6", "SSE-16"), ("2.0.1", "SSE-201")):
            async with SimulatedStation(ocpp_url, station_id, version, curve=FAST) as cs:
                session = await cs.start_charging(evse=1, token="SSETAG")
                assert session is not None
                await cs.stop_charging(evse=1)
                await cs.drained()
            seen = await collect_until(reader, "station.disconnected", station_id)
            mine = [e for e in seen if e["station_id"] == station_id]
            kinds = [e["kind"] for e in mine]
            assert kinds[0] == "station.connected"
            assert mine[0]["data"]["ocpp_version"] == version
            assert "status.changed" in kinds
            started = kinds.index("transaction.started")
            ended = kinds.index("transaction.ended")
            assert started < ended < kinds.index("station.disconnected")
            start_event, end_event = mine[started], mine[ended]
            assert start_event["data"]["transaction_id"] == session.csms_id or version == "2.0.1"
            assert start_event["data"]["transaction_id"] == end_event["data"]["transaction_id"]
            assert start_event["data"]["id_token"] == "SSETAG"
            assert end_event["data"]["state"] == "Ended"
            assert end_event["data"]["stop_reason"] == "Local"
            statuses = [e["data"]["status"] for e in mine if e["kind"] == "status.changed"]
            assert any(s in ("Charging", "Occupied") for s in statuses)


async def test_filters_by_kind_and_station(
    csms: Application, api_url: str, reader_token: str, ocpp_url: str
) -> None:
    headers = {"Authorization": f"Bearer {reader_token}"}
    params = {"kind": ["station.connected", "security.event"], "station_id": "SSE-B"}
    async with (
        httpx.AsyncClient(timeout=30) as client,
        client.stream("GET", f"{api_url}/events", headers=headers, params=params) as response,
    ):
        reader = EventReader(response)
        await reader.subscribed()
        async with SimulatedStation(ocpp_url, "SSE-A", "2.0.1"):
            pass
        async with SimulatedStation(ocpp_url, "SSE-B", "2.0.1") as cs:
            await cs.call(
                "SecurityEventNotification",
                {"type": "TamperDetectionActivated", "timestamp": cs.now().isoformat()},
            )
        async with asyncio.timeout(30):
            first = await reader.next_event()
            second = await reader.next_event()
        assert (first["kind"], first["station_id"]) == ("station.connected", "SSE-B")
        assert (second["kind"], second["station_id"]) == ("security.event", "SSE-B")
        assert second["data"]["type"] == "TamperDetectionActivated"


async def test_a_1_6_security_event_is_streamed(
    csms: Application, api_url: str, reader_token: str, ocpp_url: str
) -> None:
    headers = {"Authorization": f"Bearer {reader_token}"}
    params = {"kind": "security.event"}
    async with (
        httpx.AsyncClient(timeout=30) as client,
        client.stream("GET", f"{api_url}/events", headers=headers, params=params) as response,
    ):
        reader = EventReader(response)
        await reader.subscribed()
        async with SimulatedStation(ocpp_url, "SSE-SEC16", "1.6") as cs:
            await cs.call(
                "SecurityEventNotification",
                {"type": "InvalidCentralSystemCertificate", "timestamp": cs.now().isoformat()},
            )
        async with asyncio.timeout(30):
            event = await reader.next_event()
        assert event["station_id"] == "SSE-SEC16"
        assert event["data"]["type"] == "InvalidCentralSystemCertificate"


async def test_bad_requests_get_problems(api_url: str, reader_token: str) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(f"{api_url}/events")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        response = await client.get(
            f"{api_url}/events",
            params={"kind": "station.exploded"},
            headers={"Authorization": f"Bearer {reader_token}"},
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
