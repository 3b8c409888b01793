"""Display messages and running costs against simulated stations: what the station received
and shows, what the API answered, what the database keeps; Unknown, unsupported statuses,
transactions that are over, and 1.6 refusing them all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.events import EventKind
from ampyre.simulator.agent_v201 import AgentV201
from ampyre.simulator.station import SimulatedStation

from .test_commands import Events, accepted, received


@pytest.fixture
async def events(csms: Application) -> AsyncIterator[Events]:
    collected = Events(csms)
    yield collected
    collected.stop()


def agent(cs: SimulatedStation) -> AgentV201:
    assert isinstance(cs.agent, AgentV201)
    return cs.agent


async def stored_states(csms: Application, station_id: str) -> list[tuple[int, str]]:
    async with csms.database.unit_of_work() as uow:
        rows = await uow.display_messages.list(station_id, set_only=False)
    return [(r.message.id, r.state.value) for r in rows]


async def test_display_messages_are_set_reported_and_cleared(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with SimulatedStation(ocpp_url, "DISP-SET", "2.0.1") as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        welcome = {"id": 1, "priority": "NormalCycle", "content": "Welcome", "language": "en"}
        first = accepted(await api.post(f"{base}/set-display-message", json={"message": welcome}))
        assert first["status"] == "Accepted"
        assert received(cs, "SetDisplayMessage") == [
            {
                "message": {
                    "id": 1,
                    "priority": "NormalCycle",
                    "message": {"format": "UTF8", "language": "en", "content": "Welcome"},
                }
            }
        ]
        assert set(agent(cs).display.messages) == {1}

        again = accepted(
            await api.post(
                f"{base}/set-display-message",
                json={"message": {**welcome, "content": "Hello", "priority": "InFront"}},
            )
        )
        assert again["status"] == "Accepted"
        [shown] = (await api.get(f"/stations/{cs.station_id}/display-messages")).json()
        assert (shown["message"]["content"], shown["set_by"]) == ("Hello", again["id"])

        asked = accepted(await api.post(f"{base}/get-display-messages", json={"ids": [1]}))
        assert asked["status"] == "Accepted"
        assert received(cs, "GetDisplayMessages") == [{"id": [1], "requestId": asked["id"]}]
        await cs.wait_for(
            lambda: any(
                msgspec.to_builtins(p)["requestId"] == asked["id"]
                for name, p in cs.sent
                if name == "NotifyDisplayMessages"
            )
        )
        reports = (await api.get(f"/commands/{asked['id']}/reports")).json()
        assert reports["complete"] is True
        [part] = reports["parts"]
        assert part["kind"] == "display-messages"
        assert part["content"]["messageInfo"][0]["message"]["content"] == "Hello"

        cleared = accepted(await api.post(f"{base}/clear-display-message", json={"message_id": 1}))
        assert cleared["status"] == "Accepted"
        assert received(cs, "ClearDisplayMessage") == [{"id": 1}]
        assert agent(cs).display.messages == {}
        assert (await api.get(f"/stations/{cs.station_id}/display-messages")).json() == []
        assert await stored_states(csms, cs.station_id) == [(1, "replaced"), (1, "cleared")]

        # nothing to clear or to report: Unknown, nothing changes
        unknown = accepted(await api.post(f"{base}/clear-display-message", json={"message_id": 1}))
        assert (unknown["status"], unknown["accepted"]) == ("Unknown", False)
        none = accepted(await api.post(f"{base}/get-display-messages", json={}))
        assert none["status"] == "Unknown"
        assert await stored_states(csms, cs.station_id) == [(1, "replaced"), (1, "cleared")]


async def test_a_refused_display_message_changes_nothing(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient
) -> None:
    async with SimulatedStation(ocpp_url, "DISP-NO", "2.0.1") as cs:
        await cs.accepted.wait()
        # the simulated station shows ASCII and UTF8 only
        body = accepted(
            await api.post(
                f"/stations/{cs.station_id}/commands/set-display-message",
                json={
                    "message": {
                        "id": 5,
                        "priority": "AlwaysFront",
                        "content": "<b>x</b>",
                        "format": "HTML",
                    }
                },
            )
        )
        assert (body["status"], body["accepted"]) == ("NotSupportedMessageFormat", False)
        assert agent(cs).display.messages == {}
        assert await stored_states(csms, cs.station_id) == []


async def test_messages_and_costs_of_a_transaction(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, events: Events
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("DISP-TX"))
    async with SimulatedStation(ocpp_url, "DISP-TX", "2.0.1") as cs:
        await cs.accepted.wait()
        await cs.start_charging(1, "DISP-TX")
        started = await events.wait(EventKind.TRANSACTION_STARTED, cs.station_id)
        transaction_id, ref = started.data["transaction_id"], started.data["ref"]
        base = f"/stations/{cs.station_id}/commands"

        message = {"id": 9, "priority": "InFront", "content": "Charging at 0.30/kWh"}
        body = accepted(
            await api.post(
                f"{base}/set-display-message",
                json={"message": message, "transaction_id": transaction_id},
            )
        )
        assert body["status"] == "Accepted"
        assert received(cs, "SetDisplayMessage")[0]["message"]["transactionId"] == ref

        costs = []
        for total in (1.25, 2.5):
            cost = accepted(
                await api.post(
                    f"{base}/cost-updated",
                    json={"transaction_id": transaction_id, "total_cost": total},
                )
            )
            assert (cost["status"], cost["transaction_id"]) == ("Accepted", transaction_id)
            costs.append(cost["id"])
        assert received(cs, "CostUpdated") == [
            {"totalCost": 1.25, "transactionId": ref},
            {"totalCost": 2.5, "transactionId": ref},
        ]
        assert agent(cs).display.costs == {ref: 2.5}
        history = (
            await api.get(f"/stations/{cs.station_id}/commands", params={"command": "cost-updated"})
        ).json()["items"]
        assert [(c["id"], c["params"]["total_cost"], c["transaction_id"]) for c in history] == [
            (costs[1], 2.5, transaction_id),
            (costs[0], 1.25, transaction_id),
        ]
        stored = await csms.commands.get(costs[0])
        assert stored.transaction_id == transaction_id

        await cs.stop_charging(1)
        await events.wait(EventKind.TRANSACTION_ENDED, transaction_id=transaction_id)
        assert (await api.get(f"/stations/{cs.station_id}/display-messages")).json() == []
        [ended] = (
            await api.get(f"/stations/{cs.station_id}/display-messages", params={"history": "true"})
        ).json()
        assert ended["state"] == "ended" and ended["transaction_id"] == transaction_id

        late = await api.post(
            f"{base}/cost-updated", json={"transaction_id": transaction_id, "total_cost": 3}
        )
        assert late.status_code == 409 and "has ended" in late.json()["detail"]
        missing = await api.post(
            f"{base}/cost-updated", json={"transaction_id": 999999, "total_cost": 3}
        )
        assert missing.status_code == 404
        assert len(received(cs, "CostUpdated")) == 2


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("set-display-message", {"message": {"id": 1, "priority": "InFront", "content": "x"}}),
        ("get-display-messages", {}),
        ("clear-display-message", {"message_id": 1}),
    ],
)
async def test_1_6_has_no_display_messages(
    ocpp_url: str, api: httpx.AsyncClient, command: str, body: dict[str, Any]
) -> None:
    async with SimulatedStation(ocpp_url, f"DISP-16-{command}", "1.6") as cs:
        await cs.accepted.wait()
        answer = await api.post(f"/stations/{cs.station_id}/commands/{command}", json=body)
        assert answer.status_code == 409, answer.text
        assert f"OCPP 1.6 has no message for {command}" in answer.json()["detail"]
        assert cs.received == []


async def test_1_6_has_no_cost_updated(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, events: Events
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("COST-16"))
    async with SimulatedStation(ocpp_url, "COST-16", "1.6") as cs:
        await cs.accepted.wait()
        await cs.start_charging(1, "COST-16")
        started = await events.wait(EventKind.TRANSACTION_STARTED, cs.station_id)
        answer = await api.post(
            f"/stations/{cs.station_id}/commands/cost-updated",
            json={"transaction_id": started.data["transaction_id"], "total_cost": 1},
        )
        assert answer.status_code == 409, answer.text
        assert "OCPP 1.6 has no message for cost-updated" in answer.json()["detail"]
        assert received(cs, "CostUpdated") == []


@pytest.mark.parametrize(
    ("command", "body", "message"),
    [
        (
            "set-display-message",
            {"message": {"id": 1, "priority": "Top", "content": "x"}},
            "priority",
        ),
        (
            "set-display-message",
            {"message": {"id": 1, "priority": "InFront", "content": ""}},
            "content",
        ),
        (
            "set-display-message",
            {
                "message": {
                    "id": 1,
                    "priority": "InFront",
                    "content": "x",
                    "starts_at": "2030-01-02T00:00:00Z",
                    "ends_at": "2030-01-01T00:00:00Z",
                }
            },
            "starts_at must be before ends_at",
        ),
        ("cost-updated", {"transaction_id": 1, "total_cost": -1}, "total_cost"),
    ],
)
async def test_invalid_display_and_cost_bodies_are_refused(
    api: httpx.AsyncClient, command: str, body: dict[str, Any], message: str
) -> None:
    answer = await api.post(f"/stations/ANY/commands/{command}", json=body)
    assert answer.status_code == 422, answer.text
    assert message in answer.json()["detail"]
