"""Commands through the operator API, against simulated stations of each OCPP-J version:
what the station received, what the API answered, what the database holds, and every
problem case (offline, Rejected, CALLERROR, no answer, invalid, unknown, unauthorised)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
import pytest

from ampyre.app import Application
from ampyre.domain.access import Role
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.commands import CommandRecord, CommandState
from ampyre.domain.events import Event, EventKind
from ampyre.protocol.errors import InternalError
from ampyre.simulator.station import SimulatedStation

from .conftest import AppFactory

VERSIONS = ["1.6", "2.0.1"]


class Events:
    """The CSMS's domain events, collected so a test can wait for one."""

    def __init__(self, csms: Application) -> None:
        self.seen: list[Event] = []
        self._changed = asyncio.Event()
        self.stop = csms.events.subscribe(self._add)

    def _add(self, event: Event) -> None:
        self.seen.append(event)
        self._changed.set()

    async def wait(self, kind: EventKind, station_id: str | None = None, **data: Any) -> Event:
        async with asyncio.timeout(20):
            while True:
                for event in self.seen:
                    if (
                        event.kind is kind
                        and station_id in (None, event.station_id)
                        and all(event.data.get(k) == v for k, v in data.items())
                    ):
                        return event
                self._changed.clear()
                await self._changed.wait()


@pytest.fixture
async def events(csms: Application) -> AsyncIterator[Events]:
    collected = Events(csms)
    yield collected
    collected.stop()


def received(cs: SimulatedStation, action: str) -> list[dict[str, Any]]:
    """What the station was sent for `action`, as wire JSON."""
    return [msgspec.to_builtins(p) for name, p in cs.received if name == action]


