"""Ampyre against an independent OCPP implementation: The Mobility House's `ocpp` package.

Its `ChargePoint` classes validate every request they send and every answer they receive
against the package's own copy of the OCA JSON schemas, so each answer checked here is standard
OCPP as a third party reads it. The other way round, a CALL from Ampyre is answered by the
package's charge point, and we check what our side decoded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

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
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from ampyre.app import Application
from ampyre.domain.authorization import IdTokenRecord
from ampyre.domain.transactions import TransactionState
from ampyre.messages.v16 import types as m16
from ampyre.messages.v201 import types as m201

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

CP = TypeVar("CP", ChargePoint16, ChargePoint201)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Station16(ChargePoint16):
    """A 1.6 charge point of the `ocpp` package, answering GetConfiguration."""

    @on(enums16.Action.get_configuration)
    async def on_get_configuration(
        self, key: list[str] | None = None, **kwargs: Any
    ) -> result16.GetConfiguration:
        known = {"HeartbeatInterval": "300", "MeterValueSampleInterval": "60"}
        asked = list(known) if key is None else key
        return result16.GetConfiguration(
            configuration_key=[
                data16.KeyValue(key=k, readonly=k == "HeartbeatInterval", value=known[k])
                for k in asked
                if k in known
            ],
            unknown_key=[k for k in asked if k not in known] or None,
        )


class Station201(ChargePoint201):
    """A 2.0.1 charging station of the `ocpp` package, answering GetVariables."""

    @on(enums201.Action.get_variables)
    async def on_get_variables(
        self, get_variable_data: list[dict[str, Any]], **kwargs: Any
    ) -> result201.GetVariables:
        values = {("OCPPCommCtrlr", "HeartbeatInterval"): "300"}
        results = []
        for item in get_variable_data:
            name = (item["component"]["name"], item["variable"]["name"])
            value = values.get(name)
            results.append(
                data201.GetVariableResultType(
                    attribute_status=(
                        enums201.GetVariableStatusEnumType.accepted
                        if value is not None
                        else enums201.GetVariableStatusEnumType.unknown_variable
                    ),
                    attribute_value=value,
                    component=data201.ComponentType(name=name[0]),
                    variable=data201.VariableType(name=name[1]),
                )
            )
        return result201.GetVariables(get_variable_result=results)


@contextlib.asynccontextmanager
async def running(
    factory: type[CP], ocpp_url: str, station_id: str, subprotocol: str
) -> AsyncIterator[CP]:
    """The package's charge point on a websockets connection, its reader task running."""
    async with connect(f"{ocpp_url}/{station_id}", subprotocols=[Subprotocol(subprotocol)]) as ws:
        assert ws.subprotocol == subprotocol
        cp = factory(station_id, ws, response_timeout=10)
        reader = asyncio.create_task(_read(cp, ws))
        try:
            yield cp
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def _read(cp: ChargePoint16 | ChargePoint201, ws: ClientConnection) -> None:
    with contextlib.suppress(ConnectionClosed):
        await cp.start()


