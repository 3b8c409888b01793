"""ReportRepository on SQLite and PostgreSQL."""

from __future__ import annotations

from persistence_builders import at

from ampyre.domain.reports import ReportKind, StationReport
from ampyre.persistence import Database


async def test_round_trip_filter_and_order(database: Database) -> None:
    firmware = StationReport(
        station_id="CS1",
        kind=ReportKind.FIRMWARE_STATUS,
        received_at=at(1),
        status="Installed",
        request_id=7,
        content={"status": "Installed", "nested": {"list": [1, 2.5, None, "x"]}, "ok": True},
    )
    security = StationReport("CS1", ReportKind.SECURITY_EVENT, at(2), content={"type": "Reset"})
    log = StationReport("CS1", ReportKind.LOG_STATUS, at(3))
    other = StationReport("CS2", ReportKind.LOG_STATUS, at(4))
    async with database.unit_of_work() as uow:
        for report in (firmware, security, log, other):
            await uow.reports.add(report)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.reports.list("CS1") == [log, security, firmware]
        assert await uow.reports.list("CS1", limit=1) == [log]
        assert await uow.reports.list("CS1", kind=ReportKind.FIRMWARE_STATUS) == [firmware]
        assert await uow.reports.list("CS1", kind="device-report") == []
        assert await uow.reports.list("CS3") == []