def accepted(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert body["state"] == "answered", body
    return body


@pytest.mark.parametrize("version", VERSIONS)
async def test_remote_start_is_linked_to_its_transaction_and_remote_stop_ends_it(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, events: Events, version: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("REMOTE-1"))
    async with SimulatedStation(ocpp_url, f"CMD-RS-{version}", version, evses=2) as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        body = accepted(await api.post(f"{base}/remote-start", json={"id_token": "REMOTE-1"}))
        assert (body["command"], body["status"], body["accepted"]) == (
            "remote-start",
            "Accepted",
            True,
        )
        assert body["params"]["id_token"] == "REMOTE-1"
        if version == "1.6":
            assert received(cs, "RemoteStartTransaction") == [{"idTag": "REMOTE-1"}]
        else:
            [request] = received(cs, "RequestStartTransaction")
            assert request["remoteStartId"] == body["id"]
            assert request["idToken"] == {"idToken": "REMOTE-1", "type": "Central"}

        started = await events.wait(EventKind.TRANSACTION_STARTED, command_id=body["id"])
        transaction_id = started.data["transaction_id"]
        # a 1.6 station knows the session by our id only once it read the StartTransaction answer
        ref = started.data["ref"]
        await cs.wait_for(
            lambda: any(
                e.session is not None and ref in (str(e.session.csms_id), e.session.local_id)
                for e in cs.model.evses
            )
        )
        linked = (await api.get(f"/commands/{body['id']}")).json()
        assert linked["transaction_id"] == transaction_id
        async with csms.database.unit_of_work() as uow:
            stored = await uow.transactions.get(transaction_id)
        assert stored is not None and stored.remote_start_id == body["id"]

        stop = accepted(
            await api.post(f"{base}/remote-stop", json={"transaction_id": transaction_id})
        )
        assert stop["status"] == "Accepted"
        await events.wait(EventKind.TRANSACTION_ENDED, transaction_id=transaction_id)
        result = await events.wait(EventKind.COMMAND_RESULT, command_id=stop["id"])
        assert result.data["status"] == "Accepted"


async def test_a_1_6_remote_start_links_only_the_session_of_its_token(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, events: Events
) -> None:
    """1.6 sessions do not name the command: the token and EVSE decide."""
    for token in ("LOCAL-1", "REMOTE-2"):
        await csms.services.authorization.save_token(IdTokenRecord(token))
    async with SimulatedStation(ocpp_url, "CMD-LINK-16", "1.6", evses=2) as cs:
        await cs.accepted.wait()
        await cs.start_charging(1, "LOCAL-1")
        local = await events.wait(EventKind.TRANSACTION_STARTED, id_token="LOCAL-1")
        assert local.data["command_id"] is None
        body = accepted(
            await api.post(
                f"/stations/{cs.station_id}/commands/remote-start",
                json={"id_token": "REMOTE-2", "evse_id": 2},
            )
        )
        remote = await events.wait(EventKind.TRANSACTION_STARTED, id_token="REMOTE-2")
        assert remote.data["command_id"] == body["id"]
        assert remote.data["evse_id"] == 2


@pytest.mark.parametrize("version", VERSIONS)
async def test_every_core_command_reaches_the_station_and_is_stored(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, version: str
) -> None:
    async with SimulatedStation(ocpp_url, f"CMD-CORE-{version}", version, evses=2) as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        v16 = version == "1.6"

        unlock = accepted(await api.post(f"{base}/unlock-connector", json={"evse_id": 2}))
        assert unlock["status"] == "Unlocked"
        assert received(cs, "UnlockConnector") == (
            [{"connectorId": 2}] if v16 else [{"evseId": 2, "connectorId": 1}]
        )

        availability = accepted(
            await api.post(
                f"{base}/change-availability", json={"operational": "Inoperative", "evse_id": 1}
            )
        )
        assert availability["status"] == "Accepted"
        assert received(cs, "ChangeAvailability") == (
            [{"connectorId": 1, "type": "Inoperative"}]
            if v16
            else [{"operationalStatus": "Inoperative", "evse": {"id": 1}}]
        )
        await cs.wait_for(lambda: not cs.model.evse(1).operative)

        trigger = accepted(await api.post(f"{base}/trigger-message", json={"message": "Heartbeat"}))
        assert trigger["status"] == "Accepted"
        assert received(cs, "TriggerMessage") == [{"requestedMessage": "Heartbeat"}]
        await cs.wait_for(lambda: any(name == "Heartbeat" for name, _ in cs.sent))

        clear = accepted(await api.post(f"{base}/clear-cache"))
        assert clear["status"] == "Accepted"
        assert received(cs, "ClearCache") == [{}]

        transfer = accepted(
            await api.post(
                f"{base}/data-transfer",
                json={"vendor_id": "com.example", "message_id": "ping", "data": {"n": 1}},
            )
        )
        assert transfer["status"] == "UnknownVendorId" and not transfer["accepted"]
        assert received(cs, "DataTransfer") == [
            {
                "vendorId": "com.example",
                "messageId": "ping",
                "data": '{"n":1}' if v16 else {"n": 1},
            }
        ]

        reset = accepted(await api.post(f"{base}/reset", json={"kind": "Immediate"}))
        assert reset["status"] == "Accepted"
        assert received(cs, "Reset") == [{"type": "Hard" if v16 else "Immediate"}]

        history = (await api.get(f"/stations/{cs.station_id}/commands")).json()
        assert [c["command"] for c in history["items"]] == [
            "reset",
            "data-transfer",
            "clear-cache",
            "trigger-message",
            "change-availability",
            "unlock-connector",
        ]
        assert all(c["state"] == "answered" and c["raw"] is not None for c in history["items"])
        page = (await api.get("/commands", params={"limit": 2, "command": "reset"})).json()
        assert [c["id"] for c in page["items"]] == [reset["id"]]
        metrics = await api.get(f"http://127.0.0.1:{csms.http_port}/metrics")
        assert 'ampyre_command_results_total{command="reset",outcome="Accepted"} 1.0' in (
            metrics.text
        )


@pytest.mark.parametrize(
    ("version", "body", "reason"),
    [
        ("1.6", {"kind": "OnIdle", "evse_id": 1}, "whole station"),
        ("2.0.1", None, "cannot ask for DiagnosticsStatusNotification"),
    ],
)
async def test_what_a_version_cannot_express_is_refused_before_sending(
    csms: Application,
    ocpp_url: str,
    api: httpx.AsyncClient,
    version: str,
    body: dict[str, Any] | None,
    reason: str,
) -> None:
    async with SimulatedStation(ocpp_url, f"CMD-NO-{version}", version) as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        if body is not None:
            answer = await api.post(f"{base}/reset", json=body)
        else:
            answer = await api.post(
                f"{base}/trigger-message", json={"message": "DiagnosticsStatusNotification"}
            )
        assert answer.status_code == 409, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert reason in answer.json()["detail"]
        assert cs.received == []
        [record] = (await api.get(f"/stations/{cs.station_id}/commands")).json()["items"]
        assert record["state"] == "refused"


@pytest.mark.parametrize("version", VERSIONS)
async def test_rejected_call_error_and_offline(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, events: Events, version: str
) -> None:
    async with SimulatedStation(ocpp_url, f"CMD-ERR-{version}", version, evses=1) as cs:
        await cs.accepted.wait()
        base = f"/stations/{cs.station_id}/commands"
        # Rejected is an answer: 200 with the station's status
        await csms.services.authorization.save_token(IdTokenRecord("BUSY"))
        await cs.start_charging(1, "BUSY")
        assert cs.model.evse(1).session is not None
        busy = accepted(await api.post(f"{base}/remote-start", json={"id_token": "OTHER"}))
        assert (busy["status"], busy["accepted"]) == ("Rejected", False)

        async def fail(request: Any) -> Any:
            raise InternalError("the lock motor is stuck")

        cs.overrides["UnlockConnector"] = fail
        answer = await api.post(f"{base}/unlock-connector", json={"evse_id": 1})
        assert answer.status_code == 502, answer.text
        problem = answer.json()
        assert problem["error_code"] == "InternalError"
        assert "the lock motor is stuck" in problem["detail"]
        stored = (await api.get(f"/commands/{problem['command_id']}")).json()
        assert (stored["state"], stored["error_code"]) == ("call-error", "InternalError")

        generic = await api.post(
            f"/stations/{cs.station_id}/call",
            json={"action": "UnlockConnector", "payload": _unlock_payload(version)},
        )
        assert generic.status_code == 502 and generic.json()["error_code"] == "InternalError"

    # the station is known but gone
    await events.wait(EventKind.STATION_DISCONNECTED, cs.station_id)
    offline = await api.post(f"/stations/{cs.station_id}/commands/clear-cache")
    assert offline.status_code == 409
    assert "not connected" in offline.json()["detail"]
    generic = await api.post(
        f"/stations/{cs.station_id}/call", json={"action": "ClearCache", "payload": {}}
    )
    assert generic.status_code == 409


def _unlock_payload(version: str) -> dict[str, Any]:
    return {"connectorId": 1} if version == "1.6" else {"evseId": 1, "connectorId": 1}


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_station_that_never_answers_times_out(start_csms: AppFactory, version: str) -> None:
    async with start_csms(call_timeout=0.5) as app:
        token = (await app.tokens.create("t", Role.OPERATOR)).secret
        url = f"ws://127.0.0.1:{app.port}/ocpp"
        async with (
            SimulatedStation(url, f"CMD-MUTE-{version}", version) as cs,
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{app.http_port}/api/v1",
                headers={"Authorization": f"Bearer {token}"},
            ) as api,
        ):
            await cs.accepted.wait()
            never = asyncio.Event()

            async def silent(request: Any) -> Any:
                await never.wait()

            cs.overrides["ClearCache"] = silent
            answer = await api.post(f"/stations/{cs.station_id}/commands/clear-cache")
            assert answer.status_code == 504, answer.text
            problem = answer.json()
            assert "did not answer ClearCache" in problem["detail"]
            stored = (await api.get(f"/commands/{problem['command_id']}")).json()
            assert stored["state"] == "timeout" and stored["answered_at"] is not None
            never.set()


