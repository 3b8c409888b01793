"""The OCPP 2.0.1 device model variables of the simulated station, as part 2's appendices
list them, with their metadata (data type, unit, limits, value lists) and value checks.

A variable's value lives in `model.config` under "Component.Variable": "Component[evse]" or
"Component[evse:connector]" for EVSE and connector components, "Variable[instance]" for a
variable instance ("DeviceDataCtrlr.ItemsPerMessage[GetReport]") and "Component(instance)"
for a component instance.
"""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ampyre.messages.v201 import types as m

if TYPE_CHECKING:
    from ampyre.simulator.station import SimulatedStation

DT = m.DataEnumType
RO = m.MutabilityEnumType.ReadOnly
RW = m.MutabilityEnumType.ReadWrite

MEASURANDS = "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC"
ALL_MEASURANDS = ",".join(v.value for v in m.MeasurandEnumType)
AVAILABILITY = "Available,Occupied,Reserved,Unavailable,Faulted"
TX_POINTS = "ParkingBayOccupancy,EVConnected,Authorized,DataSigned,PowerPathClosed,EnergyTransfer"

HEARTBEAT_INTERVAL = "OCPPCommCtrlr.HeartbeatInterval"
TX_UPDATED_INTERVAL = "SampledDataCtrlr.TxUpdatedInterval"
ALIGNED_INTERVAL = "AlignedDataCtrlr.Interval"
RETRY_MINIMUM = "OCPPCommCtrlr.RetryBackOffWaitMinimum"
#: the measurands configured per reading context
MEASURAND_KEYS = {
    "Transaction.Begin": "SampledDataCtrlr.TxStartedMeasurands",
    "Sample.Periodic": "SampledDataCtrlr.TxUpdatedMeasurands",
    "Trigger": "SampledDataCtrlr.TxUpdatedMeasurands",
    "Transaction.End": "SampledDataCtrlr.TxEndedMeasurands",
    "Sample.Clock": "AlignedDataCtrlr.Measurands",
}


def key_of(
    component: str,
    variable: str,
    evse: int | None = None,
    connector: int | None = None,
    component_instance: str | None = None,
    variable_instance: str | None = None,
) -> str:
    name = component if component_instance is None else f"{component}({component_instance})"
    if evse is not None:
        name += f"[{evse}]" if connector is None else f"[{evse}:{connector}]"
    return f"{name}.{variable if variable_instance is None else f'{variable}[{variable_instance}]'}"


@dataclasses.dataclass(frozen=True)
class Var:
    component: str
    variable: str
    value: str
    data_type: m.DataEnumType = DT.string
    mutability: m.MutabilityEnumType = RW
    unit: str | None = None
    values_list: str | None = None
    min_limit: float | None = None
    max_limit: float | None = None
    evse: int | None = None
    connector: int | None = None
    component_instance: str | None = None
    variable_instance: str | None = None

    @property
    def key(self) -> str:
        return key_of(
            self.component,
            self.variable,
            self.evse,
            self.connector,
            self.component_instance,
            self.variable_instance,
        )

    @property
    def component_id(self) -> tuple[str, str | None, int | None, int | None]:
        return (self.component, self.component_instance, self.evse, self.connector)

    @property
    def monitorable(self) -> bool:
        numeric = self.data_type in (DT.integer, DT.decimal, DT.boolean)
        return numeric or self.variable == "AvailabilityState"

    def component_type(self) -> m.ComponentType:
        evse = None
        if self.evse is not None:
            evse = m.EVSEType(id=self.evse, connectorId=self.connector)
        return m.ComponentType(name=self.component, instance=self.component_instance, evse=evse)

    def variable_type(self) -> m.VariableType:
        return m.VariableType(name=self.variable, instance=self.variable_instance)

    def characteristics(self) -> m.VariableCharacteristicsType:
        return m.VariableCharacteristicsType(
            unit=self.unit,
            dataType=self.data_type,
            minLimit=self.min_limit,
            maxLimit=self.max_limit,
            valuesList=self.values_list,
            supportsMonitoring=self.monitorable,
        )


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _seconds(value: float) -> str:
    """Whole seconds as the integer the device model holds (sub-second test intervals kept)."""
    return str(int(value)) if math.isfinite(value) and value.is_integer() else f"{value:g}"


def _integer(
    component: str,
    variable: str,
    value: int | str,
    mutability: m.MutabilityEnumType = RW,
    **kw: Any,
) -> Var:
    return Var(component, variable, str(value), DT.integer, mutability, **kw)


