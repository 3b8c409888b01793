"""OCPP 1.6 core flow over a real socket: boot → status → authorize → start → meter → stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ampyre.app import Application
from ampyre.domain.authorization import AuthorizationStatus, IdTokenRecord
from ampyre.domain.transactions import TransactionState
from ampyre.messages.v16 import types as m
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.client import JsonClient

pytestmark = pytest.mark.transports

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def sample(value: str, measurand: m.Measurand | None = None) -> m.SampledValue:
    return m.SampledValue(value=value, measurand=measurand, unit=m.UnitOfMeasure.Wh)


async def test_full_session_is_stored_exactly(csms: Application, ocpp_url: str) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("TAG1"))
    async with JsonClient(ocpp_url, "CS-16", OcppVersion.V16) as cs:
        boot = await cs.call(
            "BootNotification",
            m.BootNotificationRequest(
                chargePointVendor="Acme",
                chargePointModel="X1",
                chargePointSerialNumber="S1",
                firmwareVersion="1.0.0",
            ),
        )
        assert boot.status == "Accepted"
        assert boot.interval == csms.settings.heartbeat_interval
        heartbeat = await cs.call("Heartbeat", m.HeartbeatRequest())
        assert abs(heartbeat.currentTime - datetime.now(UTC)) < timedelta(seconds=5)
        await cs.call(
            "StatusNotification",
            m.StatusNotificationRequest(
                connectorId=1,
                errorCode=m.ChargePointErrorCode.NoError,
                status=m.ChargePointStatus.Preparing,
                timestamp=T0,
            ),
        )
        auth = await cs.call("Authorize", m.AuthorizeRequest(idTag="TAG1"))
        assert auth.idTagInfo.status == "Accepted"
        unknown = await cs.call("Authorize", m.AuthorizeRequest(idTag="NOPE"))
        assert unknown.idTagInfo.status == "Invalid"
        start = await cs.call(
            "StartTransaction",
            m.StartTransactionRequest(connectorId=1, idTag="TAG1", meterStart=1000, timestamp=T0),
        )
        assert start.idTagInfo.status == "Accepted"
        tx_id = start.transactionId
        for minute, wh in ((1, "1500"), (2, "2500")):
            await cs.call(
                "MeterValues",
                m.MeterValuesRequest(
                    connectorId=1,
                    transactionId=tx_id,
                    meterValue=[
                        m.MeterValue(
                            timestamp=T0 + timedelta(minutes=minute), sampledValue=[sample(wh)]
                        )
                    ],
                ),
            )
        stop = await cs.call(
            "StopTransaction",
            m.StopTransactionRequest(
                transactionId=tx_id,
                meterStop=3000,
                timestamp=T0 + timedelta(minutes=3),
                idTag="TAG1",
                reason=m.Reason.EVDisconnected,
            ),
        )
        assert stop.idTagInfo.status == "Accepted"

    async with csms.database.unit_of_work() as uow:
        station = await uow.stations.get("CS-16")
        assert station is not None and station.boot is not None
        assert (station.boot.vendor, station.boot.model, station.boot.serial_number) == (
            "Acme",
            "X1",
            "S1",
        )
        assert station.ocpp_version == "1.6"
        transaction = await uow.transactions.get(tx_id)
        assert transaction is not None
        assert transaction.state is TransactionState.ENDED
        assert (transaction.evse_id, transaction.connector_id) == (1, 1)
        assert transaction.meter_start_wh == 1000 and transaction.meter_stop_wh == 3000
        assert transaction.energy_wh == 2000
        assert transaction.stop_reason == "EVDisconnected"
        assert transaction.started_at == T0
        assert not transaction.flags
        values = await uow.transactions.meter_values(tx_id)
        assert [v.samples[0].value for v in values] == ["1500", "2500"]
        states = await uow.statuses.current("CS-16")
        assert [(s.evse_id, s.connector_id, s.status) for s in states] == [(1, 1, "Preparing")]
        assert [t.id for t in await uow.transactions.list_for_station("CS-16")] == [tx_id]


async def test_retried_start_and_duplicate_stop_never_double_count(
    csms: Application, ocpp_url: str
) -> None:
    await csms.services.authorization.save_token(
        IdTokenRecord("OLD", status=AuthorizationStatus.ACCEPTED, expiry=T0)
    )
    async with JsonClient(ocpp_url, "CS-dup", OcppVersion.V16) as cs:
        await cs.call(
            "BootNotification",
            m.BootNotificationRequest(chargePointVendor="Acme", chargePointModel="X1"),
        )
        start = m.StartTransactionRequest(connectorId=2, idTag="OLD", meterStart=0, timestamp=T0)
        first = await cs.call("StartTransaction", start)
        again = await cs.call("StartTransaction", start)
        assert first.transactionId == again.transactionId
        assert first.idTagInfo.status == "Expired"
        values = m.MeterValuesRequest(
            connectorId=2,
            transactionId=first.transactionId,
            meterValue=[
                m.MeterValue(timestamp=T0 + timedelta(minutes=1), sampledValue=[sample("500")])
            ],
        )
        await cs.call("MeterValues", values)
        await cs.call("MeterValues", values)
        stop = m.StopTransactionRequest(
            transactionId=first.transactionId, meterStop=700, timestamp=T0 + timedelta(minutes=2)
        )
        await cs.call("StopTransaction", stop)
        await cs.call("StopTransaction", stop)
        late = m.MeterValuesRequest(
            connectorId=2,
            transactionId=first.transactionId,
            meterValue=[
                m.MeterValue(timestamp=T0 + timedelta(minutes=5), sampledValue=[sample("900")])
            ],
        )
        await cs.call("MeterValues", late)

    async with csms.database.unit_of_work() as uow:
        transactions = await uow.transactions.list_for_station("CS-dup")
        assert len(transactions) == 1
        transaction = transactions[0]
        assert transaction.energy_wh == 700
        assert {str(f) for f in transaction.flags} == {
            "duplicate-stop",
            "meter-values-after-stop",
        }
        assert len(await uow.transactions.meter_values(transaction.id)) == 2
