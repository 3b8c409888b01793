"""Id tokens over the operator API; what a real station gets at Authorize follows them."""

from __future__ import annotations

import httpx
import pytest

from ampyre.app import Application
from ampyre.simulator.station import SimulatedStation

from .api_helpers import client, problem


async def test_create_change_block_expire_delete(
    api: httpx.AsyncClient, api_url: str, reader_token: str
) -> None:
    created = await api.post(
        "/id-tokens",
        json={
            "value": "TOK-1",
            "type": "ISO14443",
            "expiry": "2030-01-01T00:00:00",
            "group_id": "g",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json() == {
        "value": "TOK-1",
        "type": "ISO14443",
        "status": "Accepted",
        "expiry": "2030-01-01T00:00:00Z",
        "group_id": "g",
    }
    problem(await api.post("/id-tokens", json={"value": "TOK-1"}), 409)
    assert (await api.post("/id-tokens", json={"value": "TOK-2"})).json()["type"] is None

    changed = (
        await api.patch("/id-tokens/TOK-1", json={"group_id": None, "type": "KeyCode"})
    ).json()
    assert changed["group_id"] is None and changed["type"] == "KeyCode"
    assert changed["expiry"] == "2030-01-01T00:00:00Z"  # left out: unchanged
    assert (await api.post("/id-tokens/TOK-1/block")).json()["status"] == "Blocked"
    unblocked = await api.patch("/id-tokens/TOK-1", json={"status": "Accepted"})
    assert unblocked.json()["status"] == "Accepted"
    expired = (await api.post("/id-tokens/TOK-2/expire")).json()
    assert expired["status"] == "Expired" and expired["expiry"] is not None

    async with client(api_url, reader_token) as reader:
        listed = (await reader.get("/id-tokens", params={"limit": 1})).json()
        assert [t["value"] for t in listed["items"]] == ["TOK-1"]
        rest = (await reader.get("/id-tokens", params={"cursor": listed["next_cursor"]})).json()
        assert [t["value"] for t in rest["items"]] == ["TOK-2"] and rest["next_cursor"] is None
        only = (await reader.get("/id-tokens", params={"status": "Expired"})).json()
        assert [t["value"] for t in only["items"]] == ["TOK-2"]
        assert (await reader.get("/id-tokens/TOK-2")).json()["status"] == "Expired"
        problem(await reader.post("/id-tokens", json={"value": "R"}), 403)
        problem(await reader.post("/id-tokens/TOK-1/block"), 403)
        problem(await reader.delete("/id-tokens/TOK-1"), 403)
    async with client(api_url, None) as anonymous:
        problem(await anonymous.get("/id-tokens"), 401)

    assert (await api.delete("/id-tokens/TOK-2")).status_code == 204
    problem(await api.get("/id-tokens/TOK-2"), 404)
    problem(await api.delete("/id-tokens/TOK-2"), 404)
    problem(await api.post("/id-tokens/TOK-2/block"), 404)
    problem(await api.patch("/id-tokens/TOK-2", json={}), 404)


async def test_bad_token_input_gets_problems(api: httpx.AsyncClient) -> None:
    for body in (
        {"value": ""},
        {"value": "has space"},
        {"value": "x" * 256},
        {"value": "ok", "type": "Magnetic"},
        {"value": "ok", "status": "ConcurrentTx"},
        {"value": "ok", "expiry": "next week"},
        {"value": "ok", "colour": "red"},
    ):
        problem(await api.post("/id-tokens", json=body), 422)
    assert (await api.post("/id-tokens", json={"value": "ok"})).status_code == 201
    detail = problem(await api.patch("/id-tokens/ok", json={"status": None}), 422)["detail"]
    assert "status" in detail
    problem(await api.get("/id-tokens", params={"status": "Maybe"}), 422)
    problem(await api.get("/id-tokens", params={"cursor": "not base64!"}), 400)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_a_station_gets_what_the_api_says_at_authorize(
    csms: Application, api: httpx.AsyncClient, ocpp_url: str, version: str
) -> None:
    async with SimulatedStation(ocpp_url, f"AUTH-{version}", version) as cs:
        assert await cs.authorize("DRIVER-1") == "Invalid"
        assert (await api.post("/id-tokens", json={"value": "DRIVER-1"})).status_code == 201
        assert await cs.authorize("DRIVER-1") == "Accepted"
        assert (await api.post("/id-tokens/DRIVER-1/block")).status_code == 200
        assert await cs.authorize("DRIVER-1") == "Blocked"
        assert (await api.patch("/id-tokens/DRIVER-1", json={"status": "Accepted"})).is_success
        assert await cs.authorize("DRIVER-1") == "Accepted"
        assert (await api.post("/id-tokens/DRIVER-1/expire")).status_code == 200
        assert await cs.authorize("DRIVER-1") == "Expired"
        assert (await api.delete("/id-tokens/DRIVER-1")).status_code == 204
        assert await cs.authorize("DRIVER-1") == "Invalid"
        imported = await api.post(
            "/id-tokens/import",
            content="value,status\nDRIVER-2,Blocked\n",
            headers={"content-type": "text/csv"},
        )
        assert imported.status_code == 200, imported.text
        assert await cs.authorize("DRIVER-2") == "Blocked"


CSV = "text/csv; charset=utf-8"


async def test_csv_import_is_all_or_nothing_with_row_numbers(api: httpx.AsyncClient) -> None:
    assert (await api.post("/id-tokens", json={"value": "OLD", "group_id": "x"})).is_success
    good = (
        "\ufeffvalue,type,status,expiry,group_id\n"
        "A1,ISO14443,Accepted,2030-01-01T00:00:00Z,fleet\n"
        "\n"
        "A2,,Blocked,,\n"
        'OLD,,,2031-06-01 12:00,"fleet, north"\n'
    )
    answer = await api.post("/id-tokens/import", content=good, headers={"content-type": CSV})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"created": 2, "updated": 1}
    old = (await api.get("/id-tokens/OLD")).json()
    assert old == {
        "value": "OLD",
        "type": None,
        "status": "Accepted",
        "expiry": "2031-06-01T12:00:00Z",
        "group_id": "fleet, north",
    }
    assert (await api.get("/id-tokens/A2")).json()["status"] == "Blocked"

    bad = (
        "value,status,type\n"
        "B1,Accepted,\n"
        "B2,Sometimes,\n"
        "B3,Accepted,Plastic\n"
        "B1,Blocked,\n"
        "B4,Accepted\n"
        "has space,,\n"
    )
    refused = problem(
        await api.post("/id-tokens/import", content=bad, headers={"content-type": CSV}), 422
    )
    assert "nothing was imported" in refused["detail"]
    assert [(e["row"], e["field"]) for e in refused["errors"]] == [
        (3, "status"),
        (4, "type"),
        (5, "value"),
        (6, None),
        (7, "value"),
    ]
    assert "row 2" in refused["errors"][2]["message"]
    problem(await api.get("/id-tokens/B1"), 404)  # the good rows were not written either

    for content, headers, status in (
        ("", {"content-type": CSV}, 422),
        ("tag,status\nX,Accepted\n", {"content-type": CSV}, 422),
        ("value\n", {"content-type": CSV}, 422),
        ('value\n"unclosed\n', {"content-type": CSV}, 422),
        ("value\nX\n", {"content-type": "application/json"}, 415),
        (b"value\n\xff\xfe\n", {"content-type": CSV}, 400),
        ("value\n" + "X\n" * 10_001, {"content-type": CSV}, 422),
        ("value\n" + "Y" * 5_000_000, {"content-type": CSV}, 413),
    ):
        answer = await api.post("/id-tokens/import", content=content, headers=headers)
        problem(answer, status)
    listed = (await api.get("/id-tokens")).json()["items"]
    assert sorted(t["value"] for t in listed) == ["A1", "A2", "OLD"]