@pytest.mark.parametrize("version", VERSIONS)
async def test_the_generic_call_sends_any_action_of_the_version(
    csms: Application, ocpp_url: str, api: httpx.AsyncClient, version: str
) -> None:
    async with SimulatedStation(ocpp_url, f"CMD-CALL-{version}", version) as cs:
        await cs.accepted.wait()
        url = f"/stations/{cs.station_id}/call"
        if version == "1.6":
            action, payload = "GetConfiguration", {"key": ["HeartbeatInterval"]}
        else:
            action, payload = (
                "GetVariables",
                {
                    "getVariableData": [
                        {
                            "component": {"name": "OCPPCommCtrlr"},
                            "variable": {"name": "HeartbeatInterval"},
                        }
                    ]
                },
            )
        answer = await api.post(url, json={"action": action, "payload": payload})
        assert answer.status_code == 200, answer.text
        if version == "1.6":
            assert answer.json()["configurationKey"][0]["key"] == "HeartbeatInterval"
        else:
            assert answer.json()["getVariableResult"][0]["attributeStatus"] == "Accepted"
        assert received(cs, action) == [payload]

        invalid = await api.post(url, json={"action": action, "payload": {"bogus": 1}})
        assert invalid.status_code == 422
        assert "invalid" in invalid.json()["detail"] and "bogus" in invalid.json()["detail"]
        wrong_way = await api.post(url, json={"action": "BootNotification", "payload": {}})
        assert wrong_way.status_code == 422
        assert "not a message a central system sends" in wrong_way.json()["detail"]
        assert len(cs.received) == 1  # nothing invalid was sent


