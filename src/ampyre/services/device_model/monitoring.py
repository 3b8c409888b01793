"""Variable monitors set on stations: what each accepted monitoring command changed.

A monitor the station accepted is kept with the id the station gave it (a setting with the
id of one we keep replaces it); an accepted clear ends it; SetMonitoringBase FactoryDefault
or HardWiredOnly removes every custom monitor (N03), so ends every one we set. Results other
than Accepted change nothing.
"""

from __future__ import annotations

from ampyre.domain.commands import Command, CommandRecord, CommandReply
from ampyre.domain.device_model import (
    ClearVariableMonitoring,
    MonitoringBase,
    MonitorState,
    SetMonitoringBase,
    SetVariableMonitoring,
    StoredMonitor,
)
from ampyre.services.known_station import ensure_known
from ampyre.services.ports import UnitOfWork, UnitOfWorkFactory

ACCEPTED = "Accepted"


def _accepted_ids(reply: CommandReply) -> list[int | None]:
    """The monitor id of each Accepted result, None for the others, in the command's order."""
    return [r.get("id") if r.get("status") == ACCEPTED else None for r in reply.details["results"]]


class MonitoringService:
    """The CommandEffect of the monitoring commands, and what is kept of them."""

    commands: tuple[type[Command], ...] = (
        SetVariableMonitoring,
        ClearVariableMonitoring,
        SetMonitoringBase,
    )

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def apply(
        self, uow: UnitOfWork, record: CommandRecord, command: Command, reply: CommandReply
    ) -> None:
        at = record.answered_at or record.created_at
        active = await uow.monitors.list(record.station_id)
        if isinstance(command, SetVariableMonitoring):
            for setting, monitor_id in zip(command.monitors, _accepted_ids(reply), strict=False):
                if monitor_id is None:
                    continue
                replaced = [m.id for m in active if m.monitor_id == monitor_id]
                await uow.monitors.end(replaced, MonitorState.REPLACED, at, record.id)
                await uow.monitors.add(
                    StoredMonitor(
                        station_id=record.station_id,
                        monitor_id=monitor_id,
                        setting=setting,
                        state=MonitorState.ACTIVE,
                        set_by=record.id,
                        set_at=at,
                    )
                )
        elif isinstance(command, ClearVariableMonitoring):
            cleared = {i for i in _accepted_ids(reply) if i is not None}
            ended = [m.id for m in active if m.monitor_id in cleared]
            await uow.monitors.end(ended, MonitorState.CLEARED, at, record.id)
        elif (
            isinstance(command, SetMonitoringBase)
            and reply.status == ACCEPTED
            and command.base is not MonitoringBase.ALL
        ):
            ended = [m.id for m in active]
            await uow.monitors.end(ended, MonitorState.CLEARED, at, record.id)

    async def monitors(self, station_id: str, active_only: bool = True) -> list[StoredMonitor]:
        async with self._uow() as uow:
            found = await uow.monitors.list(station_id, active_only)
            if not found:
                await ensure_known(uow, station_id)
        return found
