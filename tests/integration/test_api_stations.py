"""Stations over the operator API: list, detail, register, change, delete, on real sockets."""

from __future__ import annotations

import httpx
import pytest

from ampyre.app import Application
from ampyre.domain.access import Role
from ampyre.domain.events import EventKind
from ampyre.messages.v16 import types as m16
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.client import JsonClient
from ampyre.simulator.station import SimulatedStation

from .api_helpers import awaiting, client, problem
from .conftest import AppFactory

BOOT16 = m16.BootNotificationRequest(chargePointVendor="Acme", chargePointModel="X1")


async def test_register_change_list_and_delete(
    api: httpx.AsyncClient, api_url: str, reader_token: str
) -> None:
    created = await api.post("/stations", json={"id": "API-1", "description": "Depot, bay 3"})
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/v1/stations/API-1"
    body = created.json()
    assert body["id"] == "API-1" and body["registered"] is True
    assert body["description"] == "Depot, bay 3" and body["connected"] is False
    assert body["evses"] == [] and body["boot"] is None and body["created_at"]

    duplicate = problem(await api.post("/stations", json={"id": "API-1"}), 409)
    assert "API-1" in duplicate["detail"]

    changed = await api.patch("/stations/API-1", json={"registered": False})
    assert changed.status_code == 200
    assert changed.json()["registered"] is False
    assert changed.json()["description"] == "Depot, bay 3"  # left out: unchanged
    cleared = await api.patch("/stations/API-1", json={"description": None})
    assert cleared.json()["description"] is None

    for n in range(2, 6):
        assert (await api.post("/stations", json={"id": f"API-{n}"})).status_code == 201
    async with client(api_url, reader_token) as reader:
        first = (await reader.get("/stations", params={"limit": 2})).json()
        assert [s["id"] for s in first["items"]] == ["API-1", "API-2"]
        second = (
            await reader.get("/stations", params={"limit": 2, "cursor": first["next_cursor"]})
        ).json()
        third = (
            await reader.get("/stations", params={"limit": 2, "cursor": second["next_cursor"]})
        ).json()
        assert [s["id"] for s in second["items"]] == ["API-3", "API-4"]
        assert [s["id"] for s in third["items"]] == ["API-5"] and third["next_cursor"] is None
        unregistered = (await reader.get("/stations", params={"registered": "false"})).json()
        assert [s["id"] for s in unregistered["items"]] == ["API-1"]
        detail = await reader.get("/stations/API-3")
        assert detail.status_code == 200 and detail.json()["id"] == "API-3"

    assert (await api.delete("/stations/API-1")).status_code == 204
    problem(await api.get("/stations/API-1"), 404)
    problem(await api.delete("/stations/API-1"), 404)
    problem(await api.patch("/stations/API-1", json={"registered": True}), 404)


async def test_roles_and_bad_input_get_problems(
    csms: Application, api: httpx.AsyncClient, api_url: str, reader_token: str
) -> None:
    async with client(api_url, None) as anonymous:
        problem(await anonymous.get("/stations"), 401)
        problem(await anonymous.post("/stations", json={"id": "X"}), 401)
    async with client(api_url, reader_token) as reader:
        refused = problem(await reader.post("/stations", json={"id": "X"}), 403)
        assert "operator" in refused["detail"]
        problem(await reader.delete("/stations/X"), 403)
        problem(await reader.patch("/stations/X", json={}), 403)
    assert (await api.get("/stations/X")).status_code == 404

    for body in (
        {"id": "has:colon"},
        {"id": ""},
        {"id": "x" * 49},
        {"id": " lead"},
        {"id": "ok", "unknown": 1},
        {"id": "ok", "registered": "maybe"},
        {"id": "ok", "description": "d" * 256},
        {},
        [],
    ):
        found = problem(await api.post("/stations", json=body), 422)
        assert found["errors"], found
    not_json = await api.post(
        "/stations", content=b"{not json", headers={"content-type": "application/json"}
    )
    problem(not_json, 422)
    problem(await api.patch("/stations/X", json={"registered": None, "extra": 1}), 422)
    problem(await api.post("/stations", json={"id": ".."}), 422)

    for params, status in (
        ({"limit": 0}, 422),
        ({"limit": 501}, 422),
        ({"connected": "perhaps"}, 422),
        ({"cursor": "!!!"}, 400),
        ({"cursor": "_w"}, 400),
    ):
        problem(await api.get("/stations", params=params), status)
    assert (await api.get("/stations", params={"cursor": "QVBJ"})).status_code == 200
    # an operator token works for reads too
    operator = await csms.tokens.create("ops", Role.OPERATOR)
    async with client(api_url, operator.secret) as ops:
        assert (await ops.get("/stations")).status_code == 200


