"""The 1.6 simulated station against Ampyre: sessions, offline replay, CSMS-initiated calls."""

from __future__ import annotations

import pytest

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.transactions import TransactionState
from ampyre.messages.v16 import types as m
from ampyre.simulator.model import PowerCurve
from ampyre.simulator.station import SimulatedStation

pytestmark = pytest.mark.transports

FAST = PowerCurve(max_power_w=3_600_000.0)  # 1 kWh per second: visible energy in short tests


async def test_session_with_meter_values(csms: Application, ocpp_url: str) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("SIMTAG"))
    async with SimulatedStation(
        ocpp_url, "SIM-16", "1.6", curve=FAST, meter_interval=0.05, serial_number="SN1"
    ) as cs:
        session = await cs.start_charging(evse=1, token="SIMTAG")
        assert session is not None
        await cs.wait_for(lambda: sum(a == "MeterValues" for a, _ in cs.sent) >= 2)
        await cs.stop_charging(evse=1)
        await cs.unplug(evse=1)
        await cs.drained()
        assert session.csms_id is not None
    async with csms.database.unit_of_work() as uow:
        transaction = await uow.transactions.get(session.csms_id)
        assert transaction is not None
        assert transaction.state is TransactionState.ENDED
        assert transaction.energy_wh is not None and transaction.energy_wh > 0
        assert transaction.stop_reason == "Local"
        assert len(await uow.transactions.meter_values(transaction.id)) >= 2
        station = await uow.stations.get("SIM-16")
        assert station is not None and station.boot is not None
        assert station.boot.serial_number == "SN1"
        states = {s.evse_id: s.status for s in await uow.statuses.current("SIM-16")}
        assert states == {1: "Available"}


async def test_offline_session_is_replayed_without_loss_or_duplicates(
    csms: Application, ocpp_url: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("OFFTAG"))
    async with SimulatedStation(
        ocpp_url,
        "SIM-16-OFF",
        "1.6",
        curve=FAST,
        meter_interval=0.05,
        reconnect_min=0.05,
        reconnect_max=0.2,
    ) as cs:
        cs.model.local_list["OFFTAG"] = "Accepted"
        await cs.disconnect_network()
        session = await cs.start_charging(evse=1, token="OFFTAG")
        assert session is not None
        await cs.wait_for(lambda: len(cs.queue) >= 4)
        await cs.stop_charging(evse=1)
        queued = len(cs.queue)
        cs.restore_network()
        await cs.drained()
        assert session.csms_id is not None
    async with csms.database.unit_of_work() as uow:
        transactions = await uow.transactions.list_for_station("SIM-16-OFF")
        assert len(transactions) == 1
        transaction = transactions[0]
        assert transaction.state is TransactionState.ENDED
        assert transaction.id == session.csms_id
        assert not transaction.flags
        # every queued meter value reached the database exactly once
        values = await uow.transactions.meter_values(transaction.id)
        assert len(values) == queued - 2  # minus StartTransaction and StopTransaction


async def test_csms_initiated_calls_act_on_the_station(csms: Application, ocpp_url: str) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("REMOTE"))
    async with SimulatedStation(ocpp_url, "SIM-16-OPS", "1.6", evses=2) as cs:
        link = csms.server.links["SIM-16-OPS"]
        answer = await link.call(
            "ChangeConfiguration", m.ChangeConfigurationRequest(key="HeartbeatInterval", value="42")
        )
        assert answer.status == "Accepted"
        config = await link.call(
            "GetConfiguration", m.GetConfigurationRequest(key=["HeartbeatInterval", "Nope"])
        )
        assert [(k.key, k.value) for k in config.configurationKey] == [("HeartbeatInterval", "42")]
        assert config.unknownKey == ["Nope"]
        started = await link.call(
            "RemoteStartTransaction", m.RemoteStartTransactionRequest(idTag="REMOTE", connectorId=2)
        )
        assert started.status == "Accepted"
        await cs.wait_for(lambda: cs.model.evse(2).session is not None)
        session = cs.model.evse(2).session
        assert session is not None
        await cs.wait_for(lambda: session.csms_id is not None)
        stopped = await link.call(
            "RemoteStopTransaction", m.RemoteStopTransactionRequest(transactionId=session.csms_id)
        )
        assert stopped.status == "Accepted"
        await cs.wait_for(lambda: session.ended)
        unavailable = await link.call(
            "ChangeAvailability",
            m.ChangeAvailabilityRequest(connectorId=1, type=m.AvailabilityType.Inoperative),
        )
        assert unavailable.status == "Accepted"
        await cs.drained()
        await cs.wait_for(
            lambda: any(a == "StatusNotification" and p.status == "Unavailable" for a, p in cs.sent)
        )
        reset = await link.call("Reset", m.ResetRequest(type=m.ResetType.Soft))
        assert reset.status == "Accepted"
        await cs.wait_for(lambda: sum(a == "BootNotification" for a, _ in cs.sent) >= 2)
    async with csms.database.unit_of_work() as uow:
        transaction = await uow.transactions.get(session.csms_id)
        assert transaction is not None and transaction.stop_reason == "Remote"


async def test_clock_aligned_interval_set_by_the_csms_applies_at_once(
    csms: Application, ocpp_url: str
) -> None:
    def clock_aligned(cs: SimulatedStation) -> int:
        return sum(
            1
            for action, payload in cs.sent
            if action == "MeterValues"
            and payload.meterValue[0].sampledValue[0].context == "Sample.Clock"
        )

    async with SimulatedStation(ocpp_url, "SIM-16-CLK", "1.6") as cs:
        assert cs.clock_aligned_interval == 0
        link = csms.server.links["SIM-16-CLK"]
        answer = await link.call(
            "ChangeConfiguration",
            m.ChangeConfigurationRequest(key="ClockAlignedDataInterval", value="1"),
        )
        assert answer.status == "Accepted"
        await cs.wait_for(lambda: clock_aligned(cs) >= 2, timeout=5)
        await link.call(
            "ChangeConfiguration",
            m.ChangeConfigurationRequest(key="ClockAlignedDataInterval", value="0"),
        )
        assert cs.clock_aligned_interval == 0
