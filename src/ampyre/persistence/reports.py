"""Everything else stations report, kept with its content as sent."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Row, insert, select

from ampyre.domain.reports import ReportKind, StationReport
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import station_reports


class SqlReportRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def add(self, report: StationReport) -> None:
        await self._db.execute(
            insert(station_reports).values(
                station_id=report.station_id,
                kind=report.kind.value,
                received_at=report.received_at,
                status=report.status,
                request_id=report.request_id,
                content=report.content,
            )
        )

    async def list(
        self, station_id: str, kind: str | None = None, limit: int = 100
    ) -> builtins.list[StationReport]:
        statement = select(station_reports).where(station_reports.c.station_id == station_id)
        if kind is not None:
            statement = statement.where(station_reports.c.kind == kind)
        result = await self._db.execute(
            statement.order_by(
                station_reports.c.received_at.desc(), station_reports.c.id.desc()
            ).limit(limit)
        )
        return [_report(row) for row in result]

    async def for_request(self, station_id: str, request_id: int) -> builtins.list[StationReport]:
        result = await self._db.execute(
            select(station_reports)
            .where(
                station_reports.c.station_id == station_id,
                station_reports.c.request_id == request_id,
            )
            .order_by(station_reports.c.id)
        )
        return [_report(row) for row in result]


def _report(row: Row[Any]) -> StationReport:
    m = row._mapping
    return StationReport(
        station_id=m["station_id"],
        kind=ReportKind(m["kind"]),
        received_at=m["received_at"],
        status=m["status"],
        request_id=m["request_id"],
        content=dict(m["content"]),
    )
