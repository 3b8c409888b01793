"""Transactions and status history over the operator API, from sessions of a real station."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx

from ampyre.app import Application
from ampyre.domain.authorization import IdToken
from ampyre.domain.transactions import Transaction, TransactionState
from ampyre.services.transactions.history import EXPORT_BATCH
from ampyre.simulator.model import PowerCurve
from ampyre.simulator.station import SimulatedStation

from .api_helpers import client, problem

FAST = PowerCurve(max_power_w=3_600_000.0)  # 1 kWh per second: visible energy in short tests


async def test_sessions_of_a_station_are_listed_filtered_exported_and_detailed(
    csms: Application, api: httpx.AsyncClient, api_url: str, reader_token: str, ocpp_url: str
) -> None:
    for token in ("DRIVER-A", "DRIVER-B"):
        assert (await api.post("/id-tokens", json={"value": token})).status_code == 201
    before = datetime.now(UTC) - timedelta(seconds=1)
    async with SimulatedStation(
        ocpp_url, "TX-16", "1.6", evses=2, curve=FAST, meter_interval=0.05
    ) as cs:
        first = await cs.start_charging(evse=1, token="DRIVER-A")
        assert first is not None
        await cs.wait_for(lambda: sum(a == "MeterValues" for a, _ in cs.sent) >= 2)
        await cs.stop_charging(evse=1)
        second = await cs.start_charging(evse=2, token="DRIVER-B")
        assert second is not None
        await cs.drained()
        assert first.csms_id is not None and second.csms_id is not None

        async with client(api_url, reader_token) as reader:
            listed = (await reader.get("/transactions")).json()
            assert [t["id"] for t in listed["items"]] == [second.csms_id, first.csms_id]
            ended, active = listed["items"][1], listed["items"][0]
            assert ended["state"] == "Ended" and active["state"] == "Active"
            assert ended["station_id"] == "TX-16" and ended["evse_id"] == 1
            assert ended["connector_id"] == 1 and ended["id_token"] == "DRIVER-A"
            assert ended["energy_wh"] > 0 and ended["stop_reason"] == "Local"

            async def ids(path: str, **params: str) -> list[int]:
                answer = await reader.get(path, params=params)
                assert answer.status_code == 200, answer.text
                return [t["id"] for t in answer.json()["items"]]

            assert await ids("/transactions", state="Active") == [second.csms_id]
            assert await ids("/transactions", id_token="DRIVER-A") == [first.csms_id]
            assert await ids("/transactions", station_id="TX-16", state="Ended") == [first.csms_id]
            assert await ids("/transactions", station_id="ELSEWHERE") == []
            assert await ids("/stations/TX-16/transactions", id_token="DRIVER-B") == [
                second.csms_id
            ]
            assert len(await ids("/transactions", since=before.isoformat())) == 2
            assert await ids("/transactions", until=before.isoformat()) == []
            paged = (await reader.get("/transactions", params={"limit": 1})).json()
            assert len(paged["items"]) == 1 and paged["next_cursor"] == str(second.csms_id)
            rest = await ids("/transactions", limit="1", cursor=paged["next_cursor"])
            assert rest == [first.csms_id]

            detail = (await reader.get(f"/transactions/{first.csms_id}")).json()
            assert detail["energy_wh"] == ended["energy_wh"]
            assert len(detail["meter_values"]) >= 2
            times = [v["timestamp"] for v in detail["meter_values"]]
            assert times == sorted(times)
            sample = detail["meter_values"][0]["samples"][0]
            assert sample["measurand"] == "Energy.Active.Import.Register"
            assert float(sample["value"]) >= 0

            exported = await reader.get("/transactions/export", params={"station_id": "TX-16"})
            assert exported.status_code == 200
            assert exported.headers["content-type"].startswith("text/csv")
            rows = list(csv.DictReader(io.StringIO(exported.text)))
            assert [int(r["id"]) for r in rows] == [first.csms_id, second.csms_id]
            assert rows[0]["state"] == "Ended" and rows[0]["id_token"] == "DRIVER-A"
            assert float(rows[0]["energy_wh"]) == ended["energy_wh"]
            assert rows[0]["started_at"].endswith("Z") and rows[1]["ended_at"] == ""

            history = (await reader.get("/stations/TX-16/status-history")).json()["items"]
            assert [h["id"] for h in history] == sorted((h["id"] for h in history), reverse=True)
            assert {"Available", "Preparing", "Charging", "Finishing"} <= {
                h["status"] for h in history
            }
            charging = (
                await reader.get(
                    "/stations/TX-16/status-history", params={"status": "Charging", "evse_id": 2}
                )
            ).json()["items"]
            assert len(charging) == 1 and charging[0]["connector_id"] == 1
            latest = (
                await reader.get("/stations/TX-16/status-history", params={"limit": 1})
            ).json()
            assert latest["items"][0]["id"] == history[0]["id"] and latest["next_cursor"]


async def test_export_streams_every_row_in_batches(
    csms: Application, api: httpx.AsyncClient
) -> None:
    count = EXPORT_BATCH * 2 + 3
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with csms.database.unit_of_work() as uow:
        for n in range(count):
            await uow.transactions.create(
                Transaction(
                    id=0,
                    station_id="BULK",
                    ref=f"r{n}",
                    evse_id=1,
                    connector_id=1,
                    state=TransactionState.ENDED,
                    started_at=start + timedelta(minutes=n),
                    ended_at=start + timedelta(minutes=n, seconds=30),
                    id_token=IdToken(f"T,{n % 3}"),
                    energy_wh=float(n),
                ),
                None,
            )
        await uow.commit()
    async with api.stream("GET", "/transactions/export") as answer:
        assert answer.status_code == 200
        text = "".join([chunk async for chunk in answer.aiter_text()])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["id", "station_id", "ref"] and len(rows) == count + 1
    assert [row[2] for row in rows[1:]] == [f"r{n}" for n in range(count)]
    assert rows[5][8] == "T,1"  # quoted in the file, whole again when read
    window = await api.get(
        "/transactions/export",
        params={
            "since": "2026-01-01T00:10:00",
            "until": "2026-01-01T00:20:00Z",
            "id_token": "T,0",
        },
    )
    refs = [row["ref"] for row in csv.DictReader(io.StringIO(window.text))]
    assert refs == ["r12", "r15", "r18"]


async def test_bad_queries_get_problems(api: httpx.AsyncClient, api_url: str) -> None:
    for path, params, status in (
        ("/transactions", {"state": "Paused"}, 422),
        ("/transactions", {"since": "yesterday"}, 422),
        ("/transactions", {"since": "2026-02-01", "until": "2026-01-01"}, 422),
        ("/transactions", {"cursor": "abc"}, 400),
        ("/transactions", {"limit": 1000}, 422),
        ("/transactions/export", {"state": "Paused"}, 422),
        ("/transactions/abc", {}, 422),
        ("/transactions/0", {}, 422),
        ("/transactions/99999", {}, 404),
        ("/stations/NOPE/transactions", {}, 404),
        ("/stations/NOPE/status-history", {}, 404),
        ("/stations/NOPE/status-history", {"status": "Sleeping"}, 422),
        ("/stations/NOPE/status-history", {"evse_id": -1}, 422),
    ):
        problem(await api.get(path, params=params), status)
    async with client(api_url, None) as anonymous:
        problem(await anonymous.get("/transactions/export"), 401)
        problem(await anonymous.get("/transactions/1"), 401)
