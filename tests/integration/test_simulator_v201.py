"""The 2.0.1 simulated station against Ampyre: sessions with SoC, offline replay, and the
CSMS-initiated operations acted on (device model, reports, availability, reset, triggers,
reservations, local list, smart charging, firmware, logs, monitoring, display, certificates)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from msgspec.structs import replace
from schema_examples import minimal_request

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.transactions import TransactionState
from ampyre.messages.v201 import types as m
from ampyre.messages.v201.actions import CSMS_INITIATED, REQUESTS
from ampyre.simulator.agent_v201 import AgentV201
from ampyre.simulator.model import Plug, PowerCurve
from ampyre.simulator.station import SimulatedStation

from .http_server import HttpServer, closed_port

pytestmark = pytest.mark.transports

FAST = PowerCurve(max_power_w=3_600_000.0)  # 1 kWh per second: visible energy in short tests
TOKEN_TYPE = m.IdTokenEnumType.ISO14443


# --- helpers --------------------------------------------------------------------------------


def now() -> datetime:
    return datetime.now(UTC)


def sent(cs: SimulatedStation, action: str) -> list[Any]:
    return [payload for name, payload in cs.sent if name == action]


def statuses(cs: SimulatedStation, action: str) -> list[str]:
    return [str(p.status) for p in sent(cs, action)]


def events(cs: SimulatedStation, transaction_id: str) -> list[m.TransactionEventRequest]:
    return [
        p for p in sent(cs, "TransactionEvent") if p.transactionInfo.transactionId == transaction_id
    ]


def token(value: str) -> m.IdTokenType:
    return m.IdTokenType(idToken=value, type=TOKEN_TYPE)


def component(name: str, evse: int | None = None) -> m.ComponentType:
    return m.ComponentType(name=name, evse=None if evse is None else m.EVSEType(id=evse))


def variable(name: str, instance: str | None = None) -> m.VariableType:
    return m.VariableType(name=name, instance=instance)


async def reports(csms: Application, station_id: str, kind: str) -> list[Any]:
    async with csms.database.unit_of_work() as uow:
        return list(reversed(await uow.reports.list(station_id, kind)))


def test_every_csms_initiated_action_is_handled() -> None:
    station = SimulatedStation("ws://127.0.0.1:9/ocpp", "SIM201-ALL", "2.0.1")
    assert isinstance(station.agent, AgentV201)
    assert set(station.agent.handlers) == CSMS_INITIATED


# --- sessions -------------------------------------------------------------------------------


async def test_session_with_meter_values_and_soc(csms: Application, ocpp_url: str) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("SIMTAG", type="ISO14443"))
    async with SimulatedStation(
        ocpp_url, "SIM-201", "2.0.1", curve=FAST, meter_interval=0.05, serial_number="SN1"
    ) as cs:
        session = await cs.start_charging(evse=1, token="SIMTAG")
        assert session is not None
        await cs.wait_for(lambda: len(events(cs, session.local_id)) >= 3)
        await cs.stop_charging(evse=1)
        await cs.unplug(evse=1)
        await cs.drained()
    boot = sent(cs, "BootNotification")[0]
    assert boot.reason == "PowerUp"
    assert (boot.chargingStation.vendorName, boot.chargingStation.serialNumber) == ("Ampyre", "SN1")
    sequence = events(cs, session.local_id)
    assert [e.seqNo for e in sequence] == list(range(len(sequence)))
    first, *middle, last = sequence
    assert (first.eventType, first.triggerReason) == ("Started", "Authorized")
    assert first.evse == m.EVSEType(id=1, connectorId=1)
    assert first.idToken == token("SIMTAG")
    assert first.transactionInfo.chargingState == "Charging"
    assert first.meterValue is not None
    assert first.meterValue[0].sampledValue[0].context == "Transaction.Begin"
    assert {e.triggerReason for e in middle} == {"MeterValuePeriodic"}
    assert (last.eventType, last.triggerReason) == ("Ended", "StopAuthorized")
    assert last.transactionInfo.stoppedReason == "Local"
    assert last.idToken == token("SIMTAG")  # the driver's own token stopped it
    assert not any(e.offline for e in sequence)
    states = [p.connectorStatus for p in sent(cs, "StatusNotification")]
    assert states == ["Available", "Occupied", "Occupied", "Occupied", "Available"]

    async with csms.database.unit_of_work() as uow:
        transaction = await uow.transactions.by_ref("SIM-201", session.local_id)
        assert transaction is not None
        assert transaction.state is TransactionState.ENDED
        assert (transaction.evse_id, transaction.connector_id) == (1, 1)
        assert transaction.id_token is not None and transaction.id_token.value == "SIMTAG"
        assert transaction.energy_wh is not None and transaction.energy_wh > 0
        assert transaction.stop_reason == "Local"
        assert not transaction.flags
        values = await uow.transactions.meter_values(transaction.id)
        assert len(values) == len(sequence)
        soc = [float(s.value) for v in values for s in v.samples if s.measurand == "SoC"]
        assert len(soc) == len(sequence) and soc == sorted(soc) and soc[-1] > soc[0]
        station = await uow.stations.get("SIM-201")
        assert station is not None and station.boot is not None
        assert station.boot.serial_number == "SN1" and station.ocpp_version == "2.0.1"
        current = {s.evse_id: s.status for s in await uow.statuses.current("SIM-201")}
        assert current == {1: "Available"}


async def test_offline_session_is_replayed_with_offline_flag_without_loss_or_duplicates(
    csms: Application, ocpp_url: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("OFFTAG"))
    async with SimulatedStation(
        ocpp_url,
        "SIM-201-OFF",
        "2.0.1",
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
        await cs.stop_charging(evse=1, reason="EVDisconnected")
        queued = len(cs.queue)
        assert [o.created_offline for o in cs.queue] == [True] * queued
        cs.restore_network()
        await cs.drained()
    replayed = events(cs, session.local_id)
    assert len(replayed) == queued
    assert [e.seqNo for e in replayed] == list(range(queued))
    assert all(e.offline for e in replayed)
    assert replayed[-1].triggerReason == "EVCommunicationLost"
    assert replayed[-1].transactionInfo.stoppedReason == "EVDisconnected"
    assert replayed[-1].transactionInfo.chargingState == "Idle"
    async with csms.database.unit_of_work() as uow:
        transactions = await uow.transactions.list_for_station("SIM-201-OFF")
        assert len(transactions) == 1
        transaction = transactions[0]
        assert transaction.ref == session.local_id
        assert transaction.state is TransactionState.ENDED
        assert transaction.offline and not transaction.flags
        assert transaction.energy_wh is not None and transaction.energy_wh > 0
        # every queued event's meter value reached the database exactly once
        assert len(await uow.transactions.meter_values(transaction.id)) == queued


# --- CSMS-initiated operations --------------------------------------------------------------


async def test_remote_start_stop_device_model_availability_trigger_and_reset(
    csms: Application, ocpp_url: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("REMOTE"))
    async with SimulatedStation(ocpp_url, "SIM-201-OPS", "2.0.1", evses=2) as cs:
        link = csms.server.links["SIM-201-OPS"]
        start = m.RequestStartTransactionRequest(
            idToken=token("REMOTE"), remoteStartId=77, evseId=2
        )
        assert (await link.call("RequestStartTransaction", start)).status == "Accepted"
        await cs.wait_for(lambda: cs.model.evse(2).session is not None)
        session = cs.model.evse(2).session
        assert session is not None and session.remote_start_id == 77
        busy = await link.call("RequestStartTransaction", replace(start, remoteStartId=78))
        assert busy.status == "Rejected"
        stop = m.RequestStopTransactionRequest(transactionId="NOT-MINE")
        assert (await link.call("RequestStopTransaction", stop)).status == "Rejected"
        stop = m.RequestStopTransactionRequest(transactionId=session.local_id)
        assert (await link.call("RequestStopTransaction", stop)).status == "Accepted"
        await cs.wait_for(lambda: session.ended)
        await cs.drained()
        started, ended = events(cs, session.local_id)
        assert started.triggerReason == "RemoteStart"
        assert started.transactionInfo.remoteStartId == 77
        assert (ended.triggerReason, ended.transactionInfo.stoppedReason) == (
            "RemoteStop",
            "Remote",
        )

        # the device model: set, read back, and what cannot be set
        set_request = m.SetVariablesRequest(
            setVariableData=[
                m.SetVariableDataType(
                    attributeValue="42",
                    component=component("OCPPCommCtrlr"),
                    variable=variable("HeartbeatInterval"),
                ),
                m.SetVariableDataType(
                    attributeValue="10",
                    component=component("OCPPCommCtrlr"),
                    variable=variable("MessageTimeout", "Default"),
                ),
                m.SetVariableDataType(
                    attributeValue="abc",
                    component=component("SampledDataCtrlr"),
                    variable=variable("TxUpdatedInterval"),
                ),
                m.SetVariableDataType(
                    attributeValue="1", component=component("Nope"), variable=variable("X")
                ),
                m.SetVariableDataType(
                    attributeValue="1",
                    component=component("AuthCtrlr"),
                    variable=variable("Nope"),
                ),
                m.SetVariableDataType(
                    attributeValue="30",
                    component=component("SampledDataCtrlr"),
                    variable=variable("TxUpdatedInterval"),
                ),
                m.SetVariableDataType(
                    attributeValue="Energy.Active.Import.Register,SoC",
                    component=component("SampledDataCtrlr"),
                    variable=variable("TxUpdatedMeasurands"),
                ),
            ]
        )
        result = await link.call("SetVariables", set_request)
        assert [r.attributeStatus for r in result.setVariableResult] == [
            "Accepted",
            "Rejected",
            "Rejected",
            "UnknownComponent",
            "UnknownVariable",
            "Accepted",
            "Accepted",
        ]
        assert result.setVariableResult[1].attributeStatusInfo.reasonCode == "ReadOnly"
        assert (cs.heartbeat_interval, cs.meter_interval) == (42, 30.0)
        get_request = m.GetVariablesRequest(
            getVariableData=[
                m.GetVariableDataType(
                    component=component("OCPPCommCtrlr"), variable=variable("HeartbeatInterval")
                ),
                m.GetVariableDataType(
                    component=component("EVSE", 2), variable=variable("AvailabilityState")
                ),
                m.GetVariableDataType(
                    component=component("ChargingStation"),
                    variable=variable("Model"),
                    attributeType=m.AttributeEnumType.Target,
                ),
            ]
        )
        got = (await link.call("GetVariables", get_request)).getVariableResult
        assert [(g.attributeStatus, g.attributeValue) for g in got] == [
            ("Accepted", "42"),
            ("Accepted", "Occupied"),  # still plugged after the remote stop
            ("NotSupportedAttributeType", None),
        ]

        # a full base report arrives as NotifyReport messages, stored as device reports
        base = m.GetBaseReportRequest(requestId=5, reportBase=m.ReportBaseEnumType.FullInventory)
        assert (await link.call("GetBaseReport", base)).status == "Accepted"
        await cs.wait_for(lambda: any(not p.tbc for p in sent(cs, "NotifyReport")))
        notified = sent(cs, "NotifyReport")
        assert [p.seqNo for p in notified] == list(range(len(notified))) and len(notified) > 1
        reported = {
            (d.component.name, d.variable.name): d.variableAttribute[0].value
            for p in notified
            for d in p.reportData
        }
        assert reported[("OCPPCommCtrlr", "HeartbeatInterval")] == "42"
        custom = m.GetReportRequest(
            requestId=6,
            componentVariable=[m.ComponentVariableType(component=component("Nothing"))],
        )
        assert (await link.call("GetReport", custom)).status == "EmptyResultSet"

        # availability: EVSE 1 becomes Unavailable
        inoperative = m.ChangeAvailabilityRequest(
            evse=m.EVSEType(id=1), operationalStatus=m.OperationalStatusEnumType.Inoperative
        )
        assert (await link.call("ChangeAvailability", inoperative)).status == "Accepted"
        await cs.wait_for(
            lambda: any(
                p.evseId == 1 and p.connectorStatus == "Unavailable"
                for p in sent(cs, "StatusNotification")
            )
        )
        unknown = replace(inoperative, evse=m.EVSEType(id=9))
        assert (await link.call("ChangeAvailability", unknown)).status == "Rejected"

        # triggers
        trigger = m.MessageTriggerEnumType

        async def triggered(message: m.MessageTriggerEnumType, evse: int | None = None) -> str:
            request = m.TriggerMessageRequest(
                requestedMessage=message, evse=None if evse is None else m.EVSEType(id=evse)
            )
            return str((await link.call("TriggerMessage", request)).status)

        assert await triggered(trigger.BootNotification) == "Rejected"  # F06.FR.17
        assert await triggered(trigger.Heartbeat) == "Accepted"
        await cs.wait_for(lambda: len(sent(cs, "Heartbeat")) == 1)
        assert await triggered(trigger.MeterValues, 2) == "Accepted"
        await cs.wait_for(lambda: len(sent(cs, "MeterValues")) == 1)
        meter = sent(cs, "MeterValues")[0]
        assert meter.evseId == 2 and meter.meterValue[0].sampledValue[0].context == "Trigger"
        assert await triggered(trigger.TransactionEvent) == "Rejected"  # no session runs
        assert await triggered(trigger.StatusNotification, 9) == "Rejected"
        assert await triggered(trigger.SignCombinedCertificate) == "NotImplemented"
        assert await triggered(trigger.FirmwareStatusNotification) == "Accepted"
        await cs.wait_for(lambda: statuses(cs, "FirmwareStatusNotification") == ["Idle"])

        # reset: the session-less station reboots at once and boots again
        reset = m.ResetRequest(type=m.ResetEnumType.OnIdle, evseId=1)
        assert (await link.call("Reset", reset)).status == "Rejected"  # no EVSE reset
        reset = m.ResetRequest(type=m.ResetEnumType.Immediate)
        assert (await link.call("Reset", reset)).status == "Accepted"
        await cs.wait_for(lambda: len(sent(cs, "BootNotification")) == 2)
        assert sent(cs, "BootNotification")[1].reason == "RemoteReset"
    async with csms.database.unit_of_work() as uow:
        transaction = await uow.transactions.by_ref("SIM-201-OPS", session.local_id)
        assert transaction is not None
        assert transaction.remote_start_id == 77 and transaction.stop_reason == "Remote"
        current = {s.evse_id: s.status for s in await uow.statuses.current("SIM-201-OPS")}
        assert current[1] == "Unavailable"
    device_reports = await reports(csms, "SIM-201-OPS", "device-report")
    assert len(device_reports) == len(notified)
    assert {r.request_id for r in device_reports} == {5}


async def test_reset_during_a_session_ends_it_and_reboots(csms: Application, ocpp_url: str) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("RESETTAG"))
    async with SimulatedStation(ocpp_url, "SIM-201-RST", "2.0.1", reconnect_min=0.05) as cs:
        link = csms.server.links["SIM-201-RST"]
        session = await cs.start_charging(evse=1, token="RESETTAG")
        assert session is not None
        on_idle = m.ResetRequest(type=m.ResetEnumType.OnIdle)
        assert (await link.call("Reset", on_idle)).status == "Scheduled"
        await cs.stop_charging(evse=1)
        await cs.wait_for(lambda: len(sent(cs, "BootNotification")) == 2)
        assert sent(cs, "BootNotification")[1].reason == "ScheduledReset"
        await cs.wait_for(lambda: cs.connected.is_set())

        session = await cs.start_charging(evse=1, token="RESETTAG")
        assert session is not None
        link = csms.server.links["SIM-201-RST"]
        immediate = m.ResetRequest(type=m.ResetEnumType.Immediate)
        assert (await link.call("Reset", immediate)).status == "Accepted"
        await cs.wait_for(lambda: len(sent(cs, "BootNotification")) == 3)
        await cs.drained()
    ended = events(cs, session.local_id)[-1]
    assert (ended.eventType, ended.triggerReason) == ("Ended", "ResetCommand")
    assert ended.transactionInfo.stoppedReason == "ImmediateReset"
    assert ended.transactionInfo.chargingState == "EVConnected"
    assert ended.idToken is None
    assert sent(cs, "BootNotification")[2].reason == "RemoteReset"


async def test_reservation_and_local_list(csms: Application, ocpp_url: str) -> None:
    for value in ("RESTAG", "OTHERTAG"):
        await csms.services.authorization.save_token(IdTokenRecord(value))
    async with SimulatedStation(
        ocpp_url, "SIM-201-RES", "2.0.1", evses=2, reconnect_min=0.05, reconnect_max=0.2
    ) as cs:
        link = csms.server.links["SIM-201-RES"]
        reserve = m.ReserveNowRequest(
            id=11, expiryDateTime=now() + timedelta(hours=1), idToken=token("RESTAG"), evseId=1
        )
        assert (await link.call("ReserveNow", reserve)).status == "Accepted"
        await cs.wait_for(
            lambda: [p.connectorStatus for p in sent(cs, "StatusNotification")][-1:] == ["Reserved"]
        )
        taken = replace(reserve, id=12, idToken=token("OTHERTAG"))
        assert (await link.call("ReserveNow", taken)).status == "Occupied"
        assert await cs.start_charging(evse=1, token="OTHERTAG") is None
        session = await cs.start_charging(evse=1, token="RESTAG")
        assert session is not None and session.reservation_id == 11
        await cs.drained()
        assert events(cs, session.local_id)[0].reservationId == 11
        cancel = m.CancelReservationRequest(reservationId=11)
        assert (await link.call("CancelReservation", cancel)).status == "Rejected"  # used up

        soon = replace(reserve, id=13, evseId=2, expiryDateTime=now() + timedelta(seconds=0.3))
        assert (await link.call("ReserveNow", soon)).status == "Accepted"
        await cs.wait_for(lambda: len(sent(cs, "ReservationStatusUpdate")) == 1)
        expired = sent(cs, "ReservationStatusUpdate")[0]
        assert (expired.reservationId, expired.reservationUpdateStatus) == (13, "Expired")
        assert cs.model.evse(2).connector().status is Plug.AVAILABLE

        def entry(value: str, status: str | None) -> m.AuthorizationData:
            info = None
            if status is not None:
                info = m.IdTokenInfoType(status=m.AuthorizationStatusEnumType(status))
            return m.AuthorizationData(idToken=token(value), idTokenInfo=info)

        full = m.SendLocalListRequest(
            versionNumber=3,
            updateType=m.UpdateEnumType.Full,
            localAuthorizationList=[entry("LL-A", "Accepted"), entry("LL-B", "Blocked")],
        )
        assert (await link.call("SendLocalList", full)).status == "Accepted"
        stale = m.SendLocalListRequest(
            versionNumber=3,
            updateType=m.UpdateEnumType.Differential,
            localAuthorizationList=[entry("LL-C", "Accepted")],
        )
        assert (await link.call("SendLocalList", stale)).status == "VersionMismatch"
        diff = replace(
            stale,
            versionNumber=4,
            localAuthorizationList=[entry("LL-C", "Accepted"), entry("LL-A", None)],
        )
        assert (await link.call("SendLocalList", diff)).status == "Accepted"
        version = await link.call("GetLocalListVersion", m.GetLocalListVersionRequest())
        assert version.versionNumber == 4
        assert cs.model.local_list == {"LL-B": "Blocked", "LL-C": "Accepted"}
    assert await reports(csms, "SIM-201-RES", "reservation-status") != []


def profile(
    profile_id: int,
    purpose: m.ChargingProfilePurposeEnumType,
    limit: float,
    unit: m.ChargingRateUnitEnumType = m.ChargingRateUnitEnumType.W,
    transaction_id: str | None = None,
) -> m.ChargingProfileType:
    return m.ChargingProfileType(
        id=profile_id,
        stackLevel=1,
        chargingProfilePurpose=purpose,
        chargingProfileKind=m.ChargingProfileKindEnumType.Absolute,
        transactionId=transaction_id,
        chargingSchedule=[
            m.ChargingScheduleType(
                id=profile_id,
                startSchedule=now().replace(microsecond=0) - timedelta(seconds=10),
                chargingRateUnit=unit,
                chargingSchedulePeriod=[m.ChargingSchedulePeriodType(startPeriod=0, limit=limit)],
            )
        ],
    )


async def test_charging_profiles_limit_the_simulated_power(
    csms: Application, ocpp_url: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("SCTAG"))
    purpose = m.ChargingProfilePurposeEnumType
    async with SimulatedStation(
        ocpp_url, "SIM-201-SC", "2.0.1", evses=2, curve=FAST, meter_interval=0.05
    ) as cs:
        link = csms.server.links["SIM-201-SC"]
        session = await cs.start_charging(evse=1, token="SCTAG")
        assert session is not None
        await cs.wait_for(lambda: session.power_w > 100_000)

        async def set_profile(evse: int, wanted: m.ChargingProfileType) -> str:
            request = m.SetChargingProfileRequest(evseId=evse, chargingProfile=wanted)
            return str((await link.call("SetChargingProfile", request)).status)

        unknown_tx = profile(1, purpose.TxProfile, 1000.0, transaction_id="UNKNOWN-TX")
        assert await set_profile(1, unknown_tx) == "Rejected"  # TC_K_02
        assert await set_profile(1, profile(2, purpose.ChargingStationMaxProfile, 1.0)) == (
            "Rejected"
        )
        # 16 A on three phases at 230 V: 11 040 W for every EVSE
        default = profile(3, purpose.TxDefaultProfile, 16.0, m.ChargingRateUnitEnumType.A)
        assert await set_profile(0, default) == "Accepted"
        evse = cs.model.evse(1)
        assert evse.limit_w == 11_040.0
        tx = profile(4, purpose.TxProfile, 6000.0, transaction_id=session.local_id)
        assert await set_profile(1, tx) == "Accepted"
        assert evse.limit_w == 6000.0
        count = len(events(cs, session.local_id))
        await cs.wait_for(lambda: len(events(cs, session.local_id)) > count + 1)
        assert 0 < session.power_w <= 6000.0
        latest = events(cs, session.local_id)[-1].meterValue
        assert latest is not None
        power = [s.value for s in latest[0].sampledValue if s.measurand == "Power.Active.Import"]
        assert power and power[0] <= 6000.0

        ask = m.GetCompositeScheduleRequest(duration=600, evseId=1)
        composite = await link.call("GetCompositeSchedule", ask)
        assert composite.status == "Accepted"
        assert composite.schedule.chargingSchedulePeriod[0].limit == 6000.0
        get = m.GetChargingProfilesRequest(
            requestId=9, chargingProfile=m.ChargingProfileCriterionType()
        )
        assert (await link.call("GetChargingProfiles", get)).status == "Accepted"
        await cs.wait_for(lambda: any(not p.tbc for p in sent(cs, "ReportChargingProfiles")))
        reported = {
            (p.evseId, c.id) for p in sent(cs, "ReportChargingProfiles") for c in p.chargingProfile
        }
        assert reported == {(0, 3), (1, 4)}

        clear = m.ClearChargingProfileRequest(chargingProfileId=4)
        assert (await link.call("ClearChargingProfile", clear)).status == "Accepted"
        assert (await link.call("ClearChargingProfile", clear)).status == "Unknown"
        assert evse.limit_w == 11_040.0
        await cs.stop_charging(evse=1)
        assert [p["id"] for p in cs.model.charging_profiles] == [3]
    stored = await reports(csms, "SIM-201-SC", "charging-profiles-report")
    assert {r.request_id for r in stored} == {9}


async def test_update_firmware_and_get_log(csms: Application, ocpp_url: str) -> None:
    image = b"\x7fFIRMWARE" * 1000

    def respond(method: str, path: str) -> tuple[int, bytes]:
        if method == "GET" and path.startswith("/fw/"):
            return 200, image
        return (405, b"") if method == "PUT" else (201, b"")

    async with (
        HttpServer(respond) as http,
        SimulatedStation(ocpp_url, "SIM-201-FW", "2.0.1", reconnect_min=0.05) as cs,
    ):
        link = csms.server.links["SIM-201-FW"]
        unreachable = m.UpdateFirmwareRequest(
            requestId=1,
            firmware=m.FirmwareType(
                location=f"http://127.0.0.1:{closed_port()}/fw/SimCharger-9.bin",
                retrieveDateTime=now(),
            ),
        )
        assert (await link.call("UpdateFirmware", unreachable)).status == "Accepted"
        firmware = "FirmwareStatusNotification"
        await cs.wait_for(lambda: statuses(cs, firmware)[-1:] == ["DownloadFailed"])
        assert statuses(cs, firmware) == ["Downloading", "DownloadFailed"]
        assert cs.model.firmware_version == "1.0.0"

        update = m.UpdateFirmwareRequest(
            requestId=2,
            firmware=m.FirmwareType(
                location=http.url("/fw/SimCharger-2.1.0.bin"), retrieveDateTime=now()
            ),
        )
        assert (await link.call("UpdateFirmware", update)).status == "Accepted"
        await cs.wait_for(lambda: statuses(cs, firmware)[-1:] == ["Installed"])
        assert statuses(cs, firmware)[2:] == [
            "Downloading",
            "Downloaded",
            "Installing",
            "InstallRebooting",
            "Installed",
        ]
        assert {p.requestId for p in sent(cs, firmware)[2:]} == {2}
        boots = sent(cs, "BootNotification")
        assert [(b.reason, b.chargingStation.firmwareVersion) for b in boots] == [
            ("PowerUp", "1.0.0"),
            ("FirmwareUpdate", "2.1.0"),
        ]

        link = csms.server.links["SIM-201-FW"]
        get_log = m.GetLogRequest(
            log=m.LogParametersType(remoteLocation=http.url("/logs/")),
            logType=m.LogEnumType.DiagnosticsLog,
            requestId=7,
        )
        answer = await link.call("GetLog", get_log)
        assert answer.status == "Accepted" and answer.filename
        log_status = "LogStatusNotification"
        await cs.wait_for(lambda: statuses(cs, log_status)[-1:] == ["Uploaded"])
        put, post = [r for r in http.requests if r.method != "GET"]
        assert (put.method, put.path) == ("PUT", f"/logs/{answer.filename}")
        assert post.method == "POST" and b"# DiagnosticsLog of SIM-201-FW" in post.body
    stored = await reports(csms, "SIM-201-FW", "firmware-status")
    assert [(r.status, r.request_id) for r in stored[:2]] == [
        ("Downloading", 1),
        ("DownloadFailed", 1),
    ]
    logs = await reports(csms, "SIM-201-FW", "log-status")
    assert [(r.status, r.request_id) for r in logs] == [("Uploading", 7), ("Uploaded", 7)]


async def test_monitoring_display_customer_information_and_certificates(
    csms: Application, ocpp_url: str
) -> None:
    async with SimulatedStation(ocpp_url, "SIM-201-MISC", "2.0.1") as cs:
        link = csms.server.links["SIM-201-MISC"]
        heartbeat = (component("OCPPCommCtrlr"), variable("HeartbeatInterval"))
        monitor = m.SetMonitoringDataType(
            value=10, type=m.MonitorEnumType.Delta, severity=5, component=heartbeat[0],
            variable=heartbeat[1],
        )  # fmt: skip
        answer = await link.call(
            "SetVariableMonitoring", m.SetVariableMonitoringRequest(setMonitoringData=[monitor])
        )
        (result,) = answer.setMonitoringResult
        assert result.status == "Accepted" and result.id is not None
        again = await link.call(
            "SetVariableMonitoring", m.SetVariableMonitoringRequest(setMonitoringData=[monitor])
        )
        assert again.setMonitoringResult[0].status == "Duplicate"
        write = m.SetVariablesRequest(
            setVariableData=[
                m.SetVariableDataType(
                    attributeValue="600", component=heartbeat[0], variable=heartbeat[1]
                )
            ]
        )
        assert (await link.call("SetVariables", write)).setVariableResult[0].attributeStatus == (
            "Accepted"
        )
        await cs.wait_for(lambda: len(sent(cs, "NotifyEvent")) == 1)
        event = sent(cs, "NotifyEvent")[0].eventData[0]
        assert (event.trigger, event.actualValue, event.variableMonitoringId) == (
            "Delta",
            "600",
            result.id,
        )
        report = m.GetMonitoringReportRequest(requestId=3)
        assert (await link.call("GetMonitoringReport", report)).status == "Accepted"
        await cs.wait_for(lambda: len(sent(cs, "NotifyMonitoringReport")) == 1)

        message = m.MessageInfoType(
            id=1,
            priority=m.MessagePriorityEnumType.NormalCycle,
            message=m.MessageContentType(format=m.MessageFormatEnumType.UTF8, content="Hallo"),
        )
        shown = await link.call("SetDisplayMessage", m.SetDisplayMessageRequest(message=message))
        assert shown.status == "Accepted"
        html = replace(message, id=2, message=replace(message.message, format="HTML"))
        refused = await link.call("SetDisplayMessage", m.SetDisplayMessageRequest(message=html))
        assert refused.status == "NotSupportedMessageFormat"
        listed = await link.call("GetDisplayMessages", m.GetDisplayMessagesRequest(requestId=4))
        assert listed.status == "Accepted"
        await cs.wait_for(lambda: len(sent(cs, "NotifyDisplayMessages")) == 1)
        cleared = await link.call("ClearDisplayMessage", m.ClearDisplayMessageRequest(id=1))
        assert cleared.status == "Accepted"

        cs.model.auth_cache["CUST-1"] = "Accepted"
        customer = m.CustomerInformationRequest(
            requestId=8, report=True, clear=True, idToken=token("CUST-1")
        )
        assert (await link.call("CustomerInformation", customer)).status == "Accepted"
        await cs.wait_for(lambda: len(sent(cs, "NotifyCustomerInformation")) == 1)
        assert "cache: Accepted" in sent(cs, "NotifyCustomerInformation")[0].data
        assert "CUST-1" not in cs.model.auth_cache

        bad = m.InstallCertificateRequest(
            certificateType=m.InstallCertificateUseEnumType.CSMSRootCertificate,
            certificate="not a certificate",
        )
        assert (await link.call("InstallCertificate", bad)).status == "Rejected"
        ids = await link.call("GetInstalledCertificateIds", m.GetInstalledCertificateIdsRequest())
        assert ids.status == "NotFound"
        sign = m.TriggerMessageRequest(
            requestedMessage=m.MessageTriggerEnumType.SignChargingStationCertificate
        )
        assert (await link.call("TriggerMessage", sign)).status == "Accepted"
        await cs.wait_for(lambda: len(sent(cs, "SignCertificate")) == 1)
        assert "BEGIN CERTIFICATE REQUEST" in sent(cs, "SignCertificate")[0].csr
    assert len(await reports(csms, "SIM-201-MISC", "device-event")) == 1
    assert len(await reports(csms, "SIM-201-MISC", "monitoring-report")) == 1
    assert len(await reports(csms, "SIM-201-MISC", "display-messages")) == 1
    assert len(await reports(csms, "SIM-201-MISC", "customer-information")) == 1
    assert len(await reports(csms, "SIM-201-MISC", "certificate-signing-request")) == 1


async def test_every_csms_initiated_action_gets_a_valid_answer(
    csms: Application, ocpp_url: str
) -> None:
    """The smallest valid request of each action is answered with a CALLRESULT (a CALLERROR
    would raise): nothing the CSMS may send is refused as unknown."""
    unreachable = f"http://127.0.0.1:{closed_port()}/x"
    async with SimulatedStation(ocpp_url, "SIM-201-EVERY", "2.0.1", evses=2) as cs:
        link = csms.server.links["SIM-201-EVERY"]
        for action in sorted(CSMS_INITIATED):
            payload = minimal_request("2.0.1", action)
            if action == "Reset":
                payload["evseId"] = 1  # refused: the station stays up for the next actions
            if action in ("UpdateFirmware", "PublishFirmware"):
                payload.get("firmware", payload)["location"] = unreachable
            if action == "GetLog":
                payload["log"]["remoteLocation"] = unreachable
            request = msgspec.convert(payload, REQUESTS[action])
            # Generous: once, in a full run at load average 5-7 on 2 cores, GetTransactionStatus
            # took over the 5 s default (right after GetReport, whose NotifyReports the station
            # sends meanwhile, each stored before its answer); 48 runs alone took ~0.4 s each.
            answer = await link.call(action, request, timeout=30.0)
            assert answer is not None, action
        assert not cs.errors