@pytest.mark.parametrize(
    ("policy", "refused"),
    [("known-only-rejected", "Rejected"), ("known-only-pending", "Pending")],
)
async def test_known_only_policy_accepts_a_station_registered_through_the_api(
    start_csms: AppFactory, policy: str, refused: str
) -> None:
    async with start_csms(registration_policy=policy) as app:
        api_url = f"http://127.0.0.1:{app.http_port}/api/v1"
        ocpp_url = f"ws://127.0.0.1:{app.port}/ocpp"
        token = (await app.tokens.create("ops", Role.OPERATOR)).secret
        async with client(api_url, token) as api:
            # registered before it ever connects: accepted at its first boot
            assert (await api.post("/stations", json={"id": "REG-NEW"})).status_code == 201
            async with SimulatedStation(ocpp_url, "REG-NEW", "2.0.1", evses=2) as cs:
                assert cs.registration == "Accepted"
                await cs.wait_for(lambda: sum(a == "StatusNotification" for a, _ in cs.sent) >= 2)
                detail = (await api.get("/stations/REG-NEW")).json()
                assert detail["connected"] is True and detail["ocpp_version"] == "2.0.1"
                assert detail["registration_status"] == "Accepted"
                assert detail["boot"]["model"] == "SimCharger" and detail["last_seen"]
                assert [e["evse_id"] for e in detail["evses"]] == [1, 2]
                assert detail["evses"][0]["connectors"][0]["status"] == "Available"
                problem(await api.delete("/stations/REG-NEW"), 409)
                connected = (await api.get("/stations", params={"connected": "true"})).json()
                assert [s["id"] for s in connected["items"]] == ["REG-NEW"]

            # unknown: rejected at boot, recorded unregistered; registering it lets it in
            async with JsonClient(ocpp_url, "REG-LATE", OcppVersion.V16) as stranger:
                assert (await stranger.call("BootNotification", BOOT16)).status == refused
                listed = (await api.get("/stations", params={"registered": "false"})).json()
                assert [s["id"] for s in listed["items"]] == ["REG-LATE"]
                problem(await api.post("/stations", json={"id": "REG-LATE"}), 409)
                patched = await api.patch("/stations/REG-LATE", json={"registered": True})
                assert patched.status_code == 200 and patched.json()["registered"] is True
                assert (await stranger.call("BootNotification", BOOT16)).status == "Accepted"
                # unregistered again: refused from its next boot on
                assert (await api.patch("/stations/REG-LATE", json={"registered": False})).json()[
                    "registered"
                ] is False
                assert (await stranger.call("BootNotification", BOOT16)).status == refused
                assert (await api.patch("/stations/REG-LATE", json={"registered": True})).is_success
                assert (await stranger.call("BootNotification", BOOT16)).status == "Accepted"
                with awaiting(app, EventKind.STATION_DISCONNECTED, "REG-LATE") as gone:
                    await stranger.close()
                    await gone.wait()
            detail = (await api.get("/stations/REG-LATE")).json()
            assert detail["connected"] is False and detail["registration_status"] == "Accepted"
            assert (await api.delete("/stations/REG-LATE")).status_code == 204


async def test_text_the_database_cannot_store_is_a_4xx_not_a_5xx(api: httpx.AsyncClient) -> None:
    """PostgreSQL refuses NUL characters in text (found by schemathesis): a 422, never a 503."""
    for method, path, kwargs in (
        ("GET", "/stations/a%00b", {}),
        ("GET", "/stations", {"params": {"ocpp_version": "1\x00"}}),
        ("POST", "/stations", {"json": {"id": "NUL-1", "description": "a\x00b"}}),
        ("POST", "/id-tokens", {"json": {"value": "NUL-2", "group_id": "a\x00b"}}),
        ("GET", "/transactions", {"params": {"id_token": "a\x00"}}),
        ("GET", "/transactions/export", {"params": {"id_token": "a\x00"}}),
        ("GET", "/stations/a%00b/status-history", {}),
        ("GET", "/messages", {"params": {"text": "a\x00"}}),
    ):
        answer = await api.request(method, path, **kwargs)
        assert answer.status_code in (200, 201, 404, 422), (path, answer.text)
        if answer.status_code == 422:
            assert "NUL" in answer.json()["detail"]


async def test_numbers_beyond_64_bits_are_a_422_not_a_500(api: httpx.AsyncClient) -> None:
    """SQLite and asyncpg refuse to bind them (found by schemathesis on /commands/{id})."""
    answer = await api.get(f"/commands/{2**66}")
    assert "range" in problem(answer, 422)["detail"]


async def test_a_body_that_is_not_utf8_is_a_422(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        "/stations", content=b'{"id": "\xff"}', headers={"content-type": "application/json"}
    )
    assert "not JSON" in problem(answer, 422)["detail"]
