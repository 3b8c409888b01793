"""AMPYRE_STRICT=true refuses the transaction quirks that are otherwise accepted and flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ampyre.messages.v16 import types as m16
from ampyre.messages.v201 import types as m201
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.client import CallErrorReceived, JsonClient

from .conftest import AppFactory

pytestmark = pytest.mark.transports

T0 = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)


async def test_strict_mode_refuses_duplicate_stop_and_late_meter_values(
    start_csms: AppFactory,
) -> None:
    async with start_csms(strict=True) as app:
        url = f"ws://127.0.0.1:{app.port}/ocpp"
        async with JsonClient(url, "STRICT-16", OcppVersion.V16) as cs:
            start = await cs.call(
                "StartTransaction",
                m16.StartTransactionRequest(connectorId=1, idTag="T", meterStart=0, timestamp=T0),
            )
            stop = m16.StopTransactionRequest(
                transactionId=start.transactionId, meterStop=10, timestamp=T0 + timedelta(1)
            )
            await cs.call("StopTransaction", stop)
            with pytest.raises(CallErrorReceived) as refused:
                await cs.call("StopTransaction", stop)
            assert "duplicate-stop" in refused.value.error.description
            late = m16.MeterValuesRequest(
                connectorId=1,
                transactionId=start.transactionId,
                meterValue=[
                    m16.MeterValue(
                        timestamp=T0 + timedelta(2), sampledValue=[m16.SampledValue(value="20")]
                    )
                ],
            )
            with pytest.raises(CallErrorReceived) as refused:
                await cs.call("MeterValues", late)
            assert "meter-values-after-stop" in refused.value.error.description
        async with JsonClient(url, "STRICT-201", OcppVersion.V201) as cs:
            with pytest.raises(CallErrorReceived) as refused:
                await cs.call(
                    "TransactionEvent",
                    m201.TransactionEventRequest(
                        eventType=m201.TransactionEventEnumType.Started,
                        timestamp=T0,
                        triggerReason=m201.TriggerReasonEnumType.Authorized,
                        seqNo=0,
                        transactionInfo=m201.TransactionType(transactionId="S-1"),
                    ),
                )
            assert "missing-id-token" in refused.value.error.description
        async with app.database.unit_of_work() as uow:
            transactions = await uow.transactions.list_for_station("STRICT-16")
            assert [sorted(t.flags) for t in transactions] == [[]]
            assert len(await uow.transactions.meter_values(transactions[0].id)) == 0
            # refused means nothing half-written: the rejected 2.0.1 start left no session
            assert await uow.transactions.list_for_station("STRICT-201") == []