async def test_ocpp16_core_flow_with_the_ocpp_package(csms: Application, ocpp_url: str) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("TAG"))
    async with running(Station16, ocpp_url, "TMH-16", "ocpp1.6") as cp:
        # suppress=False: a CALLERROR raises instead of being returned as None
        boot = await cp.call(
            call16.BootNotification(
                charge_point_vendor="Mobility House",
                charge_point_model="ocpp-py",
                charge_point_serial_number="SN-16",
                firmware_version="2.1.0",
            ),
            suppress=False,
        )
        assert isinstance(boot, result16.BootNotification)
        assert boot.status == enums16.RegistrationStatus.accepted
        assert boot.interval == csms.settings.heartbeat_interval
        assert abs(parse(boot.current_time) - datetime.now(UTC)) < timedelta(seconds=5)

        heartbeat = await cp.call(call16.Heartbeat(), suppress=False)
        assert abs(parse(heartbeat.current_time) - datetime.now(UTC)) < timedelta(seconds=5)

        status = await cp.call(
            call16.StatusNotification(
                connector_id=1,
                error_code=enums16.ChargePointErrorCode.no_error,
                status=enums16.ChargePointStatus.preparing,
                timestamp=iso(T0),
            ),
            suppress=False,
        )
        assert isinstance(status, result16.StatusNotification)

        auth = await cp.call(call16.Authorize(id_tag="TAG"), suppress=False)
        assert auth.id_tag_info["status"] == enums16.AuthorizationStatus.accepted
        unknown = await cp.call(call16.Authorize(id_tag="NOT-KNOWN"), suppress=False)
        assert unknown.id_tag_info["status"] == enums16.AuthorizationStatus.invalid

        start = await cp.call(
            call16.StartTransaction(
                connector_id=1, id_tag="TAG", meter_start=1000, timestamp=iso(T0)
            ),
            suppress=False,
        )
        assert start.id_tag_info["status"] == enums16.AuthorizationStatus.accepted
        tx_id = start.transaction_id
        assert isinstance(tx_id, int)

        for minute, wh in ((1, "1600"), (2, "2400")):
            values = await cp.call(
                call16.MeterValues(
                    connector_id=1,
                    transaction_id=tx_id,
                    meter_value=[
                        data16.MeterValue(
                            timestamp=iso(T0 + timedelta(minutes=minute)),
                            sampled_value=[
                                data16.SampledValue(
                                    value=wh,
                                    measurand=enums16.Measurand.energy_active_import_register,
                                    unit=enums16.UnitOfMeasure.wh,
                                )
                            ],
                        )
                    ],
                ),
                suppress=False,
            )
            assert isinstance(values, result16.MeterValues)

        stop = await cp.call(
            call16.StopTransaction(
                meter_stop=3250,
                timestamp=iso(T0 + timedelta(minutes=3)),
                transaction_id=tx_id,
                reason=enums16.Reason.local,
                id_tag="TAG",
            ),
            suppress=False,
        )
        assert stop.id_tag_info["status"] == enums16.AuthorizationStatus.accepted

        # The other way: Ampyre asks, the package's charge point answers.
        link = csms.server.links["TMH-16"]
        config = await link.call(
            "GetConfiguration",
            m16.GetConfigurationRequest(key=["HeartbeatInterval", "NoSuchKey"]),
        )
        assert isinstance(config, m16.GetConfigurationResponse)
        assert config.configurationKey == [
            m16.KeyValue(key="HeartbeatInterval", readonly=True, value="300")
        ]
        assert config.unknownKey == ["NoSuchKey"]

    async with csms.database.unit_of_work() as uow:
        station = await uow.stations.get("TMH-16")
        assert station is not None and station.boot is not None
        assert (station.boot.vendor, station.boot.model, station.boot.serial_number) == (
            "Mobility House",
            "ocpp-py",
            "SN-16",
        )
        assert station.ocpp_version == "1.6"
        assert [t.id for t in await uow.transactions.list_for_station("TMH-16")] == [tx_id]
        transaction = await uow.transactions.get(tx_id)
        assert transaction is not None
        assert transaction.state is TransactionState.ENDED
        assert transaction.id_token is not None and transaction.id_token.value == "TAG"
        assert (transaction.meter_start_wh, transaction.meter_stop_wh) == (1000, 3250)
        assert transaction.energy_wh == 2250
        assert transaction.stop_reason == "Local"
        assert transaction.started_at == T0
        assert transaction.ended_at == T0 + timedelta(minutes=3)
        assert not transaction.flags
        values = await uow.transactions.meter_values(tx_id)
        assert [v.samples[0].value for v in values] == ["1600", "2400"]
        states = await uow.statuses.current("TMH-16")
        assert [(s.evse_id, s.connector_id, s.status) for s in states] == [(1, 1, "Preparing")]


def _energy(wh: float, minutes: int, context: str | None = None) -> list[data201.MeterValueType]:
    return [
        data201.MeterValueType(
            timestamp=iso(T0 + timedelta(minutes=minutes)),
            sampled_value=[
                data201.SampledValueType(
                    value=wh,
                    context=context,
                    measurand=enums201.MeasurandEnumType.energy_active_import_register,
                    unit_of_measure=data201.UnitOfMeasureType(unit="Wh"),
                )
            ],
        )
    ]


