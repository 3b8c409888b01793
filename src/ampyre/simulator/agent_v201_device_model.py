"""The OCPP 2.0.1 device model of the simulated station: its variables' values, read and written.

Values live in `model.config` (keys as in `agent_v201_variables`); read-only keys are in
`model.read_only`. Some values are the station's live state (AvailabilityState, Entries,
DateTime, ...) and are computed at each read; writes to a few take effect on the runtime
(heartbeat interval, sampling interval, clock-aligned interval, reconnect back-off).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from ampyre.messages.v201 import types as m
from ampyre.simulator.agent_v201_variables import (
    ALIGNED_INTERVAL,
    HEARTBEAT_INTERVAL,
    MEASURAND_KEYS,
    MEASURANDS,
    RETRY_MINIMUM,
    RO,
    TX_UPDATED_INTERVAL,
    Var,
    integer_text,
    invalid,
    key_of,
    seed,
)
from ampyre.simulator.model import Connector, Evse, Plug

if TYPE_CHECKING:
    from ampyre.simulator.agent_v201 import AgentV201

CONNECTOR_STATUS = {
    Plug.AVAILABLE: m.ConnectorStatusEnumType.Available,
    Plug.PREPARING: m.ConnectorStatusEnumType.Occupied,
    Plug.CHARGING: m.ConnectorStatusEnumType.Occupied,
    Plug.SUSPENDED_EV: m.ConnectorStatusEnumType.Occupied,
    Plug.FINISHING: m.ConnectorStatusEnumType.Occupied,
    Plug.RESERVED: m.ConnectorStatusEnumType.Reserved,
    Plug.UNAVAILABLE: m.ConnectorStatusEnumType.Unavailable,
    Plug.FAULTED: m.ConnectorStatusEnumType.Faulted,
}


def evse_state(evse: Evse) -> str:
    if not evse.operative:
        return "Unavailable"
    if evse.session is not None and not evse.session.ended:
        return "Occupied"
    states = {CONNECTOR_STATUS[c.status].value for c in evse.connectors}
    for state in ("Faulted", "Occupied", "Reserved", "Available"):
        if state in states:
            return state
    return "Unavailable"


def evse_power(evse: Evse) -> str:
    session = evse.session
    return f"{session.power_w:.1f}" if session is not None and not session.ended else "0"


def connector_state(plug: Connector) -> str:
    return CONNECTOR_STATUS[plug.status].value


class DeviceModel:
    def __init__(self, agent: AgentV201) -> None:
        self.agent = agent
        station = agent.station
        self.variables = {v.key: v for v in seed(station)}
        config = station.model.config
        for key, var in self.variables.items():
            config.setdefault(key, var.value)
            if var.mutability is RO:
                station.model.read_only.add(key)
        self.components = {v.component_id for v in self.variables.values()}
        #: live values, computed at each read
        self.live: dict[str, Callable[[], str]] = {
            "ClockCtrlr.DateTime": lambda: station.now().isoformat(),
            HEARTBEAT_INTERVAL: lambda: str(getattr(station, "heartbeat_interval", 300)),
            "LocalAuthListCtrlr.Entries": lambda: str(len(station.model.local_list)),
            "SmartChargingCtrlr.Entries[ChargingProfiles]": lambda: str(
                len(station.model.charging_profiles)
            ),
            "ChargingStation.AvailabilityState": lambda: (
                "Available" if any(e.operative for e in station.model.evses) else "Unavailable"
            ),
        }
        for evse in station.model.evses:
            self.live[key_of("EVSE", "AvailabilityState", evse.id)] = functools.partial(
                evse_state, evse
            )
            self.live[key_of("EVSE", "Power", evse.id)] = functools.partial(evse_power, evse)
            for plug in evse.connectors:
                key = key_of("Connector", "AvailabilityState", evse.id, plug.id)
                self.live[key] = functools.partial(connector_state, plug)

    def config(self, key: str, default: str = "") -> str:
        return self.agent.station.model.config.get(key, default)

    def enabled(self, key: str) -> bool:
        return self.config(key, "true") != "false"

    def integer(self, key: str, default: int) -> int:
        value = self.config(key)
        return int(value) if integer_text(value) else default

    def refresh(self) -> None:
        config = self.agent.station.model.config
        for key, compute in self.live.items():
            config[key] = compute()

    def value(self, key: str) -> str:
        compute = self.live.get(key)
        return compute() if compute is not None else self.config(key)

    def lookup(self, component: m.ComponentType, variable: m.VariableType) -> Var | str:
        """The variable, or the status saying which part is unknown."""
        evse = component.evse
        key = key_of(
            component.name,
            variable.name,
            None if evse is None else evse.id,
            None if evse is None else evse.connectorId,
            component.instance,
            variable.instance,
        )
        var = self.variables.get(key)
        if var is not None:
            return var
        wanted = (
            component.name,
            component.instance,
            None if evse is None else evse.id,
            None if evse is None else evse.connectorId,
        )
        return "UnknownVariable" if wanted in self.components else "UnknownComponent"

    def write(self, var: Var, value: str) -> str | None:
        """Write a value; the reason code when refused (ReadOnly, InvalidValue, ...)."""
        if var.mutability is RO:
            return "ReadOnly"
        reason = invalid(var, value, self.integer("DeviceDataCtrlr.ConfigurationValueSize", 1000))
        if reason is not None:
            return reason
        self.agent.station.model.config[var.key] = value
        self.apply(var.key, value)
        return None

    def apply(self, key: str, value: str) -> None:
        """What a written value changes in the running station."""
        station = self.agent.station
        if key == HEARTBEAT_INTERVAL:
            station.heartbeat_interval = int(value)
        elif key == TX_UPDATED_INTERVAL:
            # 0 means no periodic samples; the runtime's loop then waits forever
            station.meter_interval = float(value) if int(value) > 0 else math.inf
        elif key == ALIGNED_INTERVAL:
            station.clock_aligned_interval = float(value)
        elif key == RETRY_MINIMUM:
            station.reconnect_min = max(float(value), 0.05)

    def measurands(self, context: str) -> set[str]:
        key = MEASURAND_KEYS.get(context, "SampledDataCtrlr.TxUpdatedMeasurands")
        return {v.strip() for v in self.config(key, MEASURANDS).split(",") if v.strip()}

    def report_data(self, var: Var) -> m.ReportDataType:
        value = self.value(var.key)[: self.integer("DeviceDataCtrlr.ReportingValueSize", 2500)]
        attribute = m.VariableAttributeType(
            type=m.AttributeEnumType.Actual,
            value=value,
            mutability=var.mutability,
            persistent=var.key not in self.live,
            constant=var.mutability is RO and var.key not in self.live,
        )
        return m.ReportDataType(
            component=var.component_type(),
            variable=var.variable_type(),
            variableAttribute=[attribute],
            variableCharacteristics=var.characteristics(),
        )
