"""`ampyre serve --workers 2`: real worker processes sharing the OCPP-J port, real PostgreSQL.

The kernel spreads connections over the workers (SO_REUSEPORT): the tests connect stations
until both workers hold some, then check the operator's view of all of them (stations,
commands, events, metrics), a worker's death and restart, and a clean stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ampyre.app import Application
from ampyre.domain.access import Role
from ampyre.messages.v16 import types as m
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.client import JsonClient
from ampyre.simulator.station import SimulatedStation

from .conftest import DEFAULT_TRANSPORT, TRANSPORTS, make_settings
from .sse import EventReader
from .webhook_receiver import Receiver

#: the database_url fixture, on PostgreSQL only (several writers)
on_postgres = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

#: every wait below is bounded by this (workers start in ~5 s on a loaded 2-core machine)
PATIENCE = 60.0


async def until(condition: Any, what: str, timeout: float = PATIENCE) -> Any:
    """Poll the async `condition` until it returns something true; fail after `timeout`."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                value = await condition()
                if value:
                    return value
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


@pytest.fixture
def cluster_transport() -> str:
    """The workers' OCPP-J transport (the default; a test parametrizes it to change it)."""
    return DEFAULT_TRANSPORT


@pytest.fixture
async def cluster(database_url: str, cluster_transport: str) -> AsyncIterator[Application]:
    application = Application(make_settings(database_url, cluster_transport, workers=2))
    await application.start(migrate=True)
    try:
        yield application
    finally:
        async with asyncio.timeout(PATIENCE):
            await application.stop()


@pytest.fixture
async def api(cluster: Application) -> AsyncIterator[httpx.AsyncClient]:
    secret = (await cluster.tokens.create("tests", Role.OPERATOR)).secret
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{cluster.http_port}/api/v1",
        headers={"Authorization": f"Bearer {secret}"},
        timeout=30,
    ) as client:
        yield client


async def holders(api: httpx.AsyncClient) -> dict[str, int]:
    """station id → the worker (index) holding it, as the API shows it."""
    response = await api.get("/workers")
    assert response.status_code == 200, response.text
    return {station: w["worker"] for w in response.json() for station in w["stations"]}


