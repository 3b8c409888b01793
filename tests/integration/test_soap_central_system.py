"""OCPP-S Central System service over a real socket: the 1.5 and 1.6 core flow is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.reports import ReportKind
from ampyre.domain.transactions import TransactionState
from ampyre.messages.v15 import types as m15
from ampyre.messages.v16 import types as m16
from ampyre.protocol.versions import OcppVersion

from .soap_helpers import soap_station

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


async def test_a_15_session_is_stored_exactly(csms: Application) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("TAG1"))
    async with soap_station(csms, "SOAP-15", OcppVersion.V15, "http://127.0.0.1:1/cp") as cs:
        boot = await cs.call(
            "BootNotification",
            m15.BootNotificationRequest(
                chargePointVendor="Acme", chargePointModel="S15", chargeBoxSerialNumber="B1"
            ),
        )
        assert boot.status == "Accepted"
        assert boot.heartbeatInterval == csms.settings.heartbeat_interval
        heartbeat = await cs.call("Heartbeat", m15.HeartbeatRequest())
        assert abs(heartbeat.currentTime - datetime.now(UTC)) < timedelta(seconds=5)
        await cs.call(
            "StatusNotification",
            m15.StatusNotificationRequest(
                connectorId=1,
                status=m15.ChargePointStatus.Occupied,
                errorCode=m15.ChargePointErrorCode.Mode3Error,
                timestamp=T0,
            ),
        )
        assert (
            await cs.call("Authorize", m15.AuthorizeRequest(idTag="TAG1"))
        ).idTagInfo.status == ("Accepted")
        unknown = await cs.call("Authorize", m15.AuthorizeRequest(idTag="NOPE"))
        assert unknown.idTagInfo.status == "Invalid"
        start = await cs.call(
            "StartTransaction",
            m15.StartTransactionRequest(connectorId=1, idTag="TAG1", timestamp=T0, meterStart=1000),
        )
        tx_id = start.transactionId
        await cs.call(
            "MeterValues",
            m15.MeterValuesRequest(
                connectorId=1,
                transactionId=tx_id,
                values=[
                    m15.MeterValue(
                        timestamp=T0 + timedelta(minutes=1),
                        value=[
                            m15.MeterValueSample(value="1500", unit=m15.UnitOfMeasure.Wh),
                            m15.MeterValueSample(
                                value="7.5",
                                measurand=m15.Measurand.Power_Active_Import,
                                unit=m15.UnitOfMeasure.kW,
                            ),
                        ],
                    )
                ],
            ),
        )
        stop = await cs.call(
            "StopTransaction",
            m15.StopTransactionRequest(
                transactionId=tx_id,
                idTag="TAG1",
                timestamp=T0 + timedelta(minutes=3),
                meterStop=3000,
                transactionData=[
                    m15.TransactionData(
                        values=[
                            m15.MeterValue(
                                timestamp=T0 + timedelta(minutes=2),
                                value=[m15.MeterValueSample(value="2500")],
                            )
                        ]
                    )
                ],
            ),
        )
        assert stop.idTagInfo is not None and stop.idTagInfo.status == "Accepted"
        transfer = await cs.call("DataTransfer", m15.DataTransferRequest(vendorId="nobody"))
        assert transfer.status == "UnknownVendorId"
        await cs.call(
            "FirmwareStatusNotification",
            m15.FirmwareStatusNotificationRequest(status=m15.FirmwareStatus.Installed),
        )
        await cs.call(
            "DiagnosticsStatusNotification",
            m15.DiagnosticsStatusNotificationRequest(status=m15.DiagnosticsStatus.Uploaded),
        )

    assert csms.soap.links["SOAP-15"].endpoint == "http://127.0.0.1:1/cp"
    async with csms.database.unit_of_work() as uow:
        station = await uow.stations.get("SOAP-15")
        assert station is not None and station.boot is not None
        assert (station.boot.vendor, station.boot.model, station.boot.serial_number) == (
            "Acme",
            "S15",
            "B1",
        )
        assert station.ocpp_version == "1.5" and station.connected
        transaction = await uow.transactions.get(tx_id)
        assert transaction is not None and transaction.state is TransactionState.ENDED
        assert (transaction.evse_id, transaction.connector_id) == (1, 1)
        assert transaction.energy_wh == 2000
        values = await uow.transactions.meter_values(tx_id)
        assert [[(s.value, s.measurand, s.unit) for s in v.samples] for v in values] == [
            [("1500", "Energy.Active.Import.Register", "Wh"), ("7.5", "Power.Active.Import", "kW")],
            [("2500", "Energy.Active.Import.Register", "Wh")],
        ]
        states = await uow.statuses.current("SOAP-15")
        assert [(s.evse_id, s.status, s.error_code) for s in states] == [
            (1, "Occupied", "Mode3Error")
        ]
        reports = await uow.reports.list("SOAP-15")
        assert sorted((r.kind, r.status) for r in reports) == sorted(
            [(ReportKind.FIRMWARE_STATUS, "Installed"), (ReportKind.DIAGNOSTICS_STATUS, "Uploaded")]
        )


async def test_a_16_soap_session_goes_through_the_16_routes(csms: Application) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("TAG6"))
    async with soap_station(csms, "SOAP-16", OcppVersion.V16, "http://127.0.0.1:2/cp") as cs:
        boot = await cs.call(
            "BootNotification",
            m16.BootNotificationRequest(chargePointVendor="Acme", chargePointModel="S16"),
        )
        assert boot.status == "Accepted" and boot.interval == csms.settings.heartbeat_interval
        start = await cs.call(
            "StartTransaction",
            m16.StartTransactionRequest(connectorId=2, idTag="TAG6", meterStart=0, timestamp=T0),
        )
        await cs.call(
            "MeterValues",
            m16.MeterValuesRequest(
                connectorId=2,
                transactionId=start.transactionId,
                meterValue=[
                    m16.MeterValue(
                        timestamp=T0 + timedelta(minutes=1),
                        sampledValue=[m16.SampledValue(value="400")],
                    )
                ],
            ),
        )
        await cs.call(
            "StopTransaction",
            m16.StopTransactionRequest(
                transactionId=start.transactionId,
                meterStop=900,
                timestamp=T0 + timedelta(minutes=2),
                reason=m16.Reason.Remote,
            ),
        )
    async with csms.database.unit_of_work() as uow:
        station = await uow.stations.get("SOAP-16")
        assert station is not None and station.ocpp_version == "1.6"
        transaction = await uow.transactions.get(start.transactionId)
        assert transaction is not None and transaction.energy_wh == 900
        assert transaction.stop_reason == "Remote"
