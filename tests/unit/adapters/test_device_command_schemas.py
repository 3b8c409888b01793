"""The smart charging, device model, display and cost commands render requests that the OCA
JSON schemas accept, in every version that has them, with every optional field used."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest

from ampyre.adapters import capabilities
from ampyre.domain.commands import Command
from ampyre.domain.device_model import (
    ClearVariableMonitoring,
    ComponentCriterion,
    ComponentRef,
    ComponentVariable,
    GetBaseReport,
    GetMonitoringReport,
    GetReport,
    MonitoringBase,
    MonitoringCriterion,
    MonitorSetting,
    MonitorType,
    ReportBase,
    SetMonitoringBase,
    SetMonitoringLevel,
    SetVariableMonitoring,
    VariableRef,
)
from ampyre.domain.display import (
    ClearDisplayMessage,
    DisplayMessage,
    GetDisplayMessages,
    MessageFormat,
    MessagePriority,
    MessageState,
    SetDisplayMessage,
)
from ampyre.domain.smart_charging import (
    ChargingProfile,
    ChargingSchedule,
    ClearChargingProfile,
    GetChargingProfiles,
    GetCompositeSchedule,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
    Recurrency,
    SchedulePeriod,
    SetChargingProfile,
)
from ampyre.domain.tariff_cost import CostUpdated
from ampyre.protocol.versions import OcppVersion

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = {
    OcppVersion.V16: ("spec/ocpp16-json", ""),
    OcppVersion.V201: ("spec/ocpp201-json", "Request"),
}
AT = datetime(2030, 1, 1, 6, 30, tzinfo=UTC)

PROFILE = ChargingProfile(
    id=4,
    stack_level=2,
    purpose=ProfilePurpose.TX,
    kind=ProfileKind.RECURRING,
    recurrency=Recurrency.DAILY,
    valid_from=AT,
    valid_to=AT.replace(year=2031),
    transaction_ref="17",
    schedule=ChargingSchedule(
        unit=RateUnit.W,
        start=AT,
        duration_s=86400,
        min_rate=1000.0,
        periods=(
            SchedulePeriod(start_s=0, limit=11000.0, phases=3),
            SchedulePeriod(start_s=3600, limit=3680.0, phases=1),
        ),
    ),
)
HEARTBEAT = ComponentVariable(
    component=ComponentRef(name="EVSE", instance="main", evse_id=1, connector_id=1),
    variable=VariableRef(name="Power", instance="max"),
)
MONITOR = MonitorSetting(
    id=3,
    component=HEARTBEAT.component,
    variable=VariableRef(name="Power"),
    type=MonitorType.UPPER_THRESHOLD,
    value=22000.0,
    severity=4,
    transaction=True,
)

COMMANDS: list[Command] = [
    SetChargingProfile(evse_id=1, profile=PROFILE, transaction_id=9),
    ClearChargingProfile(profile_id=4),
    ClearChargingProfile(evse_id=1, purpose=ProfilePurpose.TX_DEFAULT, stack_level=1),
    GetChargingProfiles(
        evse_id=1,
        purpose=ProfilePurpose.STATION_MAX,
        stack_level=0,
        profile_ids=(1, 2),
        sources=("CSO", "EMS"),
        request_id=7,
    ),
    GetCompositeSchedule(evse_id=0, duration_s=3600, unit=RateUnit.A),
    GetBaseReport(report_base=ReportBase.SUMMARY_INVENTORY, request_id=7),
    GetReport(variables=(HEARTBEAT,), criteria=(ComponentCriterion.PROBLEM,), request_id=7),
    GetMonitoringReport(
        variables=(HEARTBEAT,), criteria=(MonitoringCriterion.DELTA,), request_id=7
    ),
    SetVariableMonitoring(monitors=(MONITOR,)),
    ClearVariableMonitoring(monitor_ids=(3, 4)),
    SetMonitoringBase(base=MonitoringBase.HARD_WIRED_ONLY),
    SetMonitoringLevel(severity=9),
    SetDisplayMessage(
        message=DisplayMessage(
            id=1,
            priority=MessagePriority.ALWAYS_FRONT,
            content="Tarif: 0,30 EUR/kWh",
            format=MessageFormat.UTF8,
            language="fr",
            state=MessageState.CHARGING,
            starts_at=AT,
            ends_at=AT.replace(hour=8),
            transaction_ref="tx-1",
            display="DisplayMessageCtrlr",
        ),
        transaction_id=9,
    ),
    GetDisplayMessages(
        ids=(1,), priority=MessagePriority.IN_FRONT, state=MessageState.IDLE, request_id=7
    ),
    ClearDisplayMessage(message_id=1),
    CostUpdated(transaction_id=9, transaction_ref="tx-1", total_cost=12.5),
]


def _schema(version: OcppVersion, action: str) -> dict[str, Any]:
    folder, suffix = SCHEMAS[version]
    text = (ROOT / folder / f"{action}{suffix}.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@pytest.mark.parametrize("version", [OcppVersion.V16, OcppVersion.V201], ids=str)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: f"{c.name}")
def test_requests_match_the_schema(version: OcppVersion, command: Command) -> None:
    codec = capabilities.codec(version, command)
    if codec is None:
        # only 2.0.1 has these; 1.6 refuses them before sending
        assert version is OcppVersion.V16
        assert capabilities.unsupported(version, command) == (
            f"OCPP 1.6 has no message for {command.name}"
        )
        assert not isinstance(
            command, SetChargingProfile | ClearChargingProfile | GetCompositeSchedule
        )
        return
    payload = json.loads(msgspec.json.encode(codec.request(command)))
    schema = _schema(version, codec.action)
    jsonschema.validators.validator_for(schema)(schema).validate(payload)
