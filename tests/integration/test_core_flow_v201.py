"""OCPP 2.0.1 core flow over a real socket: boot → status → authorize → transaction events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.transactions import TransactionState
from ampyre.messages.v201 import types as m
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.client import JsonClient

pytestmark = pytest.mark.transports

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
TOKEN = m.IdTokenType(idToken="RFID-1", type=m.IdTokenEnumType.ISO14443)


def energy(wh: float, context: m.ReadingContextEnumType | None = None) -> list[m.MeterValueType]:
    return [
        m.MeterValueType(
            timestamp=T0,
            sampledValue=[
                m.SampledValueType(
                    value=wh / 1000,
                    context=context,
                    unitOfMeasure=m.UnitOfMeasureType(unit="kWh"),
                )
            ],
        )
    ]


def event(
    kind: m.TransactionEventEnumType,
    seq: int,
    minutes: int,
    trigger: m.TriggerReasonEnumType,
    **extra: object,
) -> m.TransactionEventRequest:
    return m.TransactionEventRequest(
        eventType=kind,
        timestamp=T0 + timedelta(minutes=minutes),
        triggerReason=trigger,
        seqNo=seq,
        transactionInfo=m.TransactionType(transactionId="TX-201-A", **extra.pop("info", {})),  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


async def test_full_session_is_stored_exactly(csms: Application, ocpp_url: str) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("RFID-1", type="ISO14443"))
    async with JsonClient(ocpp_url, "CS-201", OcppVersion.V201) as cs:
        boot = await cs.call(
            "BootNotification",
            m.BootNotificationRequest(
                reason=m.BootReasonEnumType.PowerUp,
                chargingStation=m.ChargingStationType(
                    vendorName="Acme", model="Z2", serialNumber="S-9", firmwareVersion="2.1"
                ),
            ),
        )
        assert boot.status == "Accepted"
        await cs.call("Heartbeat", m.HeartbeatRequest())
        await cs.call(
            "StatusNotification",
            m.StatusNotificationRequest(
                timestamp=T0,
                connectorStatus=m.ConnectorStatusEnumType.Occupied,
                evseId=1,
                connectorId=1,
            ),
        )
        auth = await cs.call("Authorize", m.AuthorizeRequest(idToken=TOKEN))
        assert auth.idTokenInfo.status == "Accepted"
        started = await cs.call(
            "TransactionEvent",
            event(
                m.TransactionEventEnumType.Started,
                0,
                0,
                m.TriggerReasonEnumType.Authorized,
                idToken=TOKEN,
                evse=m.EVSEType(id=1, connectorId=1),
                meterValue=energy(10_000, m.ReadingContextEnumType.Transaction_Begin),
                info={"chargingState": m.ChargingStateEnumType.Charging},
            ),
        )
        assert started.idTokenInfo.status == "Accepted"
        updated = event(
            m.TransactionEventEnumType.Updated,
            1,
            5,
            m.TriggerReasonEnumType.MeterValuePeriodic,
            meterValue=energy(12_000),
        )
        await cs.call("TransactionEvent", updated)
        await cs.call("TransactionEvent", updated)  # a retry must not count twice
        ended = await cs.call(
            "TransactionEvent",
            event(
                m.TransactionEventEnumType.Ended,
                2,
                10,
                m.TriggerReasonEnumType.EVCommunicationLost,
                meterValue=energy(15_500, m.ReadingContextEnumType.Transaction_End),
                info={"stoppedReason": m.ReasonEnumType.EVDisconnected},
            ),
        )
        assert ended.idTokenInfo is None

    async with csms.database.unit_of_work() as uow:
        station = await uow.stations.get("CS-201")
        assert station is not None and station.boot is not None
        assert (station.boot.vendor, station.boot.model) == ("Acme", "Z2")
        assert station.ocpp_version == "2.0.1"
        transaction = await uow.transactions.by_ref("CS-201", "TX-201-A")
        assert transaction is not None
        assert transaction.state is TransactionState.ENDED
        assert transaction.id_token is not None and transaction.id_token.value == "RFID-1"
        assert (transaction.evse_id, transaction.connector_id) == (1, 1)
        assert transaction.energy_wh == 5_500
        assert transaction.stop_reason == "EVDisconnected"
        assert transaction.started_at == T0
        assert transaction.ended_at == T0 + timedelta(minutes=10)
        assert not transaction.flags
        assert len(await uow.transactions.meter_values(transaction.id)) == 3


async def test_offline_replay_in_any_order_and_missing_token_is_flagged(
    csms: Application, ocpp_url: str
) -> None:
    async with JsonClient(ocpp_url, "CS-off", OcppVersion.V201) as cs:
        # No BootNotification: accept-unknown serves a station that reconnects without booting.
        ended = event(
            m.TransactionEventEnumType.Ended,
            2,
            10,
            m.TriggerReasonEnumType.StopAuthorized,
            meterValue=energy(3_000),
            offline=True,
        )
        started = event(
            m.TransactionEventEnumType.Started,
            0,
            0,
            m.TriggerReasonEnumType.Authorized,
            meterValue=energy(1_000),
            offline=True,
            evse=m.EVSEType(id=2),
        )
        updated = event(
            m.TransactionEventEnumType.Updated,
            1,
            5,
            m.TriggerReasonEnumType.MeterValuePeriodic,
            meterValue=energy(2_000),
            offline=True,
        )
        for message in (ended, started, updated, started):
            await cs.call("TransactionEvent", message)

    async with csms.database.unit_of_work() as uow:
        transactions = await uow.transactions.list_for_station("CS-off")
        assert len(transactions) == 1
        transaction = transactions[0]
        assert transaction.state is TransactionState.ENDED
        assert transaction.offline
        assert transaction.evse_id == 2
        assert transaction.energy_wh == 2_000
        assert transaction.started_at == T0
        assert {str(f) for f in transaction.flags} == {"missing-id-token"}