async def test_ocpp201_core_flow_with_the_ocpp_package(csms: Application, ocpp_url: str) -> None:
    await csms.services.authorization.save_token(IdTokenRecord("TAG", type="ISO14443"))
    token = data201.IdTokenType(id_token="TAG", type=enums201.IdTokenEnumType.iso14443)
    async with running(Station201, ocpp_url, "TMH-201", "ocpp2.0.1") as cp:
        boot = await cp.call(
            call201.BootNotification(
                charging_station=data201.ChargingStationType(
                    vendor_name="Mobility House",
                    model="ocpp-py-201",
                    serial_number="SN-201",
                    firmware_version="2.1.0",
                ),
                reason=enums201.BootReasonEnumType.power_up,
            ),
            suppress=False,
        )
        assert isinstance(boot, result201.BootNotification)
        assert boot.status == enums201.RegistrationStatusEnumType.accepted
        assert boot.interval == csms.settings.heartbeat_interval
        assert abs(parse(boot.current_time) - datetime.now(UTC)) < timedelta(seconds=5)

        status = await cp.call(
            call201.StatusNotification(
                timestamp=iso(T0),
                connector_status=enums201.ConnectorStatusEnumType.occupied,
                evse_id=1,
                connector_id=1,
            ),
            suppress=False,
        )
        assert isinstance(status, result201.StatusNotification)

        auth = await cp.call(call201.Authorize(id_token=token), suppress=False)
        assert auth.id_token_info["status"] == enums201.AuthorizationStatusEnumType.accepted

        def event(
            kind: str, seq: int, minutes: int, trigger: str, **extra: Any
        ) -> call201.TransactionEvent:
            info = extra.pop("info", {})
            return call201.TransactionEvent(
                event_type=kind,
                timestamp=iso(T0 + timedelta(minutes=minutes)),
                trigger_reason=trigger,
                seq_no=seq,
                transaction_info=data201.TransactionType(transaction_id="TMH-TX-1", **info),
                **extra,
            )

        started = await cp.call(
            event(
                enums201.TransactionEventEnumType.started,
                0,
                0,
                enums201.TriggerReasonEnumType.authorized,
                id_token=token,
                evse=data201.EVSEType(id=1, connector_id=1),
                meter_value=_energy(20_000, 0, enums201.ReadingContextEnumType.transaction_begin),
                info={"charging_state": enums201.ChargingStateEnumType.charging},
            ),
            suppress=False,
        )
        assert isinstance(started, result201.TransactionEvent)
        assert started.id_token_info is not None
        assert started.id_token_info["status"] == enums201.AuthorizationStatusEnumType.accepted

        updated = await cp.call(
            event(
                enums201.TransactionEventEnumType.updated,
                1,
                5,
                enums201.TriggerReasonEnumType.meter_value_periodic,
                meter_value=_energy(21_500, 5),
            ),
            suppress=False,
        )
        assert isinstance(updated, result201.TransactionEvent)

        ended = await cp.call(
            event(
                enums201.TransactionEventEnumType.ended,
                2,
                10,
                enums201.TriggerReasonEnumType.ev_communication_lost,
                meter_value=_energy(24_000, 10, enums201.ReadingContextEnumType.transaction_end),
                info={"stopped_reason": enums201.ReasonEnumType.ev_disconnected},
            ),
            suppress=False,
        )
        assert isinstance(ended, result201.TransactionEvent)

        link = csms.server.links["TMH-201"]
        answer = await link.call(
            "GetVariables",
            m201.GetVariablesRequest(
                getVariableData=[
                    m201.GetVariableDataType(
                        component=m201.ComponentType(name="OCPPCommCtrlr"),
                        variable=m201.VariableType(name="HeartbeatInterval"),
                    ),
                    m201.GetVariableDataType(
                        component=m201.ComponentType(name="NoSuchCtrlr"),
                        variable=m201.VariableType(name="Nothing"),
                    ),
                ]
            ),
        )
        assert isinstance(answer, m201.GetVariablesResponse)
        assert answer.getVariableResult == [
            m201.GetVariableResultType(
                attributeStatus=m201.GetVariableStatusEnumType.Accepted,
                attributeValue="300",
                component=m201.ComponentType(name="OCPPCommCtrlr"),
                variable=m201.VariableType(name="HeartbeatInterval"),
            ),
            m201.GetVariableResultType(
                attributeStatus=m201.GetVariableStatusEnumType.UnknownVariable,
                component=m201.ComponentType(name="NoSuchCtrlr"),
                variable=m201.VariableType(name="Nothing"),
            ),
        ]

    async with csms.database.unit_of_work() as uow:
        station = await uow.stations.get("TMH-201")
        assert station is not None and station.boot is not None
        assert (station.boot.vendor, station.boot.model, station.boot.serial_number) == (
            "Mobility House",
            "ocpp-py-201",
            "SN-201",
        )
        assert station.ocpp_version == "2.0.1"
        transactions = await uow.transactions.list_for_station("TMH-201")
        assert [t.ref for t in transactions] == ["TMH-TX-1"]
        transaction = transactions[0]
        assert transaction.state is TransactionState.ENDED
        assert transaction.id_token is not None and transaction.id_token.value == "TAG"
        assert (transaction.evse_id, transaction.connector_id) == (1, 1)
        assert transaction.energy_wh == 4_000
        assert transaction.stop_reason == "EVDisconnected"
        assert transaction.started_at == T0
        assert transaction.ended_at == T0 + timedelta(minutes=10)
        assert not transaction.flags
        assert len(await uow.transactions.meter_values(transaction.id)) == 3
        states = await uow.statuses.current("TMH-201")
        assert [(s.evse_id, s.connector_id, s.status) for s in states] == [(1, 1, "Occupied")]