async def test_unknown_station_bad_body_and_roles(
    api: httpx.AsyncClient, api_url: str, reader_token: str
) -> None:
    unknown = await api.post("/stations/NOPE/commands/reset", json={})
    assert unknown.status_code == 404 and "NOPE" in unknown.json()["detail"]
    unknown = await api.post("/stations/NOPE/call", json={"action": "Reset", "payload": {}})
    assert unknown.status_code == 404
    assert (await api.get("/commands/999999")).status_code == 404
    bad = await api.post("/stations/NOPE/commands/unlock-connector", json={"evse_id": 0})
    assert bad.status_code == 422 and "evse_id" in bad.json()["detail"]
    extra = await api.post("/stations/NOPE/commands/reset", json={"kind": "Gentle"})
    assert extra.status_code == 422
    cursor = await api.get("/commands", params={"cursor": "x"})
    assert cursor.status_code == 400
    huge = await api.get("/stations/NOPE/commands", params={"cursor": 2**64})
    assert huge.status_code == 400  # past any id, not a database overflow
    async with httpx.AsyncClient(base_url=api_url) as anonymous:
        assert (await anonymous.post("/stations/NOPE/commands/reset", json={})).status_code == 401
        reader = {"Authorization": f"Bearer {reader_token}"}
        forbidden = await anonymous.post("/stations/NOPE/commands/reset", json={}, headers=reader)
        assert forbidden.status_code == 403
        assert (await anonymous.get("/commands", headers=reader)).status_code == 200


async def test_a_command_a_crash_left_unanswered_is_not_pending_after_a_restart(
    start_csms: AppFactory,
) -> None:
    """The process died between sending and storing the answer (here: the pending record
    written as the service writes it before sending): the next start ends it, saying why."""
    async with start_csms() as app, app.database.unit_of_work() as uow:
        pending = await uow.commands.add(
            CommandRecord(
                id=0,
                station_id="CMD-CRASH",
                name="reset",
                params={"kind": "OnIdle"},
                state=CommandState.PENDING,
                created_at=datetime.now(UTC),
            )
        )
        await uow.commit()
    async with start_csms() as app:
        record = await app.commands.get(pending.id)
        assert record.state is CommandState.UNREACHABLE
        assert record.answered_at is not None
        assert record.error is not None and "stopped before the station answered" in record.error
