"""Self-test of `independent_csms.IndependentCsms`, driven by the `ocpp` package's own clients.

If these pass, the fixture is a standard OCPP 1.6 / 2.0.1 central system (as the package reads
the standard), so a simulator that works against it is not tuned to Ampyre.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import pytest
from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.exceptions import NotImplementedError as OcppNotImplemented
from ocpp.exceptions import OCPPError
from ocpp.messages import CallResult, _validate_payload
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16 import datatypes as data16
from ocpp.v16 import enums as enums16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.v201 import datatypes as data201
from ocpp.v201 import enums as enums201
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from .independent_csms import (
    _STATION_CLASSES,
    CS_INITIATED_ACTIONS,
    OCPP16,
    OCPP201,
    IndependentCsms,
)

T0 = "2026-01-02T03:04:05Z"
T1 = "2026-01-02T03:34:05Z"

CP = TypeVar("CP", ChargePoint16, ChargePoint201)


class Client16(ChargePoint16):
    @on(enums16.Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None, **kwargs: Any) -> Any:
        return result16.GetConfiguration(
            configuration_key=[
                data16.KeyValue(key="HeartbeatInterval", readonly=False, value="300")
            ],
            unknown_key=[k for k in key or [] if k != "HeartbeatInterval"] or None,
        )


class Client201(ChargePoint201):
    @on(enums201.Action.get_variables)
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **kwargs: Any) -> Any:
        return result201.GetVariables(
            get_variable_result=[
                data201.GetVariableResultType(
                    attribute_status=enums201.GetVariableStatusEnumType.accepted,
                    attribute_value="300",
                    component=data201.ComponentType(name=item["component"]["name"]),
                    variable=data201.VariableType(name=item["variable"]["name"]),
                )
                for item in get_variable_data
            ]
        )


@contextlib.asynccontextmanager
async def client(factory: type[CP], url: str, subprotocol: str) -> AsyncIterator[CP]:
    """One of the package's charge points on a websockets connection, its reader running."""
    station_id = url.rsplit("/", 1)[1]
    async with connect(url, subprotocols=[Subprotocol(subprotocol)]) as ws:
        assert ws.subprotocol == subprotocol
        cp = factory(station_id, ws, response_timeout=5)
        reader = asyncio.create_task(_read(cp))
        try:
            yield cp
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def _read(cp: ChargePoint16 | ChargePoint201) -> None:
    with contextlib.suppress(ConnectionClosed):
        await cp.start()


async def test_ocpp16_session_is_recorded_with_wire_names() -> None:
    async with IndependentCsms(heartbeat_interval=300, tokens={"TAG"}) as csms:
        assert csms.url == f"ws://127.0.0.1:{csms.port}/ocpp"
        async with client(Client16, f"{csms.url}/CP-16", OCPP16) as cp:
            await csms.wait_connected("CP-16")
            assert csms.connected == {"CP-16"}
            assert csms.subprotocol("CP-16") == OCPP16

            boot = await cp.call(
                call16.BootNotification(charge_point_vendor="V", charge_point_model="M"),
                suppress=False,
            )
            assert (boot.status, boot.interval) == ("Accepted", 300)
            await cp.call(call16.Heartbeat(), suppress=False)
            known = await cp.call(call16.Authorize(id_tag="TAG"), suppress=False)
            unknown = await cp.call(call16.Authorize(id_tag="NOPE"), suppress=False)
            assert known.id_tag_info["status"] == "Accepted"
            assert unknown.id_tag_info["status"] == "Invalid"
            start = await cp.call(
                call16.StartTransaction(connector_id=1, id_tag="TAG", meter_start=10, timestamp=T0),
                suppress=False,
            )
            assert start.transaction_id == 1
            assert start.id_tag_info["status"] == "Accepted"
            await cp.call(
                call16.StopTransaction(
                    meter_stop=2500, timestamp=T1, transaction_id=1, reason="Local", id_tag="TAG"
                ),
                suppress=False,
            )

            [stop] = await csms.wait_for("CP-16", "StopTransaction", count=1, timeout=5)
            assert stop == {
                "meterStop": 2500,
                "timestamp": T1,
                "transactionId": 1,
                "reason": "Local",
                "idTag": "TAG",
            }
            assert csms.actions("CP-16") == [
                "BootNotification",
                "Heartbeat",
                "Authorize",
                "Authorize",
                "StartTransaction",
                "StopTransaction",
            ]
            assert csms.received["CP-16"][0] == (
                "BootNotification",
                {"chargePointVendor": "V", "chargePointModel": "M"},
            )
            assert csms.replies["CP-16"][4] == (
                "StartTransaction",
                {"transactionId": 1, "idTagInfo": {"status": "Accepted"}},
            )
            assert csms.errors["CP-16"] == []

            # CSMS-initiated: answered by the client's handler, returned with wire names.
            answer = await csms.call(
                "CP-16", "GetConfiguration", {"key": ["HeartbeatInterval", "Foo"]}
            )
            assert answer == {
                "configurationKey": [
                    {"key": "HeartbeatInterval", "readonly": False, "value": "300"}
                ],
                "unknownKey": ["Foo"],
            }
            with pytest.raises(OcppNotImplemented):  # the client has no Reset handler
                await csms.call("CP-16", "Reset", {"type": "Soft"})
            with pytest.raises(OCPPError):  # schema-invalid request is refused before sending
                await csms.call("CP-16", "Reset", {"type": "Sideways"})
            with pytest.raises(ValueError):
                await csms.call("CP-16", "GetVariables", {})  # not a 1.6 action
        await csms.wait_disconnected("CP-16")
        with pytest.raises(KeyError):
            await csms.call("CP-16", "GetConfiguration", {})


