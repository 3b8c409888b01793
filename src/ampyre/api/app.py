"""The operator API application: routers under /api/v1, OpenAPI and docs under /api."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from ampyre.api import problems
from ampyre.api.context import ApiContext
from ampyre.api.routes import (
    command_reports,
    commands,
    commands_authorization,
    commands_configuration,
    commands_device_model,
    commands_display,
    commands_files,
    commands_security,
    commands_smart_charging,
    events,
    files,
    id_tokens,
    messages,
    soap_addresses,
    station_files,
    stations,
    status_history,
    system,
    transactions,
    webhooks,
)

PREFIX = "/api/v1"

ROUTERS: list[APIRouter] = [
    system.router,
    events.router,
    messages.router,
    soap_addresses.router,
    commands.router,
    webhooks.router,
    stations.router,
    id_tokens.router,
    transactions.router,
    status_history.router,
    commands_smart_charging.router,
    commands_device_model.router,
    commands_display.router,
    command_reports.router,
    commands_configuration.router,
    commands_authorization.router,
    commands_files.router,
    commands_security.router,
    files.router,
]


def create_api(context: ApiContext, extra: list[APIRouter] | None = None) -> FastAPI:
    """The HTTP application. `extra` routers (OCPP-S, files, ...) are mounted at their own paths."""
    app = FastAPI(
        title="Ampyre operator API",
        version=context.version,
        description="Manage stations, id tokens and transactions, and send commands to "
        "stations of every OCPP version through one version-neutral API. Errors are RFC 9457 "
        "problem documents. Authenticate with `Authorization: Bearer <token>`.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.context = context
    problems.install(app)
    for router in ROUTERS:
        app.include_router(router, prefix=PREFIX)
    # the file endpoint stations use (uploads by token, firmware images), outside /api/v1
    app.include_router(station_files.router)
    for router in extra or []:
        app.include_router(router)
    return app
