"""/metrics over real HTTP, counting what real stations and the CSMS exchanged."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect

from ampyre.app import Application
from ampyre.simulator.station import SimulatedStation

from .conftest import AppFactory


async def scrape(
    app: Application, token: str | None = None
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(f"http://127.0.0.1:{app.http_port}/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


async def test_stations_messages_errors_latencies_and_commits_are_counted(
    csms: Application, ocpp_url: str
) -> None:
    async with (
        SimulatedStation(ocpp_url, "MET-16", "1.6"),
        SimulatedStation(ocpp_url, "MET-201", "2.0.1"),
    ):
        live = await scrape(csms)
        assert live["ampyre_stations_connected", (("version", "1.6"),)] == 1
        assert live["ampyre_stations_connected", (("version", "2.0.1"),)] == 1
        async with connect(f"{ocpp_url}/MET-RAW", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
            await ws.send('[2,"e1","NoSuchAction",{}]')
            await ws.recv()
        await csms.recorder.flushed()
        metrics = await scrape(csms)
    boot_in = ("action", "BootNotification"), ("direction", "in"), ("kind", "call")
    assert metrics["ampyre_ocpp_messages_total", boot_in] >= 2
    boot_out = ("action", "BootNotification"), ("direction", "out"), ("kind", "result")
    assert metrics["ampyre_ocpp_messages_total", boot_out] >= 2
    latency = ("action", "BootNotification"), ("answered_by", "csms")
    assert metrics["ampyre_ocpp_answer_seconds_count", latency] >= 2
    assert metrics["ampyre_ocpp_answer_seconds_bucket", (*latency, ("le", "+Inf"))] >= 2
    error = ("code", "NotImplemented"), ("direction", "out")
    assert metrics["ampyre_ocpp_call_errors_total", error] == 1
    assert metrics["ampyre_db_commit_seconds_count", ()] > 0
    assert metrics["ampyre_events_total", (("kind", "station.connected"),)] >= 3
    assert metrics["ampyre_message_log_written_total", ()] > 0
    assert metrics["ampyre_message_log_dropped_total", ()] == 0


async def test_a_metrics_token_is_required_when_set(start_csms: AppFactory) -> None:
    async with start_csms(metrics_token="scrape-me") as app:
        url = f"http://127.0.0.1:{app.http_port}/metrics"
        async with httpx.AsyncClient(timeout=30) as client:
            assert (await client.get(url)).status_code == 401
            wrong = await client.get(url, headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
        assert ("ampyre_db_commit_seconds_count", ()) in await scrape(app, "scrape-me")


async def test_metrics_switched_off(start_csms: AppFactory) -> None:
    async with start_csms(metrics=False) as app, httpx.AsyncClient(timeout=30) as client:
        response = await client.get(f"http://127.0.0.1:{app.http_port}/metrics")
        assert response.status_code == 404