async def test_ocpp201_session_is_recorded_with_wire_names() -> None:
    async with (
        IndependentCsms(heartbeat_interval=60, tokens={"TOK"}) as csms,
        client(Client201, f"{csms.url}/CS-201", OCPP201) as cp,
    ):
        await csms.wait_connected("CS-201")
        assert csms.subprotocol("CS-201") == OCPP201
        boot = await cp.call(
            call201.BootNotification(
                charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"
            ),
            suppress=False,
        )
        assert (boot.status, boot.interval) == ("Accepted", 60)
        await cp.call(call201.Heartbeat(), suppress=False)
        await cp.call(
            call201.StatusNotification(
                timestamp=T0, connector_status="Occupied", evse_id=1, connector_id=1
            ),
            suppress=False,
        )
        auth = await cp.call(
            call201.Authorize(id_token={"id_token": "NOPE", "type": "ISO14443"}),
            suppress=False,
        )
        assert auth.id_token_info["status"] == "Invalid"
        started = await cp.call(
            call201.TransactionEvent(
                event_type="Started",
                timestamp=T0,
                trigger_reason="Authorized",
                seq_no=0,
                transaction_info={"transaction_id": "tx-1", "charging_state": "EVConnected"},
                evse={"id": 1, "connector_id": 1},
                id_token={"id_token": "TOK", "type": "ISO14443"},
            ),
            suppress=False,
        )
        assert started.id_token_info["status"] == "Accepted"
        updated = await cp.call(
            call201.TransactionEvent(
                event_type="Updated",
                timestamp=T1,
                trigger_reason="MeterValuePeriodic",
                seq_no=1,
                transaction_info={"transaction_id": "tx-1"},
            ),
            suppress=False,
        )
        assert updated.id_token_info is None

        events = await csms.wait_for("CS-201", "TransactionEvent", count=2, timeout=5)
        assert events[0] == {
            "eventType": "Started",
            "timestamp": T0,
            "triggerReason": "Authorized",
            "seqNo": 0,
            "transactionInfo": {"transactionId": "tx-1", "chargingState": "EVConnected"},
            "evse": {"id": 1, "connectorId": 1},
            "idToken": {"idToken": "TOK", "type": "ISO14443"},
        }
        assert csms.payloads("CS-201", "BootNotification") == [
            {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"}
        ]
        assert csms.replies["CS-201"][4] == (
            "TransactionEvent",
            {"idTokenInfo": {"status": "Accepted"}},
        )
        assert csms.replies["CS-201"][5] == ("TransactionEvent", {})

        answer = await csms.call(
            "CS-201",
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
        assert answer == {
            "getVariableResult": [
                {
                    "attributeStatus": "Accepted",
                    "attributeValue": "300",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                }
            ]
        }


async def test_other_ocpp201_notifications_get_valid_answers() -> None:
    async with (
        IndependentCsms() as csms,
        client(Client201, f"{csms.url}/CS-2", OCPP201) as cp,
    ):
        data = await cp.call(call201.DataTransfer(vendor_id="com.example"), suppress=False)
        assert data.status == "UnknownVendorId"
        await cp.call(
            call201.NotifyReport(
                request_id=1,
                generated_at=T0,
                seq_no=0,
                report_data=[
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "HeartbeatInterval"},
                        "variable_attribute": [{"value": "60"}],
                    }
                ],
            ),
            suppress=False,
        )
        await cp.call(
            call201.NotifyEvent(
                generated_at=T0,
                seq_no=0,
                event_data=[
                    {
                        "event_id": 1,
                        "timestamp": T0,
                        "trigger": "Alerting",
                        "actual_value": "Faulted",
                        "event_notification_type": "HardWiredNotification",
                        "component": {"name": "Connector"},
                        "variable": {"name": "AvailabilityState"},
                    }
                ],
            ),
            suppress=False,
        )
        await cp.call(
            call201.SecurityEventNotification(type="StartupOfTheDevice", timestamp=T0),
            suppress=False,
        )
        signed = await cp.call(call201.SignCertificate(csr="CSR"), suppress=False)
        assert signed.status == "Rejected"
        await cp.call(call201.LogStatusNotification(status="Idle"), suppress=False)
        await cp.call(call201.FirmwareStatusNotification(status="Idle"), suppress=False)
        assert csms.actions("CS-2")[1] == "NotifyReport"
        assert csms.payloads("CS-2", "NotifyReport")[0]["reportData"][0]["variableAttribute"] == [
            {"value": "60"}
        ]
        assert csms.errors["CS-2"] == []


