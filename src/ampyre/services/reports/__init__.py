"""Reports a station sends that later features act on: stored as they come."""

from ampyre.services.reports.service import ReportService

__all__ = ["ReportService"]
