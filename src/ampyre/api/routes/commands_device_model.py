"""Device management commands (2.0.1): base and custom reports, variable monitoring; and the
monitors a station holds as we know them. 1.x stations have none of these: 409."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, model_validator

from ampyre.api.auth import Operator, Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.problems import responses
from ampyre.api.routes.commands import COMMAND_PROBLEMS, Body, CommandResult, run
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
    MonitorState,
    MonitorType,
    ReportBase,
    SetMonitoringBase,
    SetMonitoringLevel,
    SetVariableMonitoring,
    StoredMonitor,
    VariableRef,
    component_document,
    variable_document,
)

router = APIRouter(tags=["device model"])

Ctx = Annotated[ApiContext, Depends(context)]

REPORTS_NOTE = (
    " The report parts come after the answer with the command id as their requestId: "
    "GET /commands/{id}/reports collects them. 2.0.1 only (1.x: 409)."
)


class ComponentBody(Body):
    name: str = Field(min_length=1, max_length=50, examples=["OCPPCommCtrlr"])
    instance: str | None = Field(default=None, max_length=50)
    evse_id: int | None = Field(default=None, ge=0)
    connector_id: int | None = Field(default=None, ge=1, description="needs evse_id")

    @model_validator(mode="after")
    def _connector_needs_evse(self) -> Self:
        if self.connector_id is not None and self.evse_id is None:
            raise ValueError("a component's connector_id needs its evse_id")
        return self

    def domain(self) -> ComponentRef:
        return ComponentRef(
            name=self.name,
            instance=self.instance,
            evse_id=self.evse_id,
            connector_id=self.connector_id,
        )


class VariableBody(Body):
    name: str = Field(min_length=1, max_length=50, examples=["HeartbeatInterval"])
    instance: str | None = Field(default=None, max_length=50)

    def domain(self) -> VariableRef:
        return VariableRef(name=self.name, instance=self.instance)


class ComponentVariableBody(Body):
    component: ComponentBody
    variable: VariableBody | None = Field(default=None, description="absent: all its variables")

    def domain(self) -> ComponentVariable:
        return ComponentVariable(
            component=self.component.domain(),
            variable=None if self.variable is None else self.variable.domain(),
        )


class BaseReportBody(Body):
    report_base: ReportBase = Field(description="which inventory")


@router.post(
    "/stations/{station_id}/commands/get-base-report",
    summary="Ask for a base report (configuration, full or summary inventory)",
    description="ConfigurationInventory, FullInventory or SummaryInventory." + REPORTS_NOTE,
    responses=COMMAND_PROBLEMS,
)
async def get_base_report(
    station_id: str, body: BaseReportBody, _: Operator, ctx: Ctx
) -> CommandResult:
    return await run(ctx, station_id, GetBaseReport(report_base=body.report_base))


class ReportBody(Body):
    variables: list[ComponentVariableBody] = Field(default_factory=list, max_length=100)
    criteria: list[ComponentCriterion] = Field(
        default_factory=list, max_length=4, description="components that are Active, ..."
    )


@router.post(
    "/stations/{station_id}/commands/get-report",
    summary="Ask for a report of chosen components and variables",
    description="Components (and variables) to report, and/or component criteria (Active, "
    "Available, Enabled, Problem); nothing: everything. The station answers EmptyResultSet "
    "when nothing matches." + REPORTS_NOTE,
    responses=COMMAND_PROBLEMS,
)
async def get_report(station_id: str, body: ReportBody, _: Operator, ctx: Ctx) -> CommandResult:
    command = GetReport(
        variables=tuple(v.domain() for v in body.variables), criteria=tuple(body.criteria)
    )
    return await run(ctx, station_id, command)


class MonitoringReportBody(Body):
    variables: list[ComponentVariableBody] = Field(default_factory=list, max_length=100)
    criteria: list[MonitoringCriterion] = Field(default_factory=list, max_length=3)


@router.post(
    "/stations/{station_id}/commands/get-monitoring-report",
    summary="Ask for a report of the monitors set",
    description="Monitors of chosen components (and variables), of chosen kinds "
    "(ThresholdMonitoring, DeltaMonitoring, PeriodicMonitoring); nothing: all." + REPORTS_NOTE,
    responses=COMMAND_PROBLEMS,
)
async def get_monitoring_report(
    station_id: str, body: MonitoringReportBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = GetMonitoringReport(
        variables=tuple(v.domain() for v in body.variables), criteria=tuple(body.criteria)
    )
    return await run(ctx, station_id, command)


class MonitorBody(Body):
    id: int | None = Field(
        default=None, ge=0, description="the station's id of a monitor to replace; absent: new"
    )
    component: ComponentBody
    variable: VariableBody
    type: MonitorType
    value: float = Field(description="threshold, delta, or period in seconds")
    severity: int = Field(ge=0, le=9, description="0 most urgent .. 9 debug")
    transaction: bool = Field(default=False, description="only while a transaction runs")

    def domain(self) -> MonitorSetting:
        return MonitorSetting(
            id=self.id,
            component=self.component.domain(),
            variable=self.variable.domain(),
            type=self.type,
            value=self.value,
            severity=self.severity,
            transaction=self.transaction,
        )


class SetMonitoringBody(Body):
    monitors: list[MonitorBody] = Field(min_length=1, max_length=100)


@router.post(
    "/stations/{station_id}/commands/set-variable-monitoring",
    summary="Set monitors on variables",
    description="`result.results` has each monitor's outcome and the id the station gave it, "
    "in order; `status` is their common status or `Mixed`. Accepted monitors are kept: "
    "GET /stations/{id}/monitors. 2.0.1 only (1.x: 409).",
    responses=COMMAND_PROBLEMS,
)
async def set_variable_monitoring(
    station_id: str, body: SetMonitoringBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = SetVariableMonitoring(monitors=tuple(m.domain() for m in body.monitors))
    return await run(ctx, station_id, command)


class ClearMonitoringBody(Body):
    monitor_ids: list[int] = Field(min_length=1, max_length=100)


@router.post(
    "/stations/{station_id}/commands/clear-variable-monitoring",
    summary="Clear monitors by id",
    description="`result.results`: each id's outcome (Accepted, Rejected, NotFound). "
    "2.0.1 only (1.x: 409).",
    responses=COMMAND_PROBLEMS,
)
async def clear_variable_monitoring(
    station_id: str, body: ClearMonitoringBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = ClearVariableMonitoring(monitor_ids=tuple(body.monitor_ids))
    return await run(ctx, station_id, command)


class MonitoringBaseBody(Body):
    base: MonitoringBase = Field(
        description="All; FactoryDefault or HardWiredOnly remove every custom monitor"
    )


@router.post(
    "/stations/{station_id}/commands/set-monitoring-base",
    summary="Choose which monitors are active",
    description="2.0.1 only (1.x: 409).",
    responses=COMMAND_PROBLEMS,
)
async def set_monitoring_base(
    station_id: str, body: MonitoringBaseBody, _: Operator, ctx: Ctx
) -> CommandResult:
    return await run(ctx, station_id, SetMonitoringBase(base=body.base))


class MonitoringLevelBody(Body):
    severity: int = Field(ge=0, le=9, description="report events this urgent or more")


@router.post(
    "/stations/{station_id}/commands/set-monitoring-level",
    summary="Report only events of a severity or more urgent",
    description="2.0.1 only (1.x: 409).",
    responses=COMMAND_PROBLEMS,
)
async def set_monitoring_level(
    station_id: str, body: MonitoringLevelBody, _: Operator, ctx: Ctx
) -> CommandResult:
    return await run(ctx, station_id, SetMonitoringLevel(severity=body.severity))


# --- what is kept -----------------------------------------------------------------------------


class Monitor(BaseModel):
    monitor_id: int = Field(description="the station's id for it")
    component: dict[str, Any]
    variable: dict[str, Any]
    type: MonitorType
    value: float
    severity: int
    transaction: bool
    state: MonitorState
    set_by: int = Field(description="the set-variable-monitoring command")
    set_at: datetime
    ended_at: datetime | None
    ended_by: int | None


def _monitor(stored: StoredMonitor) -> Monitor:
    setting = stored.setting
    return Monitor(
        monitor_id=stored.monitor_id,
        component=component_document(setting.component),
        variable=variable_document(setting.variable),
        type=setting.type,
        value=setting.value,
        severity=setting.severity,
        transaction=setting.transaction,
        state=stored.state,
        set_by=stored.set_by,
        set_at=stored.set_at,
        ended_at=stored.ended_at,
        ended_by=stored.ended_by,
    )


@router.get(
    "/stations/{station_id}/monitors",
    summary="The variable monitors a station holds, as we know them",
    description="What accepted set-variable-monitoring commands set and nothing ended since; "
    "`history=true` adds the cleared and replaced ones.",
    responses=responses(401, 404, 422),
)
async def monitors(
    station_id: str, _: Reader, ctx: Ctx, history: Annotated[bool, Query()] = False
) -> list[Monitor]:
    return [_monitor(m) for m in await ctx.monitoring.monitors(station_id, not history)]
