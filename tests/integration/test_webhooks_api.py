"""The webhook routes: registration, changes, roles, pagination, and bad input as problems."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ampyre.app import Application
from ampyre.domain.events import Event, EventKind

from .webhook_receiver import Receiver

PROBLEM = "application/problem+json"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"webhook_attempts": 2, "webhook_backoff": 0.01, "webhook_backoff_max": 0.05}


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        ({"url": "ftp://example.com/x", "kinds": ["status.changed"]}, "http:// or https://"),
        ({"url": "http://", "kinds": ["status.changed"]}, "no host"),
        ({"url": "https://example.com:99999/", "kinds": ["status.changed"]}, "not a URL"),
        ({"url": "not a url", "kinds": ["status.changed"]}, "URL"),
        ({"url": "https://example.com/", "kinds": []}, "kinds"),
        ({"url": "https://example.com/", "kinds": ["station.exploded"]}, "kinds"),
        ({"url": "https://example.com/", "kinds": ["status.changed"], "secret": "short"}, "secret"),
        ({"url": "https://example.com/", "kinds": "status.changed"}, "kinds"),
        ({"kinds": ["status.changed"]}, "url"),
        ({"url": "https://example.com/" + "a" * 2000, "kinds": ["status.changed"]}, "url"),
    ],
)
async def test_bad_registrations_are_refused_with_a_problem(
    api: httpx.AsyncClient, payload: dict[str, Any], says: str
) -> None:
    body = problem(await api.post("/webhooks", json=payload), 422)
    assert says in body["detail"]
    assert (await api.get("/webhooks")).json()["items"] == []


async def test_register_change_and_remove(
    csms: Application, api: httpx.AsyncClient, api_url: str, reader_token: str
) -> None:
    created = await api.post(
        "/webhooks",
        json={
            "url": "https://example.com/hook",
            "kinds": ["transaction.ended", "command.result"],
            "secret": "my-own-secret-of-16+",
            "description": "billing",
        },
    )
    assert created.status_code == 201, created.text
    hook = created.json()
    assert hook["secret"] == "my-own-secret-of-16+"
    assert created.headers["location"] == f"/api/v1/webhooks/{hook['id']}"
    assert hook["kinds"] == ["command.result", "transaction.ended"] and hook["active"] is True

    reader = {"Authorization": f"Bearer {reader_token}"}
    async with httpx.AsyncClient(base_url=api_url, headers=reader) as as_reader:
        listed = (await as_reader.get("/webhooks")).json()["items"]
        assert [w["id"] for w in listed] == [hook["id"]] and "secret" not in listed[0]
        problem(await as_reader.post("/webhooks", json={"url": "http://x", "kinds": []}), 403)
        problem(await as_reader.patch(f"/webhooks/{hook['id']}", json={"active": False}), 403)
        problem(await as_reader.delete(f"/webhooks/{hook['id']}"), 403)
        problem(await as_reader.post(f"/webhooks/{hook['id']}/test"), 403)
    async with httpx.AsyncClient(base_url=api_url) as anonymous:
        problem(await anonymous.get("/webhooks"), 401)

    changed = await api.patch(
        f"/webhooks/{hook['id']}",
        json={"url": "http://example.org/other", "active": False, "description": None},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["url"], body["active"], body["description"]) == (
        "http://example.org/other",
        False,
        None,
    )
    assert "secret" not in body and body["kinds"] == hook["kinds"]
    rotated = (await api.patch(f"/webhooks/{hook['id']}", json={"secret": ""})).json()
    assert rotated["secret"].startswith("whsec_")
    assert (await csms.webhooks.get(hook["id"])).secret == rotated["secret"]

    problem(await api.patch(f"/webhooks/{hook['id']}", json={"url": None}), 422)
    problem(await api.patch(f"/webhooks/{hook['id']}", json={"url": "file:///etc"}), 422)
    problem(await api.patch(f"/webhooks/{hook['id']}", json={"secret": "tiny"}), 422)
    problem(await api.patch(f"/webhooks/{hook['id']}", json={"kinds": ["nope"]}), 422)
    problem(await api.patch("/webhooks/999999", json={"active": True}), 404)
    problem(await api.get("/webhooks/0"), 422)
    problem(await api.get("/webhooks/abc"), 422)
    problem(await api.get("/webhooks/999999"), 404)
    problem(await api.get("/webhooks/999999/deliveries"), 404)
    problem(await api.post("/webhooks/999999/test"), 404)
    problem(await api.get(f"/webhooks/{hook['id']}/deliveries/999999"), 404)
    problem(await api.post(f"/webhooks/{hook['id']}/deliveries/999999/redeliver"), 404)
    problem(await api.get(f"/webhooks/{hook['id']}/deliveries", params={"cursor": "x1"}), 400)
    problem(await api.get(f"/webhooks/{hook['id']}/deliveries", params={"limit": 0}), 422)
    problem(await api.post("/webhooks", content=b"{not json", headers=_json()), 422)

    assert (await api.delete(f"/webhooks/{hook['id']}")).status_code == 204
    problem(await api.delete(f"/webhooks/{hook['id']}"), 404)
    assert (await api.get("/webhooks")).json()["items"] == []


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}


async def test_history_pages_newest_first_and_inactive_webhooks_get_no_events(
    csms: Application, api: httpx.AsyncClient
) -> None:
    async with Receiver() as receiver:
        hook = (
            await api.post("/webhooks", json={"url": receiver.url, "kinds": ["status.changed"]})
        ).json()
        for _ in range(5):
            assert (await api.post(f"/webhooks/{hook['id']}/test")).status_code == 202

        async def all_delivered() -> bool:
            items = await csms.webhooks.deliveries(hook["id"], limit=10)
            return len(items) == 5 and all(d.state == "delivered" for d in items)

        await csms.webhooks.dispatcher.until(all_delivered)
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = (await api.get(f"/webhooks/{hook['id']}/deliveries", params=params)).json()
            seen += [d["id"] for d in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted(seen, reverse=True) and len(set(seen)) == 5

        # paused: events are not turned into deliveries
        await api.patch(f"/webhooks/{hook['id']}", json={"active": False})
        csms.events.publish(Event(EventKind.STATUS_CHANGED, "PAUSED", datetime.now(UTC)))
        await api.patch(f"/webhooks/{hook['id']}", json={"active": True})
        csms.events.publish(Event(EventKind.STATUS_CHANGED, "ACTIVE", datetime.now(UTC)))

        async def six() -> bool:
            return len(await csms.webhooks.deliveries(hook["id"], limit=10)) == 6

        await csms.webhooks.dispatcher.until(six)
        stations = [d.station_id for d in await csms.webhooks.deliveries(hook["id"], limit=10)]
        assert "ACTIVE" in stations and "PAUSED" not in stations


async def test_the_webhook_list_pages_oldest_first(api: httpx.AsyncClient) -> None:
    ids = []
    for n in range(3):
        created = await api.post(
            "/webhooks", json={"url": f"https://example.com/{n}", "kinds": ["status.changed"]}
        )
        ids.append(created.json()["id"])
    first = (await api.get("/webhooks", params={"limit": 2})).json()
    assert [w["id"] for w in first["items"]] == ids[:2] and first["next_cursor"]
    rest = (await api.get("/webhooks", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [w["id"] for w in rest["items"]] == ids[2:] and rest["next_cursor"] is None
    problem(await api.get("/webhooks", params={"cursor": "-1"}), 400)
