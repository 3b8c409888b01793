"""1.5 and 1.6 SOAP stations (the simulator) against a real Ampyre: the core flow is stored,
and every ChargePointService operation reaches the station through its StationLink."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.transactions import TransactionState
from ampyre.messages.v16 import types as m
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.model import Plug
from ampyre.simulator.soap_client import SoapStationClient
from ampyre.simulator.station import SimulatedStation
from ampyre.soap_tables import CHARGE_POINT
from ampyre.transports.soap_server import SoapLink

from .http_server import closed_port
from .soap_helpers import soap_url

VERSIONS = pytest.mark.parametrize("version", ["1.5", "1.6"])


def sent(cs: SimulatedStation, action: str) -> list[Any]:
    return [payload for name, payload in cs.sent if name == action]


def soap_station(csms: Application, station_id: str, version: str, **kw: Any) -> SimulatedStation:
    return SimulatedStation(
        soap_url(csms), station_id, version, transport="soap", call_timeout=30.0, **kw
    )


def link_of(csms: Application, station_id: str) -> SoapLink:
    link = csms.links.get(station_id)
    assert isinstance(link, SoapLink)
    return link


@VERSIONS
async def test_a_soap_station_charges_and_the_session_is_stored(
    csms: Application, version: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("SOAPTAG"))
    station_id = f"SIM-S{version.replace('.', '')}"
    async with soap_station(csms, station_id, version, meter_interval=0.05) as cs:
        assert cs.registration == "Accepted"
        session = await cs.start_charging(1, "SOAPTAG")
        assert session is not None
        await cs.wait_for(lambda: len(sent(cs, "MeterValues")) >= 2)
        await cs.stop_charging(1)
        await cs.drained()
        assert isinstance(cs.client, SoapStationClient)
        address = cs.client.address
    assert session.csms_id is not None
    link = link_of(csms, station_id)
    assert link.version is OcppVersion(version) and link.endpoint == address
    async with csms.database.unit_of_work() as uow:
        station = await uow.stations.get(station_id)
        assert station is not None and station.ocpp_version == version
        transaction = await uow.transactions.get(session.csms_id)
        assert transaction is not None and transaction.state is TransactionState.ENDED
        assert transaction.energy_wh is not None and transaction.energy_wh > 0
        assert len(await uow.transactions.meter_values(session.csms_id)) >= 2
        states = await uow.statuses.current(station_id)
        assert [s.status for s in states] == ["Finishing" if version == "1.6" else "Occupied"]


@VERSIONS
async def test_every_charge_point_operation_reaches_the_soap_station(
    csms: Application, version: str
) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("OPS"))
    station_id = f"SIM-OPS{version.replace('.', '')}"
    done: set[str] = set()
    async with soap_station(csms, station_id, version, evses=2) as cs:
        link = link_of(csms, station_id)

        async def call(action: str, payload: Any) -> Any:
            done.add(action)
            return await link.call(action, payload)

        get = await call("GetConfiguration", m.GetConfigurationRequest(key=["HeartbeatInterval"]))
        assert (
            get.configurationKey is not None and get.configurationKey[0].key == "HeartbeatInterval"
        )
        change = m.ChangeConfigurationRequest(key="HeartbeatInterval", value="123")
        assert (await call("ChangeConfiguration", change)).status == "Accepted"
        assert cs.heartbeat_interval == 123
        unknown = m.ChangeConfigurationRequest(key="NoSuchKey", value="1")
        assert (await call("ChangeConfiguration", unknown)).status == "NotSupported"
        assert (await call("ClearCache", m.ClearCacheRequest())).status == "Accepted"
        transfer = m.DataTransferRequest(vendorId="acme", messageId="m", data="d")
        assert (await call("DataTransfer", transfer)).status == "UnknownVendorId"
        listing = m.SendLocalListRequest(
            listVersion=7,
            updateType=m.UpdateType.Full,
            localAuthorizationList=[
                m.AuthorizationData(
                    idTag="LOCAL1", idTagInfo=m.IdTagInfo(status=m.AuthorizationStatus.Accepted)
                )
            ],
        )
        assert (await call("SendLocalList", listing)).status == "Accepted"
        version_answer = await call("GetLocalListVersion", m.GetLocalListVersionRequest())
        assert version_answer.listVersion == 7
        assert "LOCAL1" in cs.model.local_list

        reserve = m.ReserveNowRequest(
            connectorId=2,
            expiryDate=datetime.now(UTC) + timedelta(hours=1),
            idTag="OPS",
            reservationId=5,
        )
        assert (await call("ReserveNow", reserve)).status == "Accepted"
        assert cs.model.evse(2).reservation is not None
        cancel = m.CancelReservationRequest(reservationId=5)
        assert (await call("CancelReservation", cancel)).status == "Accepted"
        assert cs.model.evse(2).reservation is None

        off = m.ChangeAvailabilityRequest(connectorId=2, type=m.AvailabilityType.Inoperative)
        assert (await call("ChangeAvailability", off)).status == "Accepted"
        await cs.wait_for(lambda: cs.model.evse(2).connector().status is Plug.UNAVAILABLE)
        on = m.ChangeAvailabilityRequest(connectorId=2, type=m.AvailabilityType.Operative)
        assert (await call("ChangeAvailability", on)).status == "Accepted"

        start = m.RemoteStartTransactionRequest(idTag="OPS", connectorId=1)
        assert (await call("RemoteStartTransaction", start)).status == "Accepted"
        evse = cs.model.evse(1)
        await cs.wait_for(lambda: evse.session is not None and evse.session.csms_id is not None)
        assert evse.session is not None and evse.session.csms_id is not None
        stop = m.RemoteStopTransactionRequest(transactionId=evse.session.csms_id)
        assert (await call("RemoteStopTransaction", stop)).status == "Accepted"
        await cs.wait_for(lambda: evse.session is None)
        unlock = m.UnlockConnectorRequest(connectorId=1)
        assert (await call("UnlockConnector", unlock)).status == "Unlocked"

        nowhere = f"http://127.0.0.1:{closed_port()}/upload"
        diagnostics = await call("GetDiagnostics", m.GetDiagnosticsRequest(location=nowhere))
        assert diagnostics.fileName
        await cs.wait_for(
            lambda: "UploadFailed" in [p.status for p in sent(cs, "DiagnosticsStatusNotification")]
        )
        firmware = m.UpdateFirmwareRequest(location=nowhere, retrieveDate=datetime.now(UTC))
        assert await call("UpdateFirmware", firmware) == m.UpdateFirmwareResponse()
        await cs.wait_for(
            lambda: "DownloadFailed" in [p.status for p in sent(cs, "FirmwareStatusNotification")]
        )

        if version == "1.6":
            profile = m.ChargingProfile(
                chargingProfileId=1,
                stackLevel=0,
                chargingProfilePurpose=m.ChargingProfilePurposeType.TxDefaultProfile,
                chargingProfileKind=m.ChargingProfileKindType.Absolute,
                chargingSchedule=m.ChargingSchedule(
                    chargingRateUnit=m.ChargingRateUnitType.A,
                    chargingSchedulePeriod=[m.ChargingSchedulePeriod(startPeriod=0, limit=16.0)],
                ),
            )
            set_profile = m.SetChargingProfileRequest(connectorId=1, csChargingProfiles=profile)
            assert (await call("SetChargingProfile", set_profile)).status == "Accepted"
            composite = m.GetCompositeScheduleRequest(connectorId=1, duration=3600)
            assert (await call("GetCompositeSchedule", composite)).status == "Accepted"
            clear = m.ClearChargingProfileRequest(id=1)
            assert (await call("ClearChargingProfile", clear)).status == "Accepted"
            trigger = m.TriggerMessageRequest(requestedMessage=m.MessageTrigger.Heartbeat)
            assert (await call("TriggerMessage", trigger)).status == "Accepted"
            await cs.wait_for(lambda: len(sent(cs, "Heartbeat")) >= 1)
        else:
            # 1.6-only operations cannot be said to a 1.5 station: nothing is sent
            trigger = m.TriggerMessageRequest(requestedMessage=m.MessageTrigger.Heartbeat)
            with pytest.raises(ValueError, match=r"not an OCPP 1\.5 operation"):
                await link.call("TriggerMessage", trigger)

        boots = len(sent(cs, "BootNotification"))
        assert (await call("Reset", m.ResetRequest(type=m.ResetType.Soft))).status == "Accepted"
        await cs.wait_for(lambda: len(sent(cs, "BootNotification")) > boots)

    assert done == CHARGE_POINT[OcppVersion(version)].operations


def test_station_kinds_in_a_version_mix() -> None:
    from ampyre.simulator.fleet import parse_versions

    assert parse_versions("1.6:5,1.5-soap:2,1.6-soap") == [
        ((OcppVersion.V16, "json"), 5),
        ((OcppVersion.V15, "soap"), 2),
        ((OcppVersion.V16, "soap"), 1),
    ]
    for bad in ("1.5", "1.6-xml", "3.0"):
        with pytest.raises(ValueError):
            parse_versions(bad)
