"""The simulator against an independent central system (the `ocpp` package from PyPI):
it speaks standard OCPP, not a dialect tuned to Ampyre."""

from __future__ import annotations

import pytest

from ampyre.simulator.model import PowerCurve
from ampyre.simulator.station import SimulatedStation

from .independent_csms import IndependentCsms

FAST = PowerCurve(max_power_w=3_600_000.0)


async def test_v16_session_offline_replay_and_remote_operations() -> None:
    async with IndependentCsms(tokens=["TAG"]) as csms:
        async with SimulatedStation(
            csms.url,
            "IND-16",
            "1.6",
            curve=FAST,
            meter_interval=0.05,
            reconnect_min=0.05,
            reconnect_max=0.2,
        ) as cs:
            boot = (await csms.wait_for("IND-16", "BootNotification"))[0]
            assert boot["chargePointVendor"] == "Ampyre"
            await cs.start_charging(evse=1, token="TAG")
            await csms.wait_for("IND-16", "MeterValues", count=2)
            await cs.disconnect_network()
            await cs.wait_for(lambda: len(cs.queue) >= 2)
            await cs.stop_charging(evse=1)
            cs.restore_network()
            await cs.drained()
            stops = await csms.wait_for("IND-16", "StopTransaction")
            starts = await csms.wait_for("IND-16", "StartTransaction")
            assert starts[0]["idTag"] == "TAG"
            assert stops[0]["meterStop"] > starts[0]["meterStart"]
            config = await csms.call("IND-16", "GetConfiguration", {"key": ["HeartbeatInterval"]})
            assert config["configurationKey"][0]["key"] == "HeartbeatInterval"
            started = await csms.call(
                "IND-16", "RemoteStartTransaction", {"idTag": "TAG", "connectorId": 1}
            )
            assert started == {"status": "Accepted"}
            await csms.wait_for("IND-16", "StartTransaction", count=2)
            assert await csms.call("IND-16", "Reset", {"type": "Hard"}) == {"status": "Accepted"}
            await csms.wait_for("IND-16", "BootNotification", count=2)
        assert not csms.errors
        actions = [action for action, _ in csms.received["IND-16"]]
        # every meter value queued offline was replayed after the start and before the stop
        first_stop = actions.index("StopTransaction")
        assert actions[:first_stop].count("MeterValues") >= 3


@pytest.mark.parametrize("status", ["Pending", "Rejected"])
async def test_boot_is_retried_until_accepted(status: str) -> None:
    async with IndependentCsms(registration=status, heartbeat_interval=1) as csms:
        station = SimulatedStation(csms.url, f"RETRY-{status}", "1.6")
        await station.start()
        try:
            await csms.wait_for(f"RETRY-{status}", "BootNotification", count=2)
            assert not station.accepted.is_set()
            csms.registration = "Accepted"
            await station.wait_for(station.accepted.is_set)
        finally:
            await station.stop()


async def test_v201_session_offline_replay_and_remote_operations() -> None:
    async with IndependentCsms(tokens=["TAG"]) as csms:
        async with SimulatedStation(
            csms.url,
            "IND-201",
            "2.0.1",
            curve=FAST,
            meter_interval=0.05,
            reconnect_min=0.05,
            reconnect_max=0.2,
        ) as cs:
            boot = (await csms.wait_for("IND-201", "BootNotification"))[0]
            assert boot["chargingStation"]["vendorName"] == "Ampyre"
            await cs.start_charging(evse=1, token="TAG")
            await csms.wait_for("IND-201", "TransactionEvent", count=3)
            await cs.disconnect_network()
            await cs.wait_for(lambda: len(cs.queue) >= 2)
            await cs.stop_charging(evse=1)
            cs.restore_network()
            await cs.drained()
            events = [p for a, p in csms.received["IND-201"] if a == "TransactionEvent"]
            assert events[0]["eventType"] == "Started"
            assert events[-1]["eventType"] == "Ended"
            assert [e["seqNo"] for e in events] == list(range(len(events)))
            assert any(e.get("offline") for e in events)
            assert {e["transactionInfo"]["transactionId"] for e in events} == {
                events[0]["transactionInfo"]["transactionId"]
            }
            variables = await csms.call(
                "IND-201",
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
            assert variables["getVariableResult"][0]["attributeStatus"] == "Accepted"
            started = await csms.call(
                "IND-201",
                "RequestStartTransaction",
                {
                    "idToken": {"idToken": "TAG", "type": "ISO14443"},
                    "remoteStartId": 77,
                    "evseId": 1,
                },
            )
            assert started["status"] == "Accepted"
            await csms.wait_for("IND-201", "TransactionEvent", count=len(events) + 1)
            remote = [p for a, p in csms.received["IND-201"] if a == "TransactionEvent"]
            assert remote[len(events)]["transactionInfo"]["remoteStartId"] == 77
            reset = await csms.call("IND-201", "Reset", {"type": "Immediate"})
            assert reset["status"] == "Accepted"
            await csms.wait_for("IND-201", "BootNotification", count=2)
        assert not csms.errors


@pytest.mark.parametrize(
    ("version", "trigger"),
    [
        ("1.6", {"requestedMessage": "BootNotification"}),
        ("2.0.1", {"requestedMessage": "BootNotification"}),
    ],
)
async def test_a_triggered_boot_cuts_the_pending_wait(
    version: str, trigger: dict[str, str]
) -> None:
    station_id = f"TRIG-{version}"
    async with IndependentCsms(registration="Pending", heartbeat_interval=300) as csms:
        station = SimulatedStation(csms.url, station_id, version)
        await station.start()
        try:
            await csms.wait_for(station_id, "BootNotification")
            csms.registration = "Accepted"
            answer = await csms.call(station_id, "TriggerMessage", trigger)
            assert answer["status"] == "Accepted"
            # without the trigger the station would wait the 300 s interval it was given
            await station.wait_for(station.accepted.is_set, timeout=10)
            boots = await csms.wait_for(station_id, "BootNotification", count=2)
            assert len(boots) == 2
        finally:
            await station.stop()