async def trigger_heartbeat(api: httpx.AsyncClient, station_id: str) -> dict[str, Any]:
    response = await api.post(
        f"/stations/{station_id}/commands/trigger-message", json={"message": "Heartbeat"}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@on_postgres
async def test_two_workers_serve_stations_commands_events_and_survive_a_crash(
    cluster: Application, api: httpx.AsyncClient
) -> None:
    url = f"ws://127.0.0.1:{cluster.port}/ocpp"
    workers = (await api.get("/workers")).json()
    assert [w["worker"] for w in workers] == [1, 2] and all(w["ready"] for w in workers)
    async with contextlib.AsyncExitStack() as stack:
        receiver = await stack.enter_async_context(Receiver())
        hook = await api.post(
            "/webhooks", json={"url": receiver.url, "kinds": ["station.connected"]}
        )
        assert hook.status_code == 201, hook.text
        response = await stack.enter_async_context(api.stream("GET", "/events"))
        assert response.status_code == 200
        events = EventReader(response)
        await events.subscribed()
        stations = await spread(api, url, stack)
        held = await holders(api)
        ids = {s.station_id for s in stations}

        # the API sees every station connected, whichever worker holds it
        listed = (await api.get("/stations", params={"limit": 100})).json()["items"]
        assert {s["id"] for s in listed if s["connected"]} == ids

        # a command reaches a station on each worker
        by_worker = {worker: sid for sid, worker in sorted(held.items())}
        for station_id in by_worker.values():
            result = await trigger_heartbeat(api, station_id)
            assert (result["state"], result["status"]) == ("answered", "Accepted"), result

        # the event stream saw stations of both workers connect
        connected: set[str] = set()
        async with asyncio.timeout(PATIENCE):
            while not set(by_worker.values()) <= connected:
                event = await events.next_event()
                if event["kind"] == "station.connected":
                    connected.add(event["station_id"])

        # the webhook got each station's connect once (one dispatcher: the primary's)
        async def delivered() -> bool:
            return {e["station_id"] for e in receiver.events()} == ids

        await cluster.webhooks.dispatcher.until(delivered)
        connects = sorted(e["station_id"] for e in receiver.events())
        assert connects == sorted(ids)

        # the metrics count the workers' stations and messages
        metrics = (await api.get(f"http://127.0.0.1:{cluster.http_port}/metrics")).text
        gauges = re.findall(r'^ampyre_stations_connected\{version="[^"]+"\} (\S+)$', metrics, re.M)
        assert sum(float(value) for value in gauges) == len(ids)

        # the workers send their frame counts and message log totals every OBSERVE_INTERVAL,
        # so they reach the primary's metrics a little later: every boot counted, and the
        # message logs wrote every frame (each station's boot at least)
        async def counted() -> bool:
            text = (await api.get(f"http://127.0.0.1:{cluster.http_port}/metrics")).text
            boots = re.findall(
                r'^ampyre_ocpp_messages_total\{action="BootNotification",direction="in",'
                r'kind="call"\} (\S+)$',
                text,
                re.M,
            )
            found = re.search(r"^ampyre_message_log_written_total (\S+)$", text, re.M)
            return (
                sum(float(value) for value in boots) >= len(ids)
                and found is not None
                and float(found.group(1)) >= 2 * len(ids)
            )

        await until(counted, "the workers' frames to be counted")

        # a worker dies: its stations reconnect (to the other, or to its successor)
        victim = 1
        victim_pid = next(w["pid"] for w in workers if w["worker"] == victim)
        moved = sorted(sid for sid, worker in held.items() if worker == victim)
        os.kill(victim_pid, signal.SIGKILL)
        await until(lambda: _restarted(api, victim, victim_pid), "the dead worker to be replaced")
        await until(lambda: _holds_all(api, ids), "every station to be held again")
        for station in stations:
            await station.drained(timeout=PATIENCE)
        result = await trigger_heartbeat(api, moved[0])
        assert (result["state"], result["status"]) == ("answered", "Accepted"), result
        listed = (await api.get("/stations", params={"limit": 100})).json()["items"]
        assert {s["id"] for s in listed if s["connected"]} == ids

    # the stations left: every disconnect is recorded, whichever worker held the station
    async def all_disconnected() -> bool:
        items = (await api.get("/stations", params={"limit": 100})).json()["items"]
        return not any(s["connected"] for s in items)

    await until(all_disconnected, "every station to be disconnected")
    assert await holders(api) == {}


async def spread(
    api: httpx.AsyncClient, url: str, stack: contextlib.AsyncExitStack
) -> list[SimulatedStation]:
    """Connect stations until both workers hold some (the kernel picks per connection)."""
    stations: list[SimulatedStation] = []
    while len(set((await holders(api)).values())) < 2:
        assert len(stations) < 64, "64 stations all landed on one worker"
        for _ in range(4):
            station_id = f"W-{len(stations) + 1:02d}"
            version = "2.0.1" if len(stations) % 2 else "1.6"
            station = SimulatedStation(url, station_id, version, reconnect_min=0.1)
            stations.append(await stack.enter_async_context(station))
        ids = {s.station_id for s in stations}
        await until(lambda ids=ids: _holds_all(api, ids), "the workers to hold every station")
    return stations


@on_postgres
@pytest.mark.parametrize("cluster_transport", [t for t in TRANSPORTS if t != DEFAULT_TRANSPORT])
async def test_workers_on_the_other_transport_share_the_port_and_take_commands(
    cluster: Application, api: httpx.AsyncClient
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        await spread(api, f"ws://127.0.0.1:{cluster.port}/ocpp", stack)
        by_worker = {worker: sid for sid, worker in sorted((await holders(api)).items())}
        assert len(by_worker) == 2
        for station_id in by_worker.values():
            result = await trigger_heartbeat(api, station_id)
            assert (result["state"], result["status"]) == ("answered", "Accepted"), result


@on_postgres
async def test_a_station_that_moves_between_workers_keeps_its_session_right(
    cluster: Application, api: httpx.AsyncClient
) -> None:
    """Each worker keeps the open sessions it changed in memory. A station that reconnects
    to the other worker and back finds its session there as stored (by the other worker),
    not as its first worker kept it: the first worker's copy is outdated, and is read again."""
    url = f"ws://127.0.0.1:{cluster.port}/ocpp"
    station_id = "MOVER"
    tx_id = 0

    async def session() -> dict[str, Any]:
        response = await api.get(f"/stations/{station_id}/transactions")
        assert response.status_code == 200, response.text
        (found,) = response.json()["items"]
        assert found["id"] == tx_id
        result: dict[str, Any] = found
        return result

    async def meter(cs: JsonClient, minute: int, wh: int) -> None:
        value = m.MeterValue(
            timestamp=T0 + timedelta(minutes=minute),
            sampledValue=[m.SampledValue(value=str(wh), unit=m.UnitOfMeasure.Wh)],
        )
        request = m.MeterValuesRequest(connectorId=1, transactionId=tx_id, meterValue=[value])
        await cs.call("MeterValues", request)

    async with contextlib.AsyncExitStack() as stack:
        cs, first = await connect_to(api, url, station_id, stack, lambda worker: True)
        boot = m.BootNotificationRequest(chargePointVendor="Acme", chargePointModel="X1")
        assert (await cs.call("BootNotification", boot)).status == "Accepted"
        start = m.StartTransactionRequest(connectorId=1, idTag="T", meterStart=1000, timestamp=T0)
        tx_id = (await cs.call("StartTransaction", start)).transactionId
        await meter(cs, 1, 2000)  # the first worker keeps the session: 1000..2000 Wh
    async with contextlib.AsyncExitStack() as stack:
        cs, _ = await connect_to(api, url, station_id, stack, lambda worker: worker != first)
        await meter(cs, 2, 5000)  # the other worker reads it and keeps it: 1000..5000 Wh
        assert (await session())["energy_wh"] == 4000
    async with contextlib.AsyncExitStack() as stack:
        cs, _ = await connect_to(api, url, station_id, stack, lambda worker: worker == first)
        # the first worker's copy says 2000 Wh at most: written as it is, it would lose 5000
        await meter(cs, 3, 3000)
        assert (await session())["energy_wh"] == 4000
        await meter(cs, 4, 5500)  # kept again after its own commit
        assert (await session())["energy_wh"] == 4500
        stop = m.StopTransactionRequest(
            transactionId=tx_id, meterStop=6000, timestamp=T0 + timedelta(minutes=5)
        )
        await cs.call("StopTransaction", stop)
    stored = await session()
    assert (stored["state"], stored["energy_wh"]) == ("Ended", 5000)


async def connect_to(
    api: httpx.AsyncClient,
    url: str,
    station_id: str,
    stack: contextlib.AsyncExitStack,
    wanted: Callable[[int], bool],
) -> tuple[JsonClient, int]:
    """Connect `station_id` again until a worker `wanted` holds it (the kernel picks)."""
    for _ in range(64):
        await until(lambda: _released(api, station_id), f"{station_id} to be released")
        cs = JsonClient(url, station_id, OcppVersion.V16)
        await cs.connect()
        worker: int = await until(lambda: _holder(api, station_id), f"{station_id} to be held")
        if wanted(worker):
            stack.push_async_callback(cs.close)
            return cs, worker
        await cs.close()
    raise AssertionError(f"64 connections of {station_id} all landed on the same worker")


async def _holder(api: httpx.AsyncClient, station_id: str) -> int | None:
    return (await holders(api)).get(station_id)


async def _released(api: httpx.AsyncClient, station_id: str) -> bool:
    return station_id not in await holders(api)


async def _holds_all(api: httpx.AsyncClient, ids: set[str]) -> bool:
    return set(await holders(api)) == ids


async def _restarted(api: httpx.AsyncClient, worker: int, old_pid: int) -> bool:
    workers = (await api.get("/workers")).json()
    return any(w["worker"] == worker and w["pid"] != old_pid and w["ready"] for w in workers)


@on_postgres
async def test_a_command_to_a_station_no_worker_holds_is_refused(
    cluster: Application, api: httpx.AsyncClient
) -> None:
    url = f"ws://127.0.0.1:{cluster.port}/ocpp"
    async with SimulatedStation(url, "GONE-1", "1.6") as station:
        await station.drained(timeout=PATIENCE)
    await until(lambda: _holds_none(api), "the station to be released")
    response = await api.post(
        "/stations/GONE-1/commands/trigger-message", json={"message": "Heartbeat"}
    )
    assert response.status_code == 409, response.text
    assert "not connected" in response.json()["detail"]


@on_postgres
async def test_a_second_server_cannot_join_the_workers_port(
    cluster: Application, database_url: str
) -> None:
    """SO_REUSEPORT would let any server of the same user share the port: the primary makes
    sure nobody has it first (a second `--workers 2` must not take half the stations)."""
    second = Application(make_settings(database_url, workers=2, port=cluster.port))
    try:
        with pytest.raises(OSError):
            await second.start()
    finally:
        await second.webhook_http.aclose()
        await second.soap_http.aclose()
        await second.database.close()
        assert second._cluster_dir is None  # made only once the port is ours
    assert cluster.cluster is not None
    assert [(n.worker, n.ready) for n in cluster.cluster.nodes()] == [(1, True), (2, True)]


async def _holds_none(api: httpx.AsyncClient) -> bool:
    return await holders(api) == {}


def test_sqlite_with_several_workers_is_refused(tmp_path: Any) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ampyre", "serve", "--workers", "2"],
        env={**os.environ, "AMPYRE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/a.db"},
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        check=False,
    )
    assert done.returncode == 2, done
    assert "--workers 2 needs PostgreSQL" in done.stderr
    assert "SQLite has a single writer" in done.stderr


def ended(pid: int) -> bool:
    """The process is gone, or a zombie nobody reaped yet (it ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


@on_postgres
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
async def test_serve_stops_its_workers_and_workers_stop_without_it(
    database_url: str, sig: signal.Signals
) -> None:
    """SIGTERM: the primary stops its workers and exits 0. SIGKILL: the workers see their
    primary go and stop by themselves (no orphan keeps the port)."""
    serve = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ampyre",
        "serve",
        "--workers=2",
        "--host=127.0.0.1",
        "--port=0",
        "--http-port=0",
        "--migrate",
        f"--database-url={database_url}",
        stderr=asyncio.subprocess.PIPE,
    )
    assert serve.stderr is not None
    pids: list[int] = []
    try:
        async with asyncio.timeout(PATIENCE):
            while not pids:
                line = (await serve.stderr.readline()).decode()
                assert line, "ampyre serve ended before its workers started"
                found = re.search(r"worker processes share the port \(pids ([\d, ]+)\)", line)
                if found:
                    pids = [int(pid) for pid in found.group(1).split(", ")]
        assert len(pids) == 2
        serve.send_signal(sig)
        async with asyncio.timeout(PATIENCE):
            rest = await serve.stderr.read()
            code = await serve.wait()
        if sig == signal.SIGTERM:
            assert code == 0, rest.decode()
            assert b"stopped" in rest
            assert all(ended(pid) for pid in pids)  # stopped before the primary exited
        else:
            assert code == -signal.SIGKILL

            async def workers_ended() -> bool:
                return all(ended(pid) for pid in pids)

            await until(workers_ended, "the orphaned workers to stop")
    finally:
        if serve.returncode is None:
            serve.kill()
            await serve.wait()
        for pid in pids:
            if not ended(pid):
                os.kill(pid, signal.SIGKILL)