def _boolean(
    component: str, variable: str, value: bool, mutability: m.MutabilityEnumType = RW, **kw: Any
) -> Var:
    return Var(component, variable, _flag(value), DT.boolean, mutability, **kw)


def seed(station: SimulatedStation) -> list[Var]:
    """A realistic device model for an AC station without ISO 15118 (part 2, appendix 3)."""
    model, curve = station.model, station.curve
    s = "s"
    found: list[Var] = [
        Var("ChargingStation", "AvailabilityState", "Available", DT.OptionList, RO,
            values_list=AVAILABILITY),
        _boolean("ChargingStation", "Available", True, RO),
        Var("ChargingStation", "Model", model.model, mutability=RO),
        Var("ChargingStation", "VendorName", model.vendor, mutability=RO),
        _integer("ChargingStation", "SupplyPhases", curve.phases, RO),
        _integer("OCPPCommCtrlr", "HeartbeatInterval", 300, unit=s, min_limit=1),
        _integer("OCPPCommCtrlr", "OfflineThreshold", 300, unit=s, min_limit=0),
        _integer("OCPPCommCtrlr", "MessageTimeout", round(station.call_timeout), RO, unit=s,
                 variable_instance="Default"),
        _integer("OCPPCommCtrlr", "MessageAttempts", 3, min_limit=0,
                 variable_instance="TransactionEvent"),
        _integer("OCPPCommCtrlr", "MessageAttemptInterval", 60, unit=s, min_limit=0,
                 variable_instance="TransactionEvent"),
        Var("OCPPCommCtrlr", "NetworkConfigurationPriority", "0", mutability=RO),
        _integer("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", 3, min_limit=1),
        _integer("OCPPCommCtrlr", "ResetRetries", 2, min_limit=0),
        Var("OCPPCommCtrlr", "FileTransferProtocols", "HTTP,HTTPS", DT.MemberList, RO,
            values_list="FTP,FTPS,HTTP,HTTPS,SFTP"),
        _boolean("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", True),
        _integer("OCPPCommCtrlr", "WebSocketPingInterval", 0, unit=s, min_limit=0),
        _integer("OCPPCommCtrlr", "RetryBackOffWaitMinimum", round(station.reconnect_min),
                 unit=s, min_limit=0),
        _integer("OCPPCommCtrlr", "RetryBackOffRandomRange", round(station.reconnect_min),
                 unit=s, min_limit=0),
        _integer("OCPPCommCtrlr", "RetryBackOffRepeatTimes", 5, min_limit=0),
        _boolean("OCPPCommCtrlr", "QueueAllMessages", False, RO),
        Var("ClockCtrlr", "DateTime", "", DT.dateTime, RO),
        Var("ClockCtrlr", "TimeSource", "Heartbeat", DT.SequenceList, values_list=(
            "Heartbeat,NTP,GPS,RealTimeClock,MobileNetwork,RadioTimeTransmitter")),
        _integer("ClockCtrlr", "TimeAdjustmentReportingThreshold", 20, unit=s, min_limit=0),
        _integer("SecurityCtrlr", "SecurityProfile", 2 if station.url.startswith("wss") else 1,
                 RO),
        Var("SecurityCtrlr", "OrganizationName", "Ampyre"),
        Var("SecurityCtrlr", "Identity", model.station_id, mutability=RO),
        _integer("SecurityCtrlr", "CertificateEntries", 0, RO, max_limit=10),
        _integer("SecurityCtrlr", "MaxCertificateChainSize", 10000, RO),
        _integer("SecurityCtrlr", "CertSigningRepeatTimes", 3, min_limit=0),
        _integer("SecurityCtrlr", "CertSigningWaitMinimum", 60, unit=s, min_limit=0),
        _boolean("AuthCtrlr", "Enabled", True),
        _boolean("AuthCtrlr", "AuthorizeRemoteStart", False),
        _boolean("AuthCtrlr", "LocalAuthorizeOffline", True),
        _boolean("AuthCtrlr", "LocalPreAuthorize", False),
        _boolean("AuthCtrlr", "OfflineTxForUnknownIdEnabled", False),
        _boolean("AuthCtrlr", "DisableRemoteAuthorization", False),
        _boolean("AuthCacheCtrlr", "Available", True, RO),
        _boolean("AuthCacheCtrlr", "Enabled", True),
        _integer("AuthCacheCtrlr", "LifeTime", 86400, unit=s, min_limit=0),
        Var("AuthCacheCtrlr", "Policy", "LRU", DT.OptionList, RO,
            values_list="LRU,LFU,FIFO,CUSTOM"),
        _boolean("LocalAuthListCtrlr", "Available", True, RO),
        _boolean("LocalAuthListCtrlr", "Enabled", True),
        _integer("LocalAuthListCtrlr", "Entries", 0, RO, max_limit=1000),
        _integer("LocalAuthListCtrlr", "ItemsPerMessage", 100, RO),
        _integer("LocalAuthListCtrlr", "BytesPerMessage", 65536, RO),
        _integer("TxCtrlr", "EVConnectionTimeOut", 120, unit=s, min_limit=0),
        _boolean("TxCtrlr", "StopTxOnEVSideDisconnect", True, RO),
        _boolean("TxCtrlr", "StopTxOnInvalidId", True),
        Var("TxCtrlr", "TxStartPoint", "PowerPathClosed", DT.MemberList, RO,
            values_list=TX_POINTS),
        Var("TxCtrlr", "TxStopPoint", "EVConnected,Authorized", DT.MemberList, RO,
            values_list=TX_POINTS),
        _boolean("SampledDataCtrlr", "Available", True, RO),
        _boolean("SampledDataCtrlr", "Enabled", True),
        _boolean("SampledDataCtrlr", "SignReadings", False, RO),
        _boolean("SampledDataCtrlr", "RegisterValuesWithoutPhases", True, RO),
        Var("SampledDataCtrlr", "TxStartedMeasurands", MEASURANDS, DT.MemberList,
            values_list=ALL_MEASURANDS),
        Var("SampledDataCtrlr", "TxUpdatedMeasurands", MEASURANDS, DT.MemberList,
            values_list=ALL_MEASURANDS),
        Var("SampledDataCtrlr", "TxEndedMeasurands", MEASURANDS, DT.MemberList,
            values_list=ALL_MEASURANDS),
        Var("SampledDataCtrlr", "TxUpdatedInterval", _seconds(station.meter_interval), DT.integer,
            unit=s, min_limit=0),
        _integer("SampledDataCtrlr", "TxEndedInterval", 0, unit=s, min_limit=0),
        _boolean("AlignedDataCtrlr", "Available", True, RO),
        _boolean("AlignedDataCtrlr", "Enabled", True),
        Var("AlignedDataCtrlr", "Interval", _seconds(station.clock_aligned_interval),
            DT.integer, unit=s, min_limit=0),
        Var("AlignedDataCtrlr", "Measurands", "Energy.Active.Import.Register", DT.MemberList,
            values_list=ALL_MEASURANDS),
        _integer("AlignedDataCtrlr", "TxEndedInterval", 0, unit=s, min_limit=0),
        Var("AlignedDataCtrlr", "TxEndedMeasurands", "Energy.Active.Import.Register",
            DT.MemberList, values_list=ALL_MEASURANDS),
        _boolean("AlignedDataCtrlr", "SendDuringIdle", False),
        _boolean("ReservationCtrlr", "Available", True, RO),
        _boolean("ReservationCtrlr", "Enabled", True),
        _boolean("ReservationCtrlr", "NonEvseSpecific", True, RO),
        _boolean("SmartChargingCtrlr", "Available", True, RO),
        _boolean("SmartChargingCtrlr", "Enabled", True),
        _integer("SmartChargingCtrlr", "Entries", 0, RO, max_limit=16,
                 variable_instance="ChargingProfiles"),
        Var("SmartChargingCtrlr", "LimitChangeSignificance", "1.0", DT.decimal, unit="Percent",
            min_limit=0, max_limit=100),
        _integer("SmartChargingCtrlr", "PeriodsPerSchedule", 24, RO),
        _integer("SmartChargingCtrlr", "ProfileStackLevel", 8, RO),
        Var("SmartChargingCtrlr", "RateUnit", "A,W", DT.MemberList, RO, values_list="A,W"),
        _boolean("SmartChargingCtrlr", "Phases3to1", False, RO),
        _boolean("DisplayMessageCtrlr", "Available", True, RO),
        _boolean("DisplayMessageCtrlr", "Enabled", True),
        _integer("DisplayMessageCtrlr", "DisplayMessages", 0, RO, max_limit=10),
        Var("DisplayMessageCtrlr", "SupportedFormats", "ASCII,UTF8", DT.MemberList, RO,
            values_list="ASCII,HTML,URI,UTF8"),
        Var("DisplayMessageCtrlr", "SupportedPriorities", "AlwaysFront,InFront,NormalCycle",
            DT.MemberList, RO, values_list="AlwaysFront,InFront,NormalCycle"),
        _boolean("MonitoringCtrlr", "Available", True, RO),
        _boolean("MonitoringCtrlr", "Enabled", True),
        Var("MonitoringCtrlr", "ActiveMonitoringBase", "All", DT.OptionList, RO,
            values_list="All,FactoryDefault,HardWiredOnly"),
        _integer("MonitoringCtrlr", "ActiveMonitoringLevel", 9, RO, min_limit=0, max_limit=9),
        _integer("MonitoringCtrlr", "ItemsPerMessage", 20, RO,
                 variable_instance="SetVariableMonitoring"),
        _integer("MonitoringCtrlr", "BytesPerMessage", 65536, RO,
                 variable_instance="SetVariableMonitoring"),
        _integer("MonitoringCtrlr", "ItemsPerMessage", 20, RO,
                 variable_instance="ClearVariableMonitoring"),
        _boolean("TariffCostCtrlr", "Available", False, RO, variable_instance="Tariff"),
        _boolean("TariffCostCtrlr", "Available", True, RO, variable_instance="Cost"),
        _boolean("TariffCostCtrlr", "Enabled", True, variable_instance="Cost"),
        Var("TariffCostCtrlr", "Currency", "EUR"),
        Var("TariffCostCtrlr", "TariffFallbackMessage", "Ask the operator for the price."),
        Var("TariffCostCtrlr", "TotalCostFallbackMessage", "Your bill follows by e-mail."),
    ]  # fmt: skip
    for instance in ("GetReport", "GetVariables", "SetVariables"):
        found += [
            _integer("DeviceDataCtrlr", "ItemsPerMessage", 50, RO, variable_instance=instance),
            _integer("DeviceDataCtrlr", "BytesPerMessage", 65536, RO, variable_instance=instance),
        ]
    found += [
        _integer("DeviceDataCtrlr", "ConfigurationValueSize", 1000, RO),
        _integer("DeviceDataCtrlr", "ReportingValueSize", 2500, RO),
        _integer("DeviceDataCtrlr", "ValueSize", 1000, RO),
    ]
    for evse in model.evses:
        found += [
            Var("EVSE", "AvailabilityState", "Available", DT.OptionList, RO,
                values_list=AVAILABILITY, evse=evse.id),
            _boolean("EVSE", "Available", True, RO, evse=evse.id),
            Var("EVSE", "Power", "0", DT.decimal, RO, unit="W", max_limit=curve.max_power_w,
                evse=evse.id),
            _integer("EVSE", "SupplyPhases", curve.phases, RO, evse=evse.id),
            _boolean("EVSE", "AllowReset", False, RO, evse=evse.id),
        ]  # fmt: skip
        for plug in evse.connectors:
            found += [
                Var("Connector", "AvailabilityState", "Available", DT.OptionList, RO,
                    values_list=AVAILABILITY, evse=evse.id, connector=plug.id),
                _boolean("Connector", "Available", True, RO, evse=evse.id, connector=plug.id),
                Var("Connector", "ConnectorType", "cType2", mutability=RO, evse=evse.id,
                    connector=plug.id),
                _integer("Connector", "SupplyPhases", curve.phases, RO, evse=evse.id,
                         connector=plug.id),
            ]  # fmt: skip
    return found