async def test_ocpp16_security_and_other_notifications() -> None:
    async with (
        IndependentCsms() as csms,
        client(Client16, f"{csms.url}/CP-2", OCPP16) as cp,
    ):
        assert (await cp.call(call16.DataTransfer(vendor_id="x"), suppress=False)).status == (
            "UnknownVendorId"
        )
        assert (await cp.call(call16.SignCertificate(csr="CSR"), suppress=False)).status == (
            "Rejected"
        )
        await cp.call(
            # ocpp 2.1.0 quirk: 1.6 tech_info is optional in the schema but has no default here
            call16.SecurityEventNotification(
                type="StartupOfTheDevice", timestamp=T0, tech_info=None
            ),
            suppress=False,
        )
        await cp.call(call16.DiagnosticsStatusNotification(status="Idle"), suppress=False)
        await cp.call(call16.FirmwareStatusNotification(status="Idle"), suppress=False)
        await cp.call(call16.LogStatusNotification(status="Idle", request_id=3), suppress=False)
        await cp.call(
            call16.SignedFirmwareStatusNotification(status="Downloaded", request_id=7),
            suppress=False,
        )
        await cp.call(
            call16.MeterValues(
                connector_id=1,
                meter_value=[{"timestamp": T0, "sampled_value": [{"value": "12.5"}]}],
            ),
            suppress=False,
        )
        await csms.wait_for("CP-2", "MeterValues")
        assert csms.payloads("CP-2", "MeterValues") == [
            {
                "connectorId": 1,
                "meterValue": [{"timestamp": T0, "sampledValue": [{"value": "12.5"}]}],
            }
        ]
        assert csms.payloads("CP-2", "SignedFirmwareStatusNotification") == [
            {"status": "Downloaded", "requestId": 7}
        ]
        assert len(csms.received["CP-2"]) == 8
        assert csms.errors["CP-2"] == []


@pytest.mark.parametrize(("subprotocol", "factory"), [(OCPP16, Client16), (OCPP201, Client201)])
async def test_pending_then_rejected_then_accepted_registration(
    subprotocol: str, factory: type[ChargePoint16] | type[ChargePoint201]
) -> None:
    async with (
        IndependentCsms(registration="Pending", heartbeat_interval=30) as csms,
        client(factory, f"{csms.url}/BOOT", subprotocol) as cp,
    ):
        boot: Any
        if subprotocol == OCPP16:
            boot = call16.BootNotification(charge_point_vendor="V", charge_point_model="M")
        else:
            boot = call201.BootNotification(
                charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"
            )
        results = []
        for status in ("Pending", "Rejected", "Accepted"):
            csms.registration = status
            results.append(await cp.call(boot, suppress=False))
        assert [(r.status, r.interval) for r in results] == [
            ("Pending", 30),
            ("Rejected", 30),
            ("Accepted", 30),
        ]
        assert [reply["status"] for _, reply in csms.replies["BOOT"]] == [
            "Pending",
            "Rejected",
            "Accepted",
        ]


async def test_set_response_overrides_an_answer() -> None:
    async with (
        IndependentCsms() as csms,
        client(Client16, f"{csms.url}/CP-3", OCPP16) as cp,
    ):
        csms.set_response(
            "DataTransfer", lambda station, request: {"status": "Accepted", "data": request["data"]}
        )
        echoed = await cp.call(call16.DataTransfer(vendor_id="x", data="hi"), suppress=False)
        assert (echoed.status, echoed.data) == ("Accepted", "hi")
        csms.set_response("DataTransfer", None)
        default = await cp.call(call16.DataTransfer(vendor_id="x"), suppress=False)
        assert default.status == "UnknownVendorId"


