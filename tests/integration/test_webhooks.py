"""Webhooks over real sockets: a simulated station's events reach a real HTTP receiver, signed;
failures are retried with backoff, then failed; pending deliveries survive a restart."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.events import Event, EventKind
from ampyre.simulator.model import PowerCurve
from ampyre.simulator.station import SimulatedStation

from .conftest import AppFactory
from .http_server import closed_port
from .webhook_receiver import HeldReceiver, Receiver, verify

FAST = PowerCurve(max_power_w=3_600_000.0)
KINDS = [
    "station.connected",
    "station.disconnected",
    "status.changed",
    "transaction.started",
    "transaction.updated",
    "transaction.ended",
]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"webhook_attempts": 3, "webhook_backoff": 0.01, "webhook_backoff_max": 0.05}


async def register(api: httpx.AsyncClient, url: str, kinds: list[str]) -> dict[str, Any]:
    response = await api.post("/webhooks", json={"url": url, "kinds": kinds})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def history(api: httpx.AsyncClient, webhook_id: int, **params: Any) -> dict[str, Any]:
    response = await api.get(f"/webhooks/{webhook_id}/deliveries", params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def settled(csms: Application, api: httpx.AsyncClient, webhook_id: int, count: int) -> None:
    """Wait until `count` deliveries of the webhook are no longer pending."""

    async def done() -> bool:
        items = (await history(api, webhook_id, limit=500))["items"]
        return sum(d["state"] != "pending" for d in items) >= count

    await csms.webhooks.dispatcher.until(done)


async def test_a_session_reaches_the_webhook_signed_and_in_the_history(
    csms: Application, api: httpx.AsyncClient, ocpp_url: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("HOOKTAG"))
    async with Receiver() as receiver:
        hook = await register(api, receiver.url, KINDS)
        secret = hook["secret"]
        assert secret.startswith("whsec_") and len(secret) > 40
        shown = (await api.get(f"/webhooks/{hook['id']}")).json()
        assert "secret" not in shown and shown["kinds"] == sorted(KINDS)

        async with SimulatedStation(ocpp_url, "HOOK-16", "1.6", curve=FAST) as cs:
            session = await cs.start_charging(evse=1, token="HOOKTAG")
            assert session is not None
            await cs.stop_charging(evse=1)
            await cs.drained()

        async def disconnected() -> bool:
            return any(e["kind"] == "station.disconnected" for e in receiver.events())

        await csms.webhooks.dispatcher.until(disconnected)

        events = receiver.events()
        kinds = {e["kind"] for e in events}
        assert {"station.connected", "status.changed", "transaction.started"} <= kinds
        assert "transaction.ended" in kinds
        assert {e["station_id"] for e in events} == {"HOOK-16"}
        started = next(e for e in events if e["kind"] == "transaction.started")
        assert started["data"]["id_token"] == "HOOKTAG"
        ids = set()
        for request in receiver.requests:
            assert request.method == "POST" and request.path == "/hook"
            assert request.headers["content-type"] == "application/json"
            assert request.headers["user-agent"].startswith("Ampyre-Webhooks/")
            assert verify(secret, request.headers["ampyre-signature"], request.body)
            assert not verify("whsec_another", request.headers["ampyre-signature"], request.body)
            assert request.headers["ampyre-event"] == json.loads(request.body)["kind"]
            assert request.headers["ampyre-attempt"] == "1"
            ids.add(request.headers["ampyre-delivery"])
        assert len(ids) == len(receiver.requests)

        await settled(csms, api, hook["id"], len(receiver.requests))
        items = (await history(api, hook["id"], limit=500))["items"]
        assert {str(d["id"]) for d in items} == ids
        assert all(d["state"] == "delivered" for d in items)
        assert all(d["attempts"] == 1 and d["status_code"] == 200 for d in items)
        assert all(d["error"] is None and d["next_attempt_at"] is None for d in items)
        bodies = {d["body"] for d in items}
        assert bodies == {r.body.decode() for r in receiver.requests}


async def test_a_receiver_failing_twice_gets_the_third_attempt(
    csms: Application, api: httpx.AsyncClient
) -> None:
    async with Receiver(statuses=[500, 503]) as receiver:
        hook = await register(api, receiver.url, ["station.connected"])
        response = await api.post(f"/webhooks/{hook['id']}/test")
        assert response.status_code == 202, response.text
        queued = response.json()
        assert queued["event_kind"] == "webhook.ping" and queued["state"] == "pending"
        await settled(csms, api, hook["id"], 1)

        [delivery] = (await history(api, hook["id"]))["items"]
        assert delivery["id"] == queued["id"]
        assert delivery["state"] == "delivered"
        assert delivery["attempts"] == 3
        assert delivery["status_code"] == 200
        assert delivery["updated_at"] > delivery["created_at"]
        requests = receiver.requests
        assert [r.headers["ampyre-attempt"] for r in requests] == ["1", "2", "3"]
        assert {r.headers["ampyre-delivery"] for r in requests} == {str(queued["id"])}
        assert {r.body for r in requests} == {requests[0].body}
        assert all(verify(hook["secret"], r.headers["ampyre-signature"], r.body) for r in requests)
        assert json.loads(requests[0].body)["data"] == {"webhook_id": hook["id"]}

    metrics = (await api.get(f"http://127.0.0.1:{csms.http_port}/metrics")).text
    assert 'ampyre_webhook_attempts_total{outcome="retrying"} 2.0' in metrics
    assert 'ampyre_webhook_attempts_total{outcome="delivered"} 1.0' in metrics
    assert "ampyre_webhook_in_flight 0.0" in metrics
    assert "ampyre_webhook_queued_events 0.0" in metrics
    assert "ampyre_webhook_events_dropped_total 0.0" in metrics


async def test_a_receiver_that_is_down_fails_after_the_last_attempt(
    csms: Application, api: httpx.AsyncClient
) -> None:
    hook = await register(api, f"http://127.0.0.1:{closed_port()}/down", ["status.changed"])
    await api.post(f"/webhooks/{hook['id']}/test")
    await settled(csms, api, hook["id"], 1)
    [delivery] = (await history(api, hook["id"]))["items"]
    assert delivery["state"] == "failed"
    assert delivery["attempts"] == 3
    assert delivery["status_code"] is None
    assert "Connect" in delivery["error"]
    assert delivery["next_attempt_at"] is None


async def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    csms: Application, api: httpx.AsyncClient
) -> None:
    async with Receiver(statuses=[302, 302, 302]) as receiver:
        hook = await register(api, receiver.url, ["status.changed"])
        await api.post(f"/webhooks/{hook['id']}/test")
        await settled(csms, api, hook["id"], 1)
        [delivery] = (await history(api, hook["id"]))["items"]
        assert (delivery["state"], delivery["status_code"]) == ("failed", 302)
        assert "redirects are not followed" in delivery["error"]
        assert len(receiver.requests) == 3

        # sent again on request, as a new delivery
        response = await api.post(f"/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver")
        assert response.status_code == 202, response.text
        again = response.json()
        assert again["id"] != delivery["id"] and again["body"] == delivery["body"]
        await settled(csms, api, hook["id"], 2)
        latest = (await api.get(f"/webhooks/{hook['id']}/deliveries/{again['id']}")).json()
        assert (latest["state"], latest["attempts"]) == ("delivered", 1)


async def test_pending_deliveries_are_resumed_after_a_restart(start_csms: AppFactory) -> None:
    slow = {"webhook_attempts": 5, "webhook_backoff": 3600.0, "webhook_backoff_max": 3600.0}
    fast = {"webhook_attempts": 5, "webhook_backoff": 0.01, "webhook_backoff_max": 0.05}
    async with Receiver(statuses=[500]) as receiver:
        async with start_csms(**slow) as first:
            issued = await first.webhooks.create(receiver.url, ["station.connected"])
            queued = await first.webhooks.ping(issued.id)

            async def tried_once() -> bool:
                return (await first.webhooks.delivery(issued.id, queued.id)).attempts == 1

            await first.webhooks.dispatcher.until(tried_once)
            pending = await first.webhooks.delivery(issued.id, queued.id)
            assert pending.state == "pending" and pending.status_code == 500
            assert pending.next_attempt_at is not None
        assert len(receiver.requests) == 1

        async with start_csms(**fast) as second:

            async def delivered() -> bool:
                found = await second.webhooks.delivery(issued.id, queued.id)
                return found.state == "delivered"

            await second.webhooks.dispatcher.until(delivered)
            done = await second.webhooks.delivery(issued.id, queued.id)
            assert (done.attempts, done.status_code) == (2, 200)
        assert [r.headers["ampyre-attempt"] for r in receiver.requests] == ["1", "2"]
        for request in receiver.requests:
            assert verify(issued.secret, request.headers["ampyre-signature"], request.body)


async def test_slow_receivers_hold_at_most_concurrency_attempts_and_never_stations(
    start_csms: AppFactory,
) -> None:
    settings = {"webhook_concurrency": 2, "webhook_attempts": 1, "webhook_timeout": 30.0}
    async with HeldReceiver() as receiver, start_csms(**settings) as app:
        hook = await app.webhooks.create(receiver.url, ["station.connected", "status.changed"])
        for _ in range(5):
            await app.webhooks.ping(hook.id)
        await receiver.holding(2)
        assert app.webhooks.dispatcher.in_flight == 2

        # both slots are taken by a receiver that does not answer: stations are not slowed
        async with SimulatedStation(f"ws://127.0.0.1:{app.port}/ocpp", "HELD-1", "1.6") as cs:
            await cs.call("Heartbeat", {})
        assert receiver.received == 2 and app.webhooks.dispatcher.in_flight == 2

        receiver.release.set()

        async def all_delivered() -> bool:
            found = await app.webhooks.deliveries(hook.id, limit=100)
            return len(found) > 5 and all(d.state == "delivered" for d in found)

        await app.webhooks.dispatcher.until(all_delivered)
        assert receiver.most_held == 2
        kinds = {d.event_kind for d in await app.webhooks.deliveries(hook.id, limit=100)}
        assert kinds >= {"webhook.ping", "station.connected"}


async def test_a_receiver_that_does_not_answer_times_out(start_csms: AppFactory) -> None:
    settings = {"webhook_attempts": 2, "webhook_timeout": 0.2, "webhook_backoff": 0.01}
    async with HeldReceiver() as receiver, start_csms(**settings) as app:
        hook = await app.webhooks.create(receiver.url, ["status.changed"])
        queued = await app.webhooks.ping(hook.id)

        async def failed() -> bool:
            return (await app.webhooks.delivery(hook.id, queued.id)).state == "failed"

        await app.webhooks.dispatcher.until(failed)
        done = await app.webhooks.delivery(hook.id, queued.id)
        assert (done.attempts, done.status_code) == (2, None)
        assert done.error == "no answer within 0.2 s"
        assert receiver.received == 2


async def test_command_results_and_security_events_reach_the_webhook(
    csms: Application, api: httpx.AsyncClient, ocpp_url: str
) -> None:
    async with Receiver() as receiver:
        hook = await register(api, receiver.url, ["command.result", "security.event"])
        async with SimulatedStation(ocpp_url, "HOOK-CMD", "1.6") as cs:
            answer = await api.post("/stations/HOOK-CMD/commands/clear-cache", json={})
            assert answer.status_code == 200, answer.text
            await cs.call(
                "SecurityEventNotification",
                {"type": "InvalidFirmwareSignature", "timestamp": cs.now().isoformat()},
            )

        async def both() -> bool:
            return {e["kind"] for e in receiver.events()} == {"command.result", "security.event"}

        await csms.webhooks.dispatcher.until(both)
        by_kind = {e["kind"]: e for e in receiver.events()}
        assert by_kind["command.result"]["station_id"] == "HOOK-CMD"
        assert by_kind["command.result"]["data"]["command_id"] == answer.json()["id"]
        assert by_kind["security.event"]["data"]["type"] == "InvalidFirmwareSignature"
        for request in receiver.requests:
            assert verify(hook["secret"], request.headers["ampyre-signature"], request.body)


async def test_old_settled_deliveries_are_purged_and_pending_ones_kept(
    start_csms: AppFactory,
) -> None:
    slow = {"webhook_attempts": 3, "webhook_backoff": 3600.0, "webhook_backoff_max": 3600.0}
    async with Receiver(statuses=[200, 500]) as receiver, start_csms(**slow) as app:
        hook = await app.webhooks.create(receiver.url, ["status.changed"])
        delivered = await app.webhooks.ping(hook.id)
        pending = await app.webhooks.ping(hook.id)

        async def both_tried() -> bool:
            found = await app.webhooks.deliveries(hook.id)
            return all(d.attempts == 1 for d in found)

        await app.webhooks.dispatcher.until(both_tried)
        assert await app.webhooks.purge() == 0  # nothing is a week old
        later = datetime.now(UTC) + timedelta(days=8)
        assert await app.webhooks.purge(later) == 1
        [kept] = await app.webhooks.deliveries(hook.id)
        assert kept.id == pending.id != delivered.id and kept.state == "pending"


async def test_events_published_just_before_a_shutdown_are_sent_after_the_restart(
    start_csms: AppFactory,
) -> None:
    async with Receiver() as receiver:
        async with start_csms() as first:
            hook = await first.webhooks.create(receiver.url, ["security.event"])
            # the sender is stopped first, so nothing goes out before the shutdown
            first.webhooks.dispatcher._tasks[1].cancel()
            for n in range(3):
                first.events.publish(
                    Event(EventKind.SECURITY_EVENT, f"SHUT-{n}", datetime.now(UTC), {"n": n})
                )
        assert receiver.requests == []
        async with start_csms() as second:

            async def three() -> bool:
                found = await second.webhooks.deliveries(hook.id)
                return len(found) == 3 and all(d.state == "delivered" for d in found)

            await second.webhooks.dispatcher.until(three)
        assert sorted(e["station_id"] for e in receiver.events()) == ["SHUT-0", "SHUT-1", "SHUT-2"]
