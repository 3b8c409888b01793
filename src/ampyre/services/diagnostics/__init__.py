from ampyre.services.diagnostics.service import (
    CustomerReport,
    DiagnosticsService,
    LogRequest,
    LogUploads,
)

__all__ = ["CustomerReport", "DiagnosticsService", "LogRequest", "LogUploads"]