async def test_invalid_frames_are_recorded_raw_and_answered_with_callerror() -> None:
    async with (
        IndependentCsms() as csms,
        connect(f"{csms.url}/RAW", subprotocols=[Subprotocol(OCPP16)]) as ws,
    ):
        await ws.send(json.dumps([2, "1", "BootNotification", {"chargePointVendor": "V"}]))
        error = json.loads(await ws.recv())
        assert error[:3] == [4, "1", "ProtocolError"]  # the package's code for a missing field
        await ws.send("not json")  # dropped by the package, but listed in csms.errors
        await ws.send(json.dumps([2, "2", "Heartbeat", {}]))
        answer = json.loads(await ws.recv())
        assert answer[:2] == [3, "2"] and "currentTime" in answer[2]
        await csms.wait_for("RAW", "Heartbeat")
        assert csms.received["RAW"] == [
            ("BootNotification", {"chargePointVendor": "V"}),
            ("Heartbeat", {}),
        ]
        assert [(action, code) for action, code, _ in csms.errors["RAW"]] == [
            ("BootNotification", "ProtocolError"),
            ("", "FormatViolation"),
        ]
        assert [d for d, _ in csms.frames["RAW"]] == ["in", "out", "in", "in", "out"]


async def test_connections_without_subprotocol_or_station_id_are_refused() -> None:
    async with IndependentCsms(subprotocols=[OCPP16]) as csms:
        with pytest.raises(InvalidStatus):
            async with connect(f"{csms.url}/X"):
                pass
        with pytest.raises(InvalidStatus):
            async with connect(f"{csms.url}/X", subprotocols=[Subprotocol(OCPP201)]):
                pass
        with pytest.raises(InvalidStatus):
            async with connect(f"ws://127.0.0.1:{csms.port}/", subprotocols=[Subprotocol(OCPP16)]):
                pass
        assert csms.connected == frozenset()


async def test_wait_for_times_out_and_disconnect_and_reconnect() -> None:
    async with IndependentCsms() as csms:
        with pytest.raises(TimeoutError, match="Heartbeat from NOBODY"):
            await csms.wait_for("NOBODY", "Heartbeat", timeout=0.05)
        async with client(Client16, f"{csms.url}/RE", OCPP16):
            await csms.wait_connected("RE")
            await csms.disconnect("RE")
            assert "RE" not in csms.connected
        async with client(Client16, f"{csms.url}/RE", OCPP16) as cp:
            await csms.wait_connected("RE")
            await cp.call(call16.Heartbeat(), suppress=False)
        assert csms.connection_count["RE"] == 2
        assert csms.actions("RE") == ["Heartbeat"]


@pytest.mark.parametrize("subprotocol", [OCPP16, OCPP201])
def test_every_cs_initiated_action_has_a_schema_valid_default_answer(subprotocol: str) -> None:
    csms = IndependentCsms(tokens={"T"})
    station: Any = _STATION_CLASSES[subprotocol]("S", None, csms, subprotocol)  # type: ignore[arg-type]
    version = "1.6" if subprotocol == OCPP16 else "2.0.1"
    needed: dict[str, dict[str, Any]] = {
        "Authorize": {"id_tag": "T"} if version == "1.6" else {"id_token": {"id_token": "T"}},
        "StartTransaction": {"id_tag": "T"},
        "StopTransaction": {"id_tag": "T"},
        "TransactionEvent": {"id_token": {"id_token": "T"}},
    }
    assert set(station.route_map) == set(CS_INITIATED_ACTIONS[subprotocol])
    for action in CS_INITIATED_ACTIONS[subprotocol]:
        answer = station.route_map[action]["_on_action"](**needed.get(action, {}))
        payload = snake_to_camel_case(remove_nones(serialize_as_dict(answer)))
        _validate_payload(CallResult("1", payload, action=action), version)


async def test_pending_call_fails_when_the_station_disconnects_and_shutdown_is_clean() -> None:
    async with IndependentCsms(response_timeout=30) as csms:
        async with connect(f"{csms.url}/MUTE", subprotocols=[Subprotocol(OCPP16)]) as ws:
            await csms.wait_connected("MUTE")
            asking = asyncio.create_task(csms.call("MUTE", "ClearCache"))
            assert json.loads(await ws.recv())[2] == "ClearCache"  # ... and never answered
        with pytest.raises(ConnectionError, match="MUTE disconnected"):
            await asyncio.wait_for(asking, 5)
        # A station still connected when the server stops is closed with 1001.
        ws = await connect(f"{csms.url}/LATE", subprotocols=[Subprotocol(OCPP201)])
        await csms.wait_connected("LATE")
    await ws.wait_closed()
    assert ws.close_code == 1001
