"""The message log over real sockets: what stations and the CSMS said, searchable, kept a while."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from ampyre.app import Application
from ampyre.domain.message_log import MessageQuery
from ampyre.simulator.station import SimulatedStation

from .conftest import AppFactory

pytestmark = pytest.mark.transports


async def messages(api: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await api.get(path, params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def test_every_message_in_and_out_is_logged_with_its_answer_time(
    csms: Application, api: httpx.AsyncClient, ocpp_url: str
) -> None:
    async with SimulatedStation(ocpp_url, "LOG-16", "1.6", model="LogModel") as cs:
        await cs.call("Heartbeat", {})
        answer = await csms.links["LOG-16"].call("GetConfiguration", {"key": ["HeartbeatInterval"]})
        assert answer.configurationKey
    await csms.recorder.flushed()
    page = await messages(api, "/stations/LOG-16/messages", limit=500)
    items = page["items"]
    assert page["next_cursor"] is None
    assert [m["id"] for m in items] == sorted((m["id"] for m in items), reverse=True)
    assert {m["station_id"] for m in items} == {"LOG-16"}

    boot = next(m for m in items if m["action"] == "BootNotification" and m["kind"] == "call")
    assert boot["direction"] == "in"
    assert boot["payload"]["chargePointModel"] == "LogModel"
    assert json.loads(boot["frame"])[3] == boot["payload"]
    # message ids are unique per sender only: the answer is the other direction's frame
    boot_answer = next(
        m
        for m in items
        if m["message_id"] == boot["message_id"] and m["direction"] == "out" and m["kind"] != "call"
    )
    assert boot_answer["kind"] == "result"
    assert boot_answer["action"] == "BootNotification"
    assert boot_answer["payload"]["status"] == "Accepted"
    assert boot_answer["answer_ms"] is not None and boot_answer["answer_ms"] >= 0

    ours = next(m for m in items if m["action"] == "GetConfiguration" and m["kind"] == "call")
    assert ours["direction"] == "out"
    assert ours["payload"] == {"key": ["HeartbeatInterval"]}
    theirs = next(m for m in items if m["action"] == "GetConfiguration" and m["kind"] == "result")
    assert theirs["direction"] == "in"
    assert theirs["message_id"] == ours["message_id"]
    assert theirs["answer_ms"] is not None and theirs["answer_ms"] >= 0

    heartbeats = await messages(api, "/messages", station_id="LOG-16", action="Heartbeat")
    assert {(m["direction"], m["kind"]) for m in heartbeats["items"]} >= {
        ("in", "call"),
        ("out", "result"),
    }
    inbound = await messages(api, "/messages", station_id="LOG-16", direction="in", kind="call")
    assert inbound["items"] and all(m["direction"] == "in" for m in inbound["items"])
    found = await messages(api, "/messages", text="logmodel")
    assert [m["id"] for m in found["items"]] == [boot["id"]]
    by_id = await messages(api, "/messages", station_id="LOG-16", message_id=boot["message_id"])
    assert {m["message_id"] for m in by_id["items"]} == {boot["message_id"]}
    assert {m["id"] for m in by_id["items"]} >= {boot["id"], boot_answer["id"]}
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert (await messages(api, "/messages", since=future))["items"] == []
    assert len(
        (await messages(api, "/messages", until=future, station_id="LOG-16"))["items"]
    ) == len(items)

    first = await messages(api, "/stations/LOG-16/messages", limit=2)
    assert len(first["items"]) == 2 and first["next_cursor"] is not None
    second = await messages(api, "/stations/LOG-16/messages", limit=2, cursor=first["next_cursor"])
    assert second["items"][0]["id"] < first["items"][-1]["id"]
    assert [m["id"] for m in first["items"] + second["items"]] == [m["id"] for m in items[:4]]


async def test_refused_and_malformed_frames_are_logged_with_their_error(
    csms: Application, api: httpx.AsyncClient, ocpp_url: str
) -> None:
    async with connect(f"{ocpp_url}/LOG-RAW", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
        await ws.send('[2,"m1","NoSuchAction",{}]')
        refused = json.loads(await ws.recv())
        await ws.send("this is not json")
        await ws.recv()
    await csms.recorder.flushed()
    items = (await messages(api, "/stations/LOG-RAW/messages"))["items"]
    error = next(m for m in items if m["message_id"] == "m1" and m["direction"] == "out")
    assert error["kind"] == "error"
    assert error["error_code"] == refused[2] == "NotImplemented"
    assert error["action"] == "NoSuchAction"
    assert error["payload"]["code"] == "NotImplemented"
    invalid = next(m for m in items if m["kind"] == "invalid")
    assert invalid["direction"] == "in"
    assert invalid["frame"] == "this is not json"
    assert invalid["payload"] is None


async def test_bad_queries_get_problems(api: httpx.AsyncClient) -> None:
    for params, status in (
        ({"cursor": "abc"}, 400),
        ({"limit": 0}, 422),
        ({"limit": 501}, 422),
        ({"direction": "sideways"}, 422),
        ({"since": "yesterday"}, 422),
    ):
        response = await api.get("/messages", params=params)
        assert response.status_code == status, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert (await api.get("/messages", params={"text": "100%_"})).status_code == 200


async def test_old_messages_are_deleted_by_the_periodic_purge(
    start_csms: AppFactory,
) -> None:
    async with start_csms(message_log_retention_days=1e-9, message_log_purge_interval=0.01) as app:
        url = f"ws://127.0.0.1:{app.port}/ocpp"
        async with SimulatedStation(url, "LOG-OLD", "2.0.1"):
            pass
        await app.recorder.flushed()
        assert app.recorder.written > 0
        await app.message_log.next_purge()
        await app.message_log.next_purge()
        assert await app.message_log.search(MessageQuery(station_id="LOG-OLD")) == []


async def test_logging_switched_off_stores_nothing(start_csms: AppFactory) -> None:
    async with start_csms(message_log=False) as app:
        url = f"ws://127.0.0.1:{app.port}/ocpp"
        async with SimulatedStation(url, "LOG-OFF", "1.6") as cs:
            await cs.call("Heartbeat", {})
        await app.recorder.flushed()
        assert await app.message_log.search(MessageQuery()) == []
        assert app.recorder.written == 0


async def test_a_full_queue_drops_and_counts_but_stations_are_answered(
    start_csms: AppFactory,
) -> None:
    async with start_csms(
        message_log_queue=1, message_log_batch=1000, message_log_flush_interval=60
    ) as app:
        url = f"ws://127.0.0.1:{app.port}/ocpp"
        async with SimulatedStation(url, "LOG-FULL", "1.6") as cs:
            assert cs.registration == "Accepted"
            assert await cs.call("Heartbeat", {}) is not None
        assert app.recorder.dropped >= 3
