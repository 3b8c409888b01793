"""`ampyre bench` end to end, for a second or so: correctness only, never speed.

Speed is measured by `make bench-long` (benchmarks/run.py) and recorded in
docs/performance.md; a test that asserted a rate would only measure the CI machine.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import socket
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ampyre.app import Application
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator import bench, echo_server, echo_variants

MIX = "1.6:50,2.0.1:50"


@pytest.fixture
async def echo_url() -> AsyncIterator[str]:
    server = await echo_server.start("127.0.0.1", 0)
    try:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/ocpp"
    finally:
        server.close()
        await server.wait_closed()


def assert_clean(result: bench.BenchResult, stations: int) -> None:
    assert result.accepted == stations
    assert result.connect_failures == result.not_accepted == 0
    assert result.call_errors == result.invalid_answers == 0
    assert result.unanswered == result.lost == result.disconnected == 0
    assert result.connected_at_end == stations
    assert result.messages > 0
    assert result.sent == result.messages
    summary = result.summary()
    assert summary["p50_ms"] is not None and summary["p50_ms"] <= summary["max_ms"]


async def test_closed_loop_against_the_echo_server(echo_url: str, tmp_path: Path) -> None:
    result = await bench.run(echo_url, 10, MIX, duration=0.5, timeout=5, server_pid=None)
    assert_clean(result, 10)
    out = tmp_path / "echo.json"
    bench.write_json(result, out)
    written = json.loads(out.read_text())
    assert written["mode"] == "closed-loop"
    assert written["messages"] == result.messages
    assert written["errors"] == 0


async def test_fixed_rate_offers_the_rate_asked_for(echo_url: str) -> None:
    result = await bench.run(echo_url, 5, "2.0.1", duration=0.5, rate=40, timeout=5)
    assert_clean(result, 5)
    assert result.offered_per_s == 40
    assert result.sent + result.not_sent == 20  # 40/s for 0.5 s: every slot sent or counted


async def test_idle_holds_the_stations_with_heartbeats(echo_url: str) -> None:
    result = await bench.run(
        echo_url, 10, MIX, duration=0.6, idle=True, heartbeat_interval=0.25, timeout=5
    )
    assert_clean(result, 10)
    assert result.mode == "idle"
    assert result.client_rss_per_station_kb is not None


async def test_closed_loop_against_ampyre(csms: Application, tmp_path: Path) -> None:
    url = f"ws://127.0.0.1:{csms.port}/ocpp"
    # The server runs in this process: its figures are the bench's and the server's together.
    result = await bench.run(url, 10, MIX, duration=1.0, timeout=10, server_pid=os.getpid())
    assert_clean(result, 10)
    assert result.server_cpu_pct is not None and result.server_system_cpu_pct is not None
    assert 0 <= result.server_system_cpu_pct <= result.server_cpu_pct
    assert result.server_written_kb_per_msg is not None
    if csms.database.dialect == "sqlite":
        # its WAL: each message's rows (and the message log's) in pages of 4 KB
        assert result.server_written_kb_per_msg > 0.1
    else:
        assert result.server_written_kb_per_msg >= 0  # PostgreSQL's own processes write
    out = tmp_path / "ampyre.json"
    bench.write_json(result, out)
    assert json.loads(out.read_text())["accepted"] == 10


async def test_the_picows_echo_server_answers_like_the_websockets_one() -> None:
    server = await echo_variants.start_picows("127.0.0.1", 0)
    try:
        url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/ocpp"
        assert_clean(await bench.run(url, 10, MIX, duration=0.5, timeout=5), 10)
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("app", ["asgi", "fastapi"])
async def test_the_uvicorn_echo_servers_answer_like_the_websockets_one(app: str) -> None:
    import uvicorn

    asgi = echo_variants.asgi_echo if app == "asgi" else echo_variants.fastapi_echo()
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()  # connections wait in the backlog until uvicorn accepts them
    config = uvicorn.Config(asgi, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        url = f"ws://127.0.0.1:{listening.getsockname()[1]}/ocpp"
        assert_clean(await bench.run(url, 10, MIX, duration=0.5, timeout=5), 10)
    finally:
        server.should_exit = True
        await serving


def test_mix_and_percentiles() -> None:
    assert bench.allocate(bench.parse_mix(MIX), 5).count(OcppVersion.V16) in (2, 3)
    assert bench.allocate(bench.parse_mix("1.6:1,2.0.1:3"), 8).count(OcppVersion.V201) == 6
    for bad in ("1.5", "2.0", "1.6:x", "1.6:0", "1.6:-1,2.0.1:2"):
        with pytest.raises(ValueError):
            bench.parse_mix(bad)
    ordered = [float(i) for i in range(1, 101)]
    assert bench.percentile(ordered, 50) == 50.0
    assert bench.percentile(ordered, 99) == 99.0
    assert bench.percentile(ordered, 100) == 100.0
    assert bench.percentile([7.0], 95) == 7.0
    assert bench.percentile([], 50) is None


def _ocpp_peer() -> Any:
    """benchmarks/peers/ocpp_peer.py (not a package: loaded from its path)."""
    path = Path(__file__).parents[2] / "benchmarks" / "peers" / "ocpp_peer.py"
    spec = importlib.util.spec_from_file_location("ocpp_peer", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_ocpp_package_peer_answers_both_mixes_and_stores_them(tmp_path: Path) -> None:
    """The comparison's Python `ocpp` peer validates and answers every message of the mixes."""
    peer = _ocpp_peer()
    db = tmp_path / "peer.db"
    server = await peer.start("127.0.0.1", 0, str(db))
    url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/ocpp"
    try:
        result = await bench.run(url, 6, MIX, duration=0.8, timeout=5)
    finally:
        server.close()
        await server.wait_closed()
    assert_clean(result, 6)
    with sqlite3.connect(db) as stored:
        stations = {row[0] for row in stored.execute("SELECT station FROM transactions")}
        meter_values = stored.execute("SELECT count(*) FROM meter_values").fetchone()[0]
    assert len(stations) == 6  # every station started a session, 1.6 and 2.0.1 alike
    assert meter_values > 0
