"""Hundreds of stations at the same moment: no deadlock, no lost answer, nothing stored twice.

Every station waits at a barrier after connecting, so all of them boot, charge and stop at
once; every CALL must be answered (no CALLERROR, no timeout) and the database must hold
exactly one record per station and one ended session per station with its own energy.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Table, func, select

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.transactions import TransactionState
from ampyre.messages.v16 import types as m16
from ampyre.messages.v201 import types as m201
from ampyre.persistence import tables
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.client import JsonClient

pytestmark = pytest.mark.transports

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
STATIONS = 200  # half 1.6, half 2.0.1
RECONNECTING = 100
CALLS_PER_STATION = 7
METER_ROWS = {OcppVersion.V16: 2, OcppVersion.V201: 4}


@dataclasses.dataclass
class Outcome:
    station_id: str
    version: OcppVersion
    energy_wh: int
    answers: int
    wire_transaction_id: int | str


def station_id(i: int) -> str:
    version = "16" if i % 2 == 0 else "201"
    return f"LOAD-{version}-{i:03d}"


def version_of(i: int) -> OcppVersion:
    return OcppVersion.V16 if i % 2 == 0 else OcppVersion.V201


def energy_of(i: int) -> int:
    """Each station charges a different amount, so a mixed-up session cannot go unnoticed."""
    return 300 + i


async def session_v16(cs: JsonClient, i: int, barrier: asyncio.Barrier) -> Outcome:
    answers = 0
    base = 10_000 * (i + 1)
    tag = f"TAG-{i:03d}"
    await barrier.wait()
    boot = await cs.call(
        "BootNotification",
        m16.BootNotificationRequest(chargePointVendor="Load", chargePointModel=f"M{i:03d}"),
    )
    assert boot.status == "Accepted"
    answers += 1
    await cs.call(
        "StatusNotification",
        m16.StatusNotificationRequest(
            connectorId=1,
            errorCode=m16.ChargePointErrorCode.NoError,
            status=m16.ChargePointStatus.Preparing,
            timestamp=T0,
        ),
    )
    answers += 1
    auth = await cs.call("Authorize", m16.AuthorizeRequest(idTag=tag))
    assert auth.idTagInfo.status == "Accepted"
    answers += 1
    start = await cs.call(
        "StartTransaction",
        m16.StartTransactionRequest(connectorId=1, idTag=tag, meterStart=base, timestamp=T0),
    )
    assert start.idTagInfo.status == "Accepted"
    answers += 1
    for minute, wh in ((1, base + 100), (2, base + 200)):
        await cs.call(
            "MeterValues",
            m16.MeterValuesRequest(
                connectorId=1,
                transactionId=start.transactionId,
                meterValue=[
                    m16.MeterValue(
                        timestamp=T0 + timedelta(minutes=minute),
                        sampledValue=[m16.SampledValue(value=str(wh), unit=m16.UnitOfMeasure.Wh)],
                    )
                ],
            ),
        )
        answers += 1
    stop = await cs.call(
        "StopTransaction",
        m16.StopTransactionRequest(
            transactionId=start.transactionId,
            meterStop=base + energy_of(i),
            timestamp=T0 + timedelta(minutes=3),
            idTag=tag,
        ),
    )
    assert stop.idTagInfo.status == "Accepted"
    answers += 1
    return Outcome(cs.station_id, cs.version, energy_of(i), answers, start.transactionId)


def _energy(wh: int, minutes: int) -> list[m201.MeterValueType]:
    return [
        m201.MeterValueType(
            timestamp=T0 + timedelta(minutes=minutes),
            sampledValue=[
                m201.SampledValueType(value=wh, unitOfMeasure=m201.UnitOfMeasureType(unit="Wh"))
            ],
        )
    ]


async def session_v201(cs: JsonClient, i: int, barrier: asyncio.Barrier) -> Outcome:
    answers = 0
    base = 10_000 * (i + 1)
    token = m201.IdTokenType(idToken=f"TAG-{i:03d}", type=m201.IdTokenEnumType.ISO14443)
    ref = f"TX-{i:03d}"
    await barrier.wait()
    boot = await cs.call(
        "BootNotification",
        m201.BootNotificationRequest(
            reason=m201.BootReasonEnumType.PowerUp,
            chargingStation=m201.ChargingStationType(vendorName="Load", model=f"M{i:03d}"),
        ),
    )
    assert boot.status == "Accepted"
    answers += 1
    await cs.call(
        "StatusNotification",
        m201.StatusNotificationRequest(
            timestamp=T0,
            connectorStatus=m201.ConnectorStatusEnumType.Occupied,
            evseId=1,
            connectorId=1,
        ),
    )
    answers += 1
    auth = await cs.call("Authorize", m201.AuthorizeRequest(idToken=token))
    assert auth.idTokenInfo.status == "Accepted"
    answers += 1
    events = [
        (m201.TransactionEventEnumType.Started, m201.TriggerReasonEnumType.Authorized, 0),
        (m201.TransactionEventEnumType.Updated, m201.TriggerReasonEnumType.MeterValuePeriodic, 100),
        (m201.TransactionEventEnumType.Updated, m201.TriggerReasonEnumType.MeterValuePeriodic, 200),
        (m201.TransactionEventEnumType.Ended, m201.TriggerReasonEnumType.EVDeparted, energy_of(i)),
    ]
    for seq, (kind, trigger, delta) in enumerate(events):
        started = kind is m201.TransactionEventEnumType.Started
        answer = await cs.call(
            "TransactionEvent",
            m201.TransactionEventRequest(
                eventType=kind,
                timestamp=T0 + timedelta(minutes=seq),
                triggerReason=trigger,
                seqNo=seq,
                transactionInfo=m201.TransactionType(transactionId=ref),
                idToken=token if started else None,
                evse=m201.EVSEType(id=1, connectorId=1) if started else None,
                meterValue=_energy(base + delta, seq),
            ),
        )
        if started:
            assert answer.idTokenInfo.status == "Accepted"
        answers += 1
    return Outcome(cs.station_id, cs.version, energy_of(i), answers, ref)


async def one_station(ocpp_url: str, i: int, barrier: asyncio.Barrier) -> Outcome:
    version = version_of(i)
    async with JsonClient(ocpp_url, station_id(i), version, call_timeout=30) as cs:
        if version is OcppVersion.V16:
            return await session_v16(cs, i, barrier)
        return await session_v201(cs, i, barrier)


async def count(csms: Application, table: Table) -> int:
    connection = await csms.database.checkout()
    try:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())
    finally:
        await csms.database.checkin(connection)


async def test_hundreds_of_stations_charge_at_the_same_moment(
    csms: Application, ocpp_url: str
) -> None:
    for i in range(STATIONS):
        await csms.services.authorization.save_token(
            IdTokenRecord(f"TAG-{i:03d}", type=None if i % 2 == 0 else "ISO14443")
        )
    barrier = asyncio.Barrier(STATIONS)
    results = await asyncio.gather(
        *(one_station(ocpp_url, i, barrier) for i in range(STATIONS)), return_exceptions=True
    )
    failures = [(station_id(i), r) for i, r in enumerate(results) if isinstance(r, BaseException)]
    assert not failures, f"{len(failures)} stations failed, e.g. {failures[:3]!r}"
    outcomes = [r for r in results if isinstance(r, Outcome)]
    assert sum(o.answers for o in outcomes) == STATIONS * CALLS_PER_STATION
    wire_ids = [o.wire_transaction_id for o in outcomes if o.version is OcppVersion.V16]
    assert len(set(wire_ids)) == len(wire_ids) == STATIONS // 2

    assert await count(csms, tables.stations) == STATIONS
    assert await count(csms, tables.transactions) == STATIONS
    assert await count(csms, tables.meter_values) == sum(METER_ROWS[o.version] for o in outcomes)
    database_ids: list[int] = []
    async with csms.database.unit_of_work() as uow:
        for o in outcomes:
            station = await uow.stations.get(o.station_id)
            assert station is not None and station.boot is not None
            assert station.ocpp_version == o.version.value
            assert station.boot.model == f"M{o.station_id[-3:]}"
            transactions = await uow.transactions.list_for_station(o.station_id)
            assert len(transactions) == 1, o.station_id
            transaction = transactions[0]
            database_ids.append(transaction.id)
            if o.version is OcppVersion.V16:
                assert transaction.id == o.wire_transaction_id
            else:
                assert transaction.ref == o.wire_transaction_id
            assert transaction.state is TransactionState.ENDED, o.station_id
            assert transaction.energy_wh == o.energy_wh, o.station_id
            assert not transaction.flags, o.station_id
            values = await uow.transactions.meter_values(transaction.id)
            assert len(values) == METER_ROWS[o.version], o.station_id
            states = await uow.statuses.current(o.station_id)
            assert len(states) == 1, o.station_id
    assert len(set(database_ids)) == STATIONS


async def test_reconnect_storm_keeps_exactly_one_live_link_per_station(
    csms: Application, ocpp_url: str
) -> None:
    ids = [f"STORM-{i:03d}" for i in range(RECONNECTING)]

    def version(i: int) -> OcppVersion:
        return OcppVersion.V16 if i % 2 == 0 else OcppVersion.V201

    async def boot(cs: JsonClient) -> None:
        if cs.version is OcppVersion.V16:
            request: object = m16.BootNotificationRequest(
                chargePointVendor="Storm", chargePointModel="S"
            )
        else:
            request = m201.BootNotificationRequest(
                reason=m201.BootReasonEnumType.PowerUp,
                chargingStation=m201.ChargingStationType(vendorName="Storm", model="S"),
            )
        assert (await cs.call("BootNotification", request)).status == "Accepted"

    async def heartbeat(cs: JsonClient) -> None:
        request = (
            m16.HeartbeatRequest() if cs.version is OcppVersion.V16 else m201.HeartbeatRequest()
        )
        answer = await cs.call("Heartbeat", request)
        assert abs(answer.currentTime - datetime.now(UTC)) < timedelta(seconds=30)

    first = [JsonClient(ocpp_url, sid, version(i)) for i, sid in enumerate(ids)]
    second = [JsonClient(ocpp_url, sid, version(i)) for i, sid in enumerate(ids)]
    try:
        await asyncio.gather(*(cs.connect() for cs in first))
        await asyncio.gather(*(boot(cs) for cs in first))
        assert sorted(csms.server.links) == ids

        # Everyone at once, while every first connection is still open.
        await asyncio.gather(*(cs.connect() for cs in second))
        # The server closes each replaced connection itself (the client never asked).
        await asyncio.gather(*(cs.ws.wait_closed() for cs in first if cs.ws is not None))
        for cs in first:
            assert cs.ws is not None
            closing = cs.ws.protocol
            assert closing.close_rcvd is not None, f"{cs.station_id}: no close frame"
            assert closing.close_rcvd_then_sent, f"{cs.station_id}: the server did not close first"
            assert closing.close_rcvd.code == 1000, cs.station_id
            assert closing.close_rcvd.reason, cs.station_id
        # Every new connection is served: a Heartbeat goes through on each.
        await asyncio.gather(*(heartbeat(cs) for cs in second))

        assert sorted(csms.server.links) == ids
        for cs in second:
            link = csms.server.links[cs.station_id]
            assert cs.ws is not None
            assert link.open
            # the live link is the second connection (its far end is our new socket)
            assert link.remote_address == cs.ws.local_address, cs.station_id
        async with csms.database.unit_of_work() as uow:
            for sid in ids:
                station = await uow.stations.get(sid)
                assert station is not None and station.connected, sid
    finally:
        await asyncio.gather(*(cs.close() for cs in first + second if cs.ws is not None))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # transport only: one backend
async def test_a_dead_previous_connection_does_not_delay_the_new_one(
    csms: Application, ocpp_url: str
) -> None:
    """Stations reconnect mostly because their connection died silently (NAT, cellular).

    The server cannot tell: its closing handshake on the old connection goes unanswered. The
    new connection must be served at once all the same, not after the handshake times out.
    """
    boot = m16.BootNotificationRequest(chargePointVendor="Half", chargePointModel="Open")
    old = JsonClient(ocpp_url, "HALF-OPEN", OcppVersion.V16)
    new = JsonClient(ocpp_url, "HALF-OPEN", OcppVersion.V16)
    await old.connect()
    try:
        assert (await old.call("BootNotification", boot)).status == "Accepted"
        assert old.ws is not None
        old.ws.transport.pause_reading()  # from now on the old end never answers anything
        await new.connect()
        # far below the 10 s close_timeout, far above what an answer takes
        answer = await new.call("BootNotification", boot, timeout=3)
        assert answer.status == "Accepted"
        old.ws.transport.resume_reading()
        await old.ws.wait_closed()
        assert old.ws.protocol.close_rcvd is not None
        assert old.ws.protocol.close_rcvd.code == 1000
    finally:
        if old.ws is not None:
            old.ws.transport.resume_reading()
        await asyncio.gather(new.close(), old.close())
