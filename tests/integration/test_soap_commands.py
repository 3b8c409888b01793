"""SOAP stations (the 1.5 and 1.6 simulator) driven through the operator API's commands and
generic call, exactly as JSON stations are: the operator does not need to know the transport."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import msgspec
import pytest

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.events import Event, EventKind
from ampyre.simulator.station import SimulatedStation

from .http_server import closed_port
from .soap_helpers import soap_url

VERSIONS = pytest.mark.parametrize("version", ["1.5", "1.6"])


def soap_station(csms: Application, station_id: str, version: str, **kw: Any) -> SimulatedStation:
    return SimulatedStation(
        soap_url(csms), station_id, version, transport="soap", call_timeout=30.0, **kw
    )


def received(cs: SimulatedStation, action: str) -> list[dict[str, Any]]:
    """What the station was sent for `action` (a 1.5 station's agent sees it in 1.6 words)."""
    return [msgspec.to_builtins(p) for name, p in cs.received if name == action]


def answered(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["state"] == "answered", body
    return body


async def wait_event(csms: Application, kind: EventKind, **data: Any) -> Event:
    seen: asyncio.Queue[Event] = asyncio.Queue()
    stop = csms.events.subscribe(seen.put_nowait)
    try:
        async with asyncio.timeout(20):
            while True:
                event = await seen.get()
                if event.kind is kind and all(event.data.get(k) == v for k, v in data.items()):
                    return event
    finally:
        stop()


@VERSIONS
async def test_remote_start_and_stop_through_the_api(
    csms: Application, api: httpx.AsyncClient, version: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("SOAP-RS"))
    async with soap_station(csms, f"SCMD-RS-{version}", version, evses=2) as cs:
        base = f"/stations/{cs.station_id}/commands"
        started = asyncio.ensure_future(
            wait_event(csms, EventKind.TRANSACTION_STARTED, id_token="SOAP-RS")
        )
        body = answered(
            await api.post(f"{base}/remote-start", json={"id_token": "SOAP-RS", "evse_id": 2})
        )
        assert (body["status"], body["accepted"]) == ("Accepted", True)
        assert received(cs, "RemoteStartTransaction") == [{"connectorId": 2, "idTag": "SOAP-RS"}]
        transaction_id = (await started).data["transaction_id"]
        linked = (await api.get(f"/commands/{body['id']}")).json()
        assert linked["transaction_id"] == transaction_id
        evse = cs.model.evse(2)  # the station learns the id from the StartTransaction answer
        await cs.wait_for(lambda: evse.session is not None and evse.session.csms_id is not None)

        ended = asyncio.ensure_future(
            wait_event(csms, EventKind.TRANSACTION_ENDED, transaction_id=transaction_id)
        )
        stop = answered(
            await api.post(f"{base}/remote-stop", json={"transaction_id": transaction_id})
        )
        assert stop["status"] == "Accepted"
        assert received(cs, "RemoteStopTransaction") == [{"transactionId": transaction_id}]
        await ended


@VERSIONS
async def test_core_commands_and_the_generic_call_reach_a_soap_station(
    csms: Application, api: httpx.AsyncClient, version: str
) -> None:
    async with soap_station(csms, f"SCMD-CORE-{version}", version, evses=2) as cs:
        station = f"/stations/{cs.station_id}"
        base = f"{station}/commands"

        unlock = answered(await api.post(f"{base}/unlock-connector", json={"evse_id": 2}))
        assert unlock["status"] == "Unlocked"
        assert received(cs, "UnlockConnector") == [{"connectorId": 2}]

        off = {"operational": "Inoperative", "evse_id": 1}
        availability = answered(await api.post(f"{base}/change-availability", json=off))
        assert availability["status"] == "Accepted"
        assert received(cs, "ChangeAvailability") == [{"connectorId": 1, "type": "Inoperative"}]
        await cs.wait_for(lambda: not cs.model.evse(1).operative)

        assert answered(await api.post(f"{base}/clear-cache"))["status"] == "Accepted"
        assert received(cs, "ClearCache") == [{}]

        transfer = answered(
            await api.post(
                f"{base}/data-transfer",
                json={"vendor_id": "com.example", "message_id": "ping", "data": {"n": 1}},
            )
        )
        assert transfer["status"] == "UnknownVendorId" and not transfer["accepted"]
        assert received(cs, "DataTransfer") == [
            {"vendorId": "com.example", "messageId": "ping", "data": '{"n":1}'}
        ]

        trigger = await api.post(f"{base}/trigger-message", json={"message": "Heartbeat"})
        if version == "1.6":
            assert answered(trigger)["status"] == "Accepted"
            await cs.wait_for(lambda: any(name == "Heartbeat" for name, _ in cs.sent))
        else:  # 1.5 has no TriggerMessage: refused before anything is sent
            assert trigger.status_code == 409, trigger.text
            assert "1.5" in trigger.json()["detail"]
            assert received(cs, "TriggerMessage") == []

        # the generic call, in the 1.6 words a 1.x operator uses
        get = await api.post(
            f"{station}/call",
            json={"action": "GetConfiguration", "payload": {"key": ["HeartbeatInterval"]}},
        )
        assert get.status_code == 200, get.text
        [entry] = get.json()["configurationKey"]
        assert entry["key"] == "HeartbeatInterval"
        change = await api.post(
            f"{station}/call",
            json={
                "action": "ChangeConfiguration",
                "payload": {"key": "HeartbeatInterval", "value": "77"},
            },
        )
        assert change.status_code == 200 and change.json() == {"status": "Accepted"}
        assert cs.heartbeat_interval == 77
        listing = await api.post(f"{station}/call", json={"action": "GetLocalListVersion"})
        assert listing.status_code == 200 and "listVersion" in listing.json()

        invalid = await api.post(
            f"{station}/call", json={"action": "ChangeConfiguration", "payload": {"key": 1}}
        )
        assert invalid.status_code == 422, invalid.text
        too_long = await api.post(
            f"{station}/call",
            json={"action": "RemoteStartTransaction", "payload": {"idTag": "x" * 21}},
        )
        assert too_long.status_code == 422, too_long.text
        if version == "1.5":
            only_16 = await api.post(
                f"{station}/call",
                json={"action": "TriggerMessage", "payload": {"requestedMessage": "Heartbeat"}},
            )
            assert only_16.status_code == 422 and "OCPP 1.5" in only_16.json()["detail"]

        boots = len([n for n, _ in cs.sent if n == "BootNotification"])
        reset = answered(await api.post(f"{base}/reset", json={"kind": "Immediate"}))
        assert reset["status"] == "Accepted"
        assert received(cs, "Reset") == [{"type": "Hard"}]
        await cs.wait_for(lambda: len([n for n, _ in cs.sent if n == "BootNotification"]) > boots)

        history = (await api.get(f"{station}/commands")).json()
        sent = ["reset", "trigger-message", "data-transfer", "clear-cache"]
        sent += ["change-availability", "unlock-connector"]
        if version == "1.5":
            sent.remove("trigger-message")  # refused with 409: not a command sent
        assert [c["command"] for c in history["items"]] == sent
        assert {c["state"] for c in history["items"]} == {"answered"}


@VERSIONS
async def test_a_soap_station_that_cannot_be_reached_is_a_502_and_stored(
    csms: Application, api: httpx.AsyncClient, version: str
) -> None:
    station_id = f"SCMD-GONE-{version}"
    async with soap_station(csms, station_id, version):
        pass  # it booted, announced its address, and is gone now
    nowhere = f"http://127.0.0.1:{closed_port()}/cp"
    await csms.station_addresses.set_override(station_id, nowhere)
    response = await api.post(f"/stations/{station_id}/commands/clear-cache")
    assert response.status_code == 502, response.text
    problem = response.json()
    assert problem["title"] == "Station unreachable" and problem["state"] == "unreachable"
    assert nowhere in problem["detail"]
    stored = (await api.get(f"/commands/{problem['command_id']}")).json()
    assert stored["state"] == "unreachable"
    call = await api.post(f"/stations/{station_id}/call", json={"action": "ClearCache"})
    assert call.status_code == 502, call.text
