"""StatusRepository on SQLite and PostgreSQL."""

from __future__ import annotations

from persistence_builders import at

from ampyre.domain.availability import ConnectorState, ConnectorStatus, StatusReport
from ampyre.persistence import Database


def report(seconds: float, status: ConnectorStatus, evse: int = 1, **more: str) -> StatusReport:
    return StatusReport(
        station_id="CS1",
        evse_id=evse,
        connector_id=1 if evse else 0,
        status=status,
        timestamp=at(seconds),
        **more,
    )


async def test_history_and_current_state(database: Database) -> None:
    faulted = report(
        3,
        ConnectorStatus.FAULTED,
        error_code="GroundFailure",
        info="info",
        vendor_id="acme",
        vendor_error_code="E42",
    )
    reports = [
        report(1, ConnectorStatus.AVAILABLE),
        report(2, ConnectorStatus.CHARGING, evse=2),
        faulted,
        report(0, ConnectorStatus.UNAVAILABLE, evse=0),
    ]
    async with database.unit_of_work() as uow:
        for item in reports:
            await uow.statuses.add(item)
        await uow.statuses.add(StatusReport("CS2", 1, 1, ConnectorStatus.AVAILABLE, at(9)))
        await uow.commit()
    async with database.unit_of_work() as uow:
        current = await uow.statuses.current("CS1")
        history = await uow.statuses.history("CS1")
        latest_two = await uow.statuses.history("CS1", limit=2)
    assert current == [
        ConnectorState(0, 0, ConnectorStatus.UNAVAILABLE, None, at(0)),
        ConnectorState(1, 1, ConnectorStatus.FAULTED, "GroundFailure", at(3)),
        ConnectorState(2, 1, ConnectorStatus.CHARGING, None, at(2)),
    ]
    assert history == sorted(reports, key=lambda r: r.timestamp, reverse=True)
    assert latest_two == history[:2]
    assert history[0] == faulted


async def test_a_late_report_goes_to_history_but_not_to_the_current_state(
    database: Database,
) -> None:
    async with database.unit_of_work() as uow:
        await uow.statuses.add(report(10, ConnectorStatus.CHARGING))
        await uow.statuses.add(report(5, ConnectorStatus.PREPARING))
        await uow.statuses.add(report(10, ConnectorStatus.SUSPENDED_EV))
        await uow.commit()
    async with database.unit_of_work() as uow:
        current = await uow.statuses.current("CS1")
        history = await uow.statuses.history("CS1")
    assert [state.status for state in current] == [ConnectorStatus.SUSPENDED_EV]
    assert len(history) == 3
    assert history[-1].status == ConnectorStatus.PREPARING
