"""OCPP 2.0.1 device model access of the simulated station (B05-B08): Get/SetVariables, and
base and custom reports sent as NotifyReport messages (ItemsPerMessage each, seqNo, tbc).

A custom report's componentCriteria select a component when any criterion holds: its variable
of that name is "true" (a component without an Available variable exists, so is Available).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

import msgspec

from ampyre.messages.v201 import types as m
from ampyre.protocol.errors import FormatViolation, OccurrenceConstraintViolation
from ampyre.simulator.agent_v201_variables import RO, Var, key_of

if TYPE_CHECKING:
    from ampyre.simulator.agent_v201 import AgentV201, Handler

T = TypeVar("T")

ACTUAL = m.AttributeEnumType.Actual
SUMMARY_VARIABLES = {"AvailabilityState", "Problem", "Tripped", "Overload", "Fallback"}


def matches(var: Var, wanted: m.ComponentVariableType) -> bool:
    """Whether `var` is selected by a GetReport/GetMonitoringReport componentVariable (an
    omitted evse, instance or variable selects all)."""
    component = wanted.component
    if component.name != var.component:
        return False
    if component.instance is not None and component.instance != var.component_instance:
        return False
    if component.evse is not None:
        if component.evse.id != var.evse:
            return False
        if component.evse.connectorId not in (None, var.connector):
            return False
    variable = wanted.variable
    if variable is None:
        return True
    return variable.name == var.variable and variable.instance in (None, var.variable_instance)


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    size = max(size, 1)
    return [items[i : i + size] for i in range(0, len(items), size)] or [items]


def info(reason: str | None) -> m.StatusInfoType | None:
    return None if reason is None else m.StatusInfoType(reasonCode=reason)


class Reports:
    def __init__(self, agent: AgentV201) -> None:
        self.agent = agent
        self.dm = agent.device_model

    def handlers(self) -> dict[str, Handler]:
        return {
            "GetVariables": self.get_variables,
            "SetVariables": self.set_variables,
            "GetBaseReport": self.get_base_report,
            "GetReport": self.get_report,
        }

    def within_limits(self, action: str, count: int, request: object) -> None:
        """Refuse, with a CALLERROR, a request carrying more items or bytes than
        DeviceDataCtrlr.ItemsPerMessage / BytesPerMessage[action] allow (B05, B06)."""
        items = self.dm.integer(f"DeviceDataCtrlr.ItemsPerMessage[{action}]", 50)
        if count > items:
            raise OccurrenceConstraintViolation(
                f"{count} items; DeviceDataCtrlr.ItemsPerMessage[{action}] is {items}"
            )
        size = len(msgspec.json.encode(request))
        limit = self.dm.integer(f"DeviceDataCtrlr.BytesPerMessage[{action}]", 65536)
        if size > limit:
            raise FormatViolation(
                f"{size} bytes; DeviceDataCtrlr.BytesPerMessage[{action}] is {limit}"
            )

    async def get_variables(self, req: m.GetVariablesRequest) -> m.GetVariablesResponse:
        self.within_limits("GetVariables", len(req.getVariableData), req)
        return m.GetVariablesResponse(getVariableResult=[self._get(d) for d in req.getVariableData])

    def _get(self, data: m.GetVariableDataType) -> m.GetVariableResultType:
        found = self.dm.lookup(data.component, data.variable)
        status = m.GetVariableStatusEnumType
        value = None
        if isinstance(found, str):
            outcome = status(found)
        elif data.attributeType not in (None, ACTUAL):
            outcome = status.NotSupportedAttributeType
        else:
            outcome = status.Accepted
            size = self.dm.integer("DeviceDataCtrlr.ReportingValueSize", 2500)
            value = self.dm.value(found.key)[:size]
        return m.GetVariableResultType(
            attributeStatus=outcome,
            attributeType=data.attributeType or ACTUAL,
            attributeValue=value,
            component=data.component,
            variable=data.variable,
        )

    async def set_variables(self, req: m.SetVariablesRequest) -> m.SetVariablesResponse:
        self.within_limits("SetVariables", len(req.setVariableData), req)
        results = []
        writes: list[tuple[Var, str, str]] = []
        status = m.SetVariableStatusEnumType
        for data in req.setVariableData:
            found = self.dm.lookup(data.component, data.variable)
            reason = None
            if isinstance(found, str):
                outcome = status(found)
            elif data.attributeType not in (None, ACTUAL):
                outcome = status.NotSupportedAttributeType
            else:
                before = self.dm.value(found.key)
                reason = self.dm.write(found, data.attributeValue)
                outcome = status.Accepted if reason is None else status.Rejected
                if reason is None:
                    writes.append((found, before, data.attributeValue))
            results.append(
                m.SetVariableResultType(
                    attributeType=data.attributeType or ACTUAL,
                    attributeStatus=outcome,
                    attributeStatusInfo=info(reason),
                    component=data.component,
                    variable=data.variable,
                )
            )
        self.agent.monitoring.written(writes)
        return m.SetVariablesResponse(setVariableResult=results)

    async def get_base_report(self, req: m.GetBaseReportRequest) -> m.GetBaseReportResponse:
        chosen = list(self.dm.variables.values())
        if req.reportBase == m.ReportBaseEnumType.ConfigurationInventory:
            chosen = [v for v in chosen if v.mutability is not RO]
        elif req.reportBase == m.ReportBaseEnumType.SummaryInventory:
            chosen = [v for v in chosen if v.variable in SUMMARY_VARIABLES]
        self.agent._later(self.send_report(req.requestId, chosen))
        return m.GetBaseReportResponse(status=m.GenericDeviceModelStatusEnumType.Accepted)

    async def get_report(self, req: m.GetReportRequest) -> m.GetReportResponse:
        chosen = list(self.dm.variables.values())
        if req.componentVariable:
            wanted = req.componentVariable
            chosen = [v for v in chosen if any(matches(v, w) for w in wanted)]
        if req.componentCriteria:
            criteria = req.componentCriteria
            chosen = [v for v in chosen if self._meets(v, criteria)]
        if not chosen:
            return m.GetReportResponse(
                status=m.GenericDeviceModelStatusEnumType.EmptyResultSet,
                statusInfo=info("NotFound"),
            )
        self.agent._later(self.send_report(req.requestId, chosen))
        return m.GetReportResponse(status=m.GenericDeviceModelStatusEnumType.Accepted)

    def _meets(self, var: Var, criteria: Sequence[m.ComponentCriterionEnumType]) -> bool:
        """A component meets a criterion when its variable of that name is "true"; one without
        an Available variable exists, so it is Available."""
        for criterion in criteria:
            key = key_of(
                var.component,
                criterion.value,
                var.evse,
                var.connector,
                var.component_instance,
            )
            if key not in self.dm.variables:
                if criterion is m.ComponentCriterionEnumType.Available:
                    return True
                continue
            if self.dm.value(key) == "true":
                return True
        return False

    async def send_report(self, request_id: int, chosen: Sequence[Var]) -> None:
        station = self.agent.station
        size = self.dm.integer("DeviceDataCtrlr.ItemsPerMessage[GetReport]", 50)
        parts = chunks(chosen, size)
        for seq, part in enumerate(parts):
            await self.agent.call(
                "NotifyReport",
                m.NotifyReportRequest(
                    requestId=request_id,
                    generatedAt=station.now(),
                    reportData=[self.dm.report_data(v) for v in part] or None,
                    tbc=seq < len(parts) - 1,
                    seqNo=seq,
                ),
            )
