"""OCPP 2.0.1 variable monitoring of the simulated station (N02-N08): SetVariableMonitoring,
ClearVariableMonitoring, SetMonitoringBase/Level, GetMonitoringReport, and NotifyEvent.

Monitors are evaluated honestly but narrowly: Delta and threshold monitors fire when a write
(SetVariables) changes their variable, Periodic and PeriodicClockAligned monitors report
their variable's value on their own timer. Live values that change inside the station
(AvailabilityState, Power) are not watched. Every monitor here is a custom one: the station
has no hard-wired or preconfigured monitors.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from typing import TYPE_CHECKING

from ampyre.messages.v201 import types as m
from ampyre.simulator.agent_v201_reports import chunks, info, matches
from ampyre.simulator.agent_v201_variables import DT, Var

if TYPE_CHECKING:
    from ampyre.simulator.agent_v201 import AgentV201, Handler

MONITORING_CRITERIA = {
    m.MonitoringCriterionEnumType.ThresholdMonitoring: {
        m.MonitorEnumType.UpperThreshold,
        m.MonitorEnumType.LowerThreshold,
    },
    m.MonitoringCriterionEnumType.DeltaMonitoring: {m.MonitorEnumType.Delta},
    m.MonitoringCriterionEnumType.PeriodicMonitoring: {
        m.MonitorEnumType.Periodic,
        m.MonitorEnumType.PeriodicClockAligned,
    },
}


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


@dataclasses.dataclass
class Monitor:
    id: int
    var: Var
    type: m.MonitorEnumType
    value: float
    severity: int
    transaction: bool


class Monitoring:
    def __init__(self, agent: AgentV201) -> None:
        self.agent = agent
        self.dm = agent.device_model
        self.monitors: dict[int, Monitor] = {}
        self._ids = itertools.count(1)
        self._event_ids = itertools.count(1)

    def handlers(self) -> dict[str, Handler]:
        return {
            "SetVariableMonitoring": self.set_variable_monitoring,
            "ClearVariableMonitoring": self.clear_variable_monitoring,
            "SetMonitoringBase": self.set_monitoring_base,
            "SetMonitoringLevel": self.set_monitoring_level,
            "GetMonitoringReport": self.get_monitoring_report,
        }

    async def set_variable_monitoring(
        self, req: m.SetVariableMonitoringRequest
    ) -> m.SetVariableMonitoringResponse:
        results = []
        for data in req.setMonitoringData:
            status, reason, monitor_id = self._set(data)
            results.append(
                m.SetMonitoringResultType(
                    id=monitor_id,
                    status=status,
                    statusInfo=info(reason),
                    type=data.type,
                    component=data.component,
                    variable=data.variable,
                    severity=data.severity,
                )
            )
        return m.SetVariableMonitoringResponse(setMonitoringResult=results)

    def _set(
        self, data: m.SetMonitoringDataType
    ) -> tuple[m.SetMonitoringStatusEnumType, str | None, int | None]:
        status = m.SetMonitoringStatusEnumType
        kind = m.MonitorEnumType
        if not self.dm.enabled("MonitoringCtrlr.Enabled"):
            return status.Rejected, "NotEnabled", None
        found = self.dm.lookup(data.component, data.variable)
        if isinstance(found, str):
            return status(found), None, None
        numeric = found.data_type in (DT.integer, DT.decimal)
        thresholds = (kind.UpperThreshold, kind.LowerThreshold)
        if not found.monitorable or (data.type in thresholds and not numeric):
            return status.UnsupportedMonitorType, None, None
        if not 0 <= data.severity <= 9:
            return status.Rejected, "ValueOutOfRange", None
        periodic = data.type in (kind.Periodic, kind.PeriodicClockAligned)
        if (periodic and data.value <= 0) or (data.type is kind.Delta and data.value < 0):
            return status.Rejected, "ValueOutOfRange", None
        if data.id is not None:
            if data.id not in self.monitors:
                return status.Rejected, "NotFound", None
            monitor_id = data.id
        else:
            for other in self.monitors.values():
                same = (other.var.key, other.type, other.severity)
                if same == (found.key, data.type, data.severity):
                    return status.Duplicate, None, None
            monitor_id = next(self._ids)
        monitor = Monitor(
            monitor_id, found, data.type, data.value, data.severity, bool(data.transaction)
        )
        self.monitors[monitor_id] = monitor
        if periodic:
            self.agent._later(self._periodic(monitor))
        return status.Accepted, None, monitor_id

    async def clear_variable_monitoring(
        self, req: m.ClearVariableMonitoringRequest
    ) -> m.ClearVariableMonitoringResponse:
        status = m.ClearMonitoringStatusEnumType
        results = [
            m.ClearMonitoringResultType(
                id=i, status=status.Accepted if self.monitors.pop(i, None) else status.NotFound
            )
            for i in req.id
        ]
        return m.ClearVariableMonitoringResponse(clearMonitoringResult=results)

    async def set_monitoring_base(
        self, req: m.SetMonitoringBaseRequest
    ) -> m.SetMonitoringBaseResponse:
        # every monitor here is a custom one: FactoryDefault and HardWiredOnly remove them all
        if req.monitoringBase != m.MonitoringBaseEnumType.All:
            self.monitors.clear()
        self.agent.station.model.config["MonitoringCtrlr.ActiveMonitoringBase"] = (
            req.monitoringBase.value
        )
        return m.SetMonitoringBaseResponse(status=m.GenericDeviceModelStatusEnumType.Accepted)

    async def set_monitoring_level(
        self, req: m.SetMonitoringLevelRequest
    ) -> m.SetMonitoringLevelResponse:
        if not 0 <= req.severity <= 9:
            return m.SetMonitoringLevelResponse(
                status=m.GenericStatusEnumType.Rejected, statusInfo=info("ValueOutOfRange")
            )
        config = self.agent.station.model.config
        config["MonitoringCtrlr.ActiveMonitoringLevel"] = str(req.severity)
        return m.SetMonitoringLevelResponse(status=m.GenericStatusEnumType.Accepted)

    async def get_monitoring_report(
        self, req: m.GetMonitoringReportRequest
    ) -> m.GetMonitoringReportResponse:
        chosen = list(self.monitors.values())
        if req.componentVariable:
            wanted = req.componentVariable
            chosen = [c for c in chosen if any(matches(c.var, w) for w in wanted)]
        if req.monitoringCriteria:
            kinds: set[m.MonitorEnumType] = set()
            for criterion in req.monitoringCriteria:
                kinds |= MONITORING_CRITERIA[criterion]
            chosen = [c for c in chosen if c.type in kinds]
        if not chosen:
            return m.GetMonitoringReportResponse(
                status=m.GenericDeviceModelStatusEnumType.EmptyResultSet,
                statusInfo=info("NotFound"),
            )
        self.agent._later(self._report(req.requestId, chosen))
        return m.GetMonitoringReportResponse(status=m.GenericDeviceModelStatusEnumType.Accepted)

    async def _report(self, request_id: int, chosen: list[Monitor]) -> None:
        grouped: dict[str, list[Monitor]] = {}
        for monitor in chosen:
            grouped.setdefault(monitor.var.key, []).append(monitor)
        data = [
            m.MonitoringDataType(
                component=monitors[0].var.component_type(),
                variable=monitors[0].var.variable_type(),
                variableMonitoring=[
                    m.VariableMonitoringType(
                        id=c.id,
                        transaction=c.transaction,
                        value=c.value,
                        type=c.type,
                        severity=c.severity,
                    )
                    for c in monitors
                ],
            )
            for monitors in grouped.values()
        ]
        parts = chunks(data, self.dm.integer("DeviceDataCtrlr.ItemsPerMessage[GetReport]", 50))
        for seq, part in enumerate(parts):
            await self.agent.call(
                "NotifyMonitoringReport",
                m.NotifyMonitoringReportRequest(
                    monitor=list(part),
                    requestId=request_id,
                    tbc=seq < len(parts) - 1,
                    seqNo=seq,
                    generatedAt=self.agent.station.now(),
                ),
            )

    # --- events -----------------------------------------------------------------------------

    def _active(self, monitor: Monitor) -> bool:
        level = self.dm.integer("MonitoringCtrlr.ActiveMonitoringLevel", 9)
        return self.dm.enabled("MonitoringCtrlr.Enabled") and monitor.severity <= level

    def written(self, writes: list[tuple[Var, str, str]]) -> None:
        """Delta and threshold monitors on written variables: NotifyEvent after the answer."""
        events = []
        for var, before, after in writes:
            for monitor in self.monitors.values():
                if monitor.var.key != var.key or not self._active(monitor):
                    continue
                trigger = _fires(monitor, before, after)
                if trigger is not None:
                    events.append(self._event(monitor, trigger, after))
        if events:
            self.agent._later(self._notify(events))

    def _event(
        self, monitor: Monitor, trigger: m.EventTriggerEnumType, value: str
    ) -> m.EventDataType:
        return m.EventDataType(
            eventId=next(self._event_ids),
            timestamp=self.agent.station.now(),
            trigger=trigger,
            actualValue=value[:2500],
            component=monitor.var.component_type(),
            variable=monitor.var.variable_type(),
            variableMonitoringId=monitor.id,
            eventNotificationType=m.EventNotificationEnumType.CustomMonitor,
        )

    async def _notify(self, events: list[m.EventDataType]) -> None:
        await self.agent.call(
            "NotifyEvent",
            m.NotifyEventRequest(generatedAt=self.agent.station.now(), seqNo=0, eventData=events),
        )

    async def _periodic(self, monitor: Monitor) -> None:
        station = self.agent.station
        while self.monitors.get(monitor.id) is monitor:
            delay = monitor.value
            if monitor.type is m.MonitorEnumType.PeriodicClockAligned:
                delay -= station.now().timestamp() % monitor.value
            await asyncio.sleep(delay)
            if self.monitors.get(monitor.id) is monitor and self._active(monitor):
                value = self.dm.value(monitor.var.key)
                event = self._event(monitor, m.EventTriggerEnumType.Periodic, value)
                await self._notify([event])


def _fires(monitor: Monitor, before: str, after: str) -> m.EventTriggerEnumType | None:
    kind = m.MonitorEnumType
    old, new = _number(before), _number(after)
    if monitor.type is kind.Delta:
        if old is not None and new is not None:
            changed = abs(new - old) >= monitor.value and new != old
        else:
            changed = before != after
        return m.EventTriggerEnumType.Delta if changed else None
    if new is None:
        return None
    if monitor.type is kind.UpperThreshold and new > monitor.value:
        crossed = old is None or old <= monitor.value
    elif monitor.type is kind.LowerThreshold and new < monitor.value:
        crossed = old is None or old >= monitor.value
    else:
        crossed = False
    return m.EventTriggerEnumType.Alerting if crossed else None
