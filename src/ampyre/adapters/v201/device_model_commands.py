"""Device management commands → OCPP 2.0.1 requests (B07-B08 reports, N02-N05 monitoring).

1.x has nothing like them (GetConfiguration answers at once and has no components), so they
have no 1.6 codec and are refused there with 409.
"""

from __future__ import annotations

from typing import Any

from ampyre.adapters.command_codec import Codecs, CommandCodec, raw
from ampyre.domain.commands import CommandReply
from ampyre.domain.device_model import (
    ClearVariableMonitoring,
    ComponentRef,
    ComponentVariable,
    GetBaseReport,
    GetMonitoringReport,
    GetReport,
    SetMonitoringBase,
    SetMonitoringLevel,
    SetVariableMonitoring,
    VariableRef,
)
from ampyre.messages.v201 import types as m


def _request_id(request_id: int | None) -> int:
    if request_id is None:
        raise ValueError("a report request needs its requestId (the command id)")
    return request_id


def component(ref: ComponentRef) -> m.ComponentType:
    evse = None
    if ref.evse_id is not None:
        evse = m.EVSEType(id=ref.evse_id, connectorId=ref.connector_id)
    return m.ComponentType(name=ref.name, instance=ref.instance, evse=evse)


def variable(ref: VariableRef) -> m.VariableType:
    return m.VariableType(name=ref.name, instance=ref.instance)


def _component_variables(
    wanted: tuple[ComponentVariable, ...],
) -> list[m.ComponentVariableType] | None:
    return [
        m.ComponentVariableType(
            component=component(w.component),
            variable=None if w.variable is None else variable(w.variable),
        )
        for w in wanted
    ] or None


def _base_report(command: GetBaseReport) -> m.GetBaseReportRequest:
    return m.GetBaseReportRequest(
        requestId=_request_id(command.request_id),
        reportBase=m.ReportBaseEnumType(command.report_base.value),
    )


def _report(command: GetReport) -> m.GetReportRequest:
    return m.GetReportRequest(
        requestId=_request_id(command.request_id),
        componentVariable=_component_variables(command.variables),
        componentCriteria=[m.ComponentCriterionEnumType(c.value) for c in command.criteria] or None,
    )


def _monitoring_report(command: GetMonitoringReport) -> m.GetMonitoringReportRequest:
    return m.GetMonitoringReportRequest(
        requestId=_request_id(command.request_id),
        componentVariable=_component_variables(command.variables),
        monitoringCriteria=[m.MonitoringCriterionEnumType(c.value) for c in command.criteria]
        or None,
    )


def _set_monitoring(command: SetVariableMonitoring) -> m.SetVariableMonitoringRequest:
    return m.SetVariableMonitoringRequest(
        setMonitoringData=[
            m.SetMonitoringDataType(
                id=s.id,
                transaction=s.transaction,
                value=s.value,
                type=m.MonitorEnumType(s.type.value),
                severity=s.severity,
                component=component(s.component),
                variable=variable(s.variable),
            )
            for s in command.monitors
        ]
    )


def _common(statuses: list[str]) -> str | None:
    """The status every result has, or `Mixed`."""
    if not statuses:
        return None
    return statuses[0] if len(set(statuses)) == 1 else "Mixed"


def _reason(info: Any) -> str | None:
    return None if info is None else str(info.reasonCode)


def _monitor_results(answer: Any, found: Any) -> CommandReply:
    """Each monitor's outcome by id, in order; `status` is their common status or Mixed."""
    results = [
        {"id": r.id, "status": str(r.status), "reason": _reason(r.statusInfo)} for r in found
    ]
    return CommandReply(
        status=_common([r["status"] for r in results]),
        details={"results": results},
        raw=raw(answer),
    )


def _set_monitoring_reply(command: SetVariableMonitoring, answer: Any) -> CommandReply:
    return _monitor_results(answer, answer.setMonitoringResult)


def _clear_monitoring(command: ClearVariableMonitoring) -> m.ClearVariableMonitoringRequest:
    return m.ClearVariableMonitoringRequest(id=list(command.monitor_ids))


def _clear_monitoring_reply(command: ClearVariableMonitoring, answer: Any) -> CommandReply:
    return _monitor_results(answer, answer.clearMonitoringResult)


CODECS: Codecs = {
    GetBaseReport: CommandCodec("GetBaseReport", _base_report),
    GetReport: CommandCodec("GetReport", _report),
    GetMonitoringReport: CommandCodec("GetMonitoringReport", _monitoring_report),
    SetVariableMonitoring: CommandCodec(
        "SetVariableMonitoring", _set_monitoring, _set_monitoring_reply
    ),
    ClearVariableMonitoring: CommandCodec(
        "ClearVariableMonitoring", _clear_monitoring, _clear_monitoring_reply
    ),
    SetMonitoringBase: CommandCodec(
        "SetMonitoringBase",
        lambda c: m.SetMonitoringBaseRequest(monitoringBase=m.MonitoringBaseEnumType(c.base.value)),
    ),
    SetMonitoringLevel: CommandCodec(
        "SetMonitoringLevel", lambda c: m.SetMonitoringLevelRequest(severity=c.severity)
    ),
}