_INTEGER = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")


def integer_text(value: str) -> bool:
    return _INTEGER.fullmatch(value) is not None


def invalid(var: Var, value: str, max_size: int) -> str | None:
    """Why `value` cannot be set on `var` (a reason code), or None."""
    if len(value) > max_size:
        return "ValueTooHigh"
    kind = var.data_type
    number: float | None = None
    if kind is DT.integer:
        if not _INTEGER.fullmatch(value):
            return "InvalidValue"
        number = int(value)
    elif kind is DT.decimal:
        if not _DECIMAL.fullmatch(value):
            return "InvalidValue"
        number = float(value)
    elif kind is DT.boolean and value not in ("true", "false"):
        return "InvalidValue"
    elif kind is DT.dateTime:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return "InvalidValue"
    elif kind in (DT.OptionList, DT.MemberList, DT.SequenceList):
        allowed = {v.strip() for v in (var.values_list or "").split(",")}
        items = [value] if kind is DT.OptionList else [v.strip() for v in value.split(",") if v]
        if any(item not in allowed for item in items):
            return "InvalidValue"
    if number is not None:
        if var.min_limit is not None and number < var.min_limit:
            return "ValueTooLow"
        if var.max_limit is not None and number > var.max_limit:
            return "ValueTooHigh"
    return None
