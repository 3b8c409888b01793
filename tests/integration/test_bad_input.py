"""Bad input table: every fault gets the right CALLERROR, HTTP refusal or close, and the
server keeps serving the other stations."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from ampyre.app import Application
from ampyre.messages.v16 import types as m16
from ampyre.messages.v201 import types as m201
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.client import JsonClient

pytestmark = pytest.mark.transports


async def raw_exchange(url: str, version: OcppVersion, text: str) -> list[Any]:
    """Send any text from a raw WebSocket client and return the server's answer frame."""
    async with connect(url, subprotocols=[Subprotocol(version.subprotocol)]) as ws:
        await ws.send(text)
        return list(msgspec.json.decode(await ws.recv()))


HEARTBEAT = {OcppVersion.V16: m16.HeartbeatRequest(), OcppVersion.V201: m201.HeartbeatRequest()}


@pytest.mark.parametrize(
    ("version", "text", "code", "message_id"),
    [
        (OcppVersion.V16, "this is not json", "FormationViolation", "-1"),
        (OcppVersion.V201, "this is not json", "FormatViolation", "-1"),
        (OcppVersion.V201, '{"an": "object"}', "FormatViolation", "-1"),
        (OcppVersion.V201, '[7, "m1", "Heartbeat", {}]', "MessageTypeNotSupported", "m1"),
        (OcppVersion.V16, '[7, "m1", "Heartbeat", {}]', "FormationViolation", "m1"),
        (OcppVersion.V201, '[2, 12, "Heartbeat", {}]', "RpcFrameworkError", "-1"),
        (OcppVersion.V201, '[2, "' + "x" * 37 + '", "Heartbeat", {}]', "RpcFrameworkError", "-1"),
        (OcppVersion.V201, '[2, "m2", "Heartbeat"]', "FormatViolation", "m2"),
        (OcppVersion.V16, '[2, "m3", "MakeCoffee", {}]', "NotImplemented", "m3"),
        (OcppVersion.V201, '[2, "m3", "MakeCoffee", {}]', "NotImplemented", "m3"),
        (OcppVersion.V16, '[2, "m4", "Reset", {"type": "Hard"}]', "NotSupported", "m4"),
        (
            OcppVersion.V16,
            '[2, "m5", "BootNotification", {"chargePointVendor": "A"}]',
            "OccurenceConstraintViolation",
            "m5",
        ),
        (
            OcppVersion.V201,
            '[2, "m5", "StatusNotification", {"timestamp": "2026-01-01T00:00:00Z",'
            ' "connectorStatus": "Available", "evseId": 1}]',
            "OccurrenceConstraintViolation",
            "m5",
        ),
        (
            OcppVersion.V16,
            '[2, "m6", "BootNotification", {"chargePointVendor": 1, "chargePointModel": "M"}]',
            "TypeConstraintViolation",
            "m6",
        ),
        (
            OcppVersion.V16,
            '[2, "m7", "BootNotification", {"chargePointVendor": "'
            + "V" * 21
            + '", "chargePointModel": "M"}]',
            "PropertyConstraintViolation",
            "m7",
        ),
        (
            OcppVersion.V201,
            '[2, "m8", "StatusNotification", {"timestamp": "2026-01-01T00:00:00Z",'
            ' "connectorStatus": "Exploded", "evseId": 1, "connectorId": 1}]',
            "PropertyConstraintViolation",
            "m8",
        ),
        (
            OcppVersion.V16,
            '[2, "m9", "Heartbeat", {"extra": true}]',
            "FormationViolation",
            "m9",
        ),
    ],
)
async def test_bad_frames_get_the_versions_callerror(
    csms: Application, ocpp_url: str, version: OcppVersion, text: str, code: str, message_id: str
) -> None:
    async with JsonClient(ocpp_url, f"BAD-{version}", version) as bystander:
        frame = await raw_exchange(f"{ocpp_url}/BAD-{version}-src", version, text)
        assert frame[0] == 4
        assert frame[1] == message_id
        assert frame[2] == code
        assert isinstance(frame[3], str) and frame[3]
        assert frame[4] == {}
        # the server keeps serving everyone else
        assert await bystander.call("Heartbeat", HEARTBEAT[version])


async def test_the_same_connection_keeps_working_after_a_bad_frame(
    csms: Application, ocpp_url: str
) -> None:
    async with connect(f"{ocpp_url}/AFTER-BAD", subprotocols=[Subprotocol("ocpp1.6")]) as ws:
        await ws.send("garbage")
        assert msgspec.json.decode(await ws.recv())[2] == "FormationViolation"
        await ws.send('[2, "hb", "Heartbeat", {}]')
        answer = msgspec.json.decode(await ws.recv())
        assert answer[:2] == [3, "hb"] and "currentTime" in answer[2]


async def test_oversized_frames(csms: Application, ocpp_url: str) -> None:
    limit = csms.settings.max_frame_bytes
    padding = "x" * limit
    async with connect(f"{ocpp_url}/BIG", subprotocols=[Subprotocol("ocpp2.0.1")]) as ws:
        await ws.send(f'[2, "big", "DataTransfer", {{"vendorId": "{padding}"}}]')
        refused = msgspec.json.decode(await ws.recv())
        assert refused[2] == "FormatViolation" and "over the limit" in refused[3]
        await ws.send('[2, "hb", "Heartbeat", {}]')
        assert msgspec.json.decode(await ws.recv())[0] == 3
    async with JsonClient(ocpp_url, "BYSTANDER", OcppVersion.V16) as bystander:
        async with connect(f"{ocpp_url}/HUGE", subprotocols=[Subprotocol("ocpp2.0.1")]) as ws:
            await ws.send("[" + " " * (limit * 5) + "]")
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        assert await bystander.call("Heartbeat", m16.HeartbeatRequest())


@pytest.mark.parametrize(
    ("path", "subprotocols", "reason"),
    [
        ("/CS-1", ["ocpp1.2"], "not spoken here"),
        ("/CS-1", None, "no OCPP subprotocol offered"),
        ("/a%2Fb", ["ocpp1.6"], "may only use"),
        ("/" + "L" * 49, ["ocpp1.6"], "the limit is 48"),
        ("/bad:id", ["ocpp1.6"], "may only use"),
        ("/%FF", ["ocpp1.6"], "UTF-8"),
        ("", ["ocpp1.6"], "no station id"),
    ],
)
async def test_handshake_refusals_say_why(
    csms: Application, ocpp_url: str, path: str, subprotocols: list[str] | None, reason: str
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(ocpp_url + (path or "/"), subprotocols=subprotocols)  # type: ignore[arg-type]
    response = refused.value.response
    assert response.status_code == 400
    assert reason in response.body.decode()
    async with JsonClient(ocpp_url, "STILL-OK", OcppVersion.V201) as cs:
        assert await cs.call("Heartbeat", HEARTBEAT[OcppVersion.V201])


async def test_subprotocol_is_negotiated_from_the_clients_list(
    csms: Application, ocpp_url: str
) -> None:
    async with connect(f"{ocpp_url}/NEG-1", subprotocols=["ocpp1.2", "ocpp1.6", "ocpp2.0.1"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "ocpp1.6"
    async with connect(f"{ocpp_url}/NEG-2", subprotocols=["ocpp2.0.1", "ocpp1.6"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "ocpp2.0.1"


async def test_a_request_that_is_not_a_websocket_upgrade_gets_426(
    csms: Application, ocpp_url: str
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(ocpp_url.replace("ws://", "http://") + "/CS-HTTP")
    assert response.status_code == 426
    assert "needs a WebSocket" in response.text
