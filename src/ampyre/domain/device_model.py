"""Device management in no version's words: reports of a station's components and variables,
and the monitors that watch them (2.0.1 device model; 1.x has no equivalent).

Reports come after the command's answer, in parts that carry the command id as their
requestId. A monitor watches one variable of one component and reports (NotifyEvent) when
it crosses a threshold, changes by a delta, or periodically.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import Any, ClassVar

from ampyre.domain.commands import Command


class ReportBase(enum.StrEnum):
    CONFIGURATION_INVENTORY = "ConfigurationInventory"
    FULL_INVENTORY = "FullInventory"
    SUMMARY_INVENTORY = "SummaryInventory"


class ComponentCriterion(enum.StrEnum):
    ACTIVE = "Active"
    AVAILABLE = "Available"
    ENABLED = "Enabled"
    PROBLEM = "Problem"


class MonitorType(enum.StrEnum):
    UPPER_THRESHOLD = "UpperThreshold"
    LOWER_THRESHOLD = "LowerThreshold"
    DELTA = "Delta"
    PERIODIC = "Periodic"
    PERIODIC_CLOCK_ALIGNED = "PeriodicClockAligned"


class MonitoringCriterion(enum.StrEnum):
    THRESHOLD = "ThresholdMonitoring"
    DELTA = "DeltaMonitoring"
    PERIODIC = "PeriodicMonitoring"


class MonitoringBase(enum.StrEnum):
    """All monitors; the factory's (custom ones removed); the hard-wired only (idem)."""

    ALL = "All"
    FACTORY_DEFAULT = "FactoryDefault"
    HARD_WIRED_ONLY = "HardWiredOnly"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ComponentRef:
    name: str
    instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class VariableRef:
    name: str
    instance: str | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ComponentVariable:
    """A component, and one of its variables (None: all of them)."""

    component: ComponentRef
    variable: VariableRef | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MonitorSetting:
    """A monitor to set: `id` None adds one, an id replaces the station's monitor of that id."""

    component: ComponentRef
    variable: VariableRef
    type: MonitorType
    value: float
    severity: int
    transaction: bool = False
    id: int | None = None


# --- the commands -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GetBaseReport(Command):
    name: ClassVar[str] = "get-base-report"
    report_base: ReportBase
    request_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GetReport(Command):
    """Report the variables of the components matching `variables` and `criteria`."""

    name: ClassVar[str] = "get-report"
    variables: tuple[ComponentVariable, ...] = ()
    criteria: tuple[ComponentCriterion, ...] = ()
    request_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GetMonitoringReport(Command):
    name: ClassVar[str] = "get-monitoring-report"
    variables: tuple[ComponentVariable, ...] = ()
    criteria: tuple[MonitoringCriterion, ...] = ()
    request_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SetVariableMonitoring(Command):
    name: ClassVar[str] = "set-variable-monitoring"
    monitors: tuple[MonitorSetting, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ClearVariableMonitoring(Command):
    name: ClassVar[str] = "clear-variable-monitoring"
    monitor_ids: tuple[int, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SetMonitoringBase(Command):
    name: ClassVar[str] = "set-monitoring-base"
    base: MonitoringBase


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SetMonitoringLevel(Command):
    """Report only events of `severity` or more urgent (0 most urgent .. 9 debug)."""

    name: ClassVar[str] = "set-monitoring-level"
    severity: int


# --- what is kept -----------------------------------------------------------------------------


class MonitorState(enum.StrEnum):
    ACTIVE = "active"
    CLEARED = "cleared"
    #: a later set-variable-monitoring with its id replaced it
    REPLACED = "replaced"


@dataclasses.dataclass(slots=True)
class StoredMonitor:
    """A monitor the station accepted (with the id it gave it), as we know it."""

    station_id: str
    monitor_id: int
    setting: MonitorSetting
    state: MonitorState
    set_by: int
    set_at: datetime
    ended_at: datetime | None = None
    ended_by: int | None = None
    #: the row's own id (0 until stored)
    id: int = 0


def component_document(component: ComponentRef) -> dict[str, Any]:
    return {
        "name": component.name,
        "instance": component.instance,
        "evse_id": component.evse_id,
        "connector_id": component.connector_id,
    }


def variable_document(variable: VariableRef) -> dict[str, Any]:
    return {"name": variable.name, "instance": variable.instance}
