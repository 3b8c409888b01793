"""Commands to stations, version-neutral: one route per command, the generic call, history.

Every command answers with its stored record: the station's reply in neutral shape
(`status`, `result`) and as received (`raw`). A command the station's version cannot express
is refused with 409 before anything is sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from ampyre.api.auth import Operator, Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.pagination import Page, Paging, page
from ampyre.api.problems import responses
from ampyre.domain.commands import (
    ChangeAvailability,
    ClearCache,
    Command,
    CommandRecord,
    CommandState,
    DataTransfer,
    Operability,
    RemoteStart,
    Reset,
    ResetKind,
    TriggerableMessage,
    TriggerMessage,
    UnlockConnector,
)

router = APIRouter(tags=["commands"])

#: the problems every command route may answer with
COMMAND_PROBLEMS = responses(401, 403, 404, 409, 422, 502, 504)

Ctx = Annotated[ApiContext, Depends(context)]


class CommandResult(BaseModel):
    """A command sent to a station and how it ended."""

    id: int = Field(description="the command id (a remote start's remoteStartId in 2.0.1)")
    station_id: str
    command: str = Field(examples=["remote-start"])
    params: dict[str, Any] = Field(description="what was asked, in neutral shape")
    state: CommandState = Field(
        description="`answered` (see `status`), `refused` (nothing sent), `call-error`, "
        "`timeout`, `unreachable`, or `pending` while it waits"
    )
    status: str | None = Field(description="the station's answer: Accepted, Rejected, ...")
    accepted: bool = Field(description="the station accepted (Accepted, Scheduled, Unlocked)")
    result: dict[str, Any] | None = Field(description="the rest of the answer, neutral shape")
    raw: dict[str, Any] | None = Field(description="the answer payload as the station sent it")
    error_code: str | None
    error: str | None
    created_at: datetime
    answered_at: datetime | None
    transaction_id: int | None = Field(
        description="remote start: the transaction it led to, once the station started it"
    )


CommandPage = Page[CommandResult]


def command_result(record: CommandRecord) -> CommandResult:
    return CommandResult(
        id=record.id,
        station_id=record.station_id,
        command=record.name,
        params=record.params,
        state=record.state,
        status=record.status,
        accepted=record.state is CommandState.ANSWERED
        and record.status in ("Accepted", "Scheduled", "Unlocked"),
        result=record.result,
        raw=record.raw,
        error_code=record.error_code,
        error=record.error,
        created_at=record.created_at,
        answered_at=record.answered_at,
        transaction_id=record.transaction_id,
    )


async def run(ctx: ApiContext, station_id: str, command: Command) -> CommandResult:
    """Send `command` and answer with its record (problems are mapped in api/problems.py)."""
    return command_result(await ctx.commands.send(station_id, command))


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- the core commands ------------------------------------------------------------------------


class RemoteStartBody(Body):
    id_token: str = Field(min_length=1, max_length=36, description="the token to charge for")
    token_type: str = Field(
        default="Central",
        max_length=20,
        description="the token's type where the version has types (2.0.1): Central, eMAID, "
        "ISO14443, ISO15693, KeyCode, Local, MacAddress, NoAuthorization",
    )
    evse_id: int | None = Field(default=None, ge=1, description="where to charge (1.x: connector)")


@router.post(
    "/stations/{station_id}/commands/remote-start",
    summary="Start a charging session",
    description="The answer's `id` is the command id; the session that follows is linked to "
    "it (its `transaction_id` here, `command_id` on the transaction events): 2.0.1 by "
    "remoteStartId, 1.x by token, EVSE and time.",
    responses=COMMAND_PROBLEMS,
)
async def remote_start(
    station_id: str, body: RemoteStartBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = RemoteStart(id_token=body.id_token, token_type=body.token_type, evse_id=body.evse_id)
    return await run(ctx, station_id, command)


class RemoteStopBody(Body):
    transaction_id: int = Field(ge=1, description="our transaction id (from the transactions API)")


@router.post(
    "/stations/{station_id}/commands/remote-stop",
    summary="Stop a charging session",
    responses=COMMAND_PROBLEMS,
)
async def remote_stop(
    station_id: str, body: RemoteStopBody, _: Operator, ctx: Ctx
) -> CommandResult:
    return command_result(await ctx.commands.remote_stop(station_id, body.transaction_id))


class ResetBody(Body):
    kind: ResetKind = Field(
        default=ResetKind.ON_IDLE,
        description="`OnIdle` once sessions are over (1.x Soft), `Immediate` at once (1.x Hard)",
    )
    evse_id: int | None = Field(default=None, ge=1, description="one EVSE only (2.0.1)")


@router.post(
    "/stations/{station_id}/commands/reset", summary="Reset the station", responses=COMMAND_PROBLEMS
)
async def reset(station_id: str, body: ResetBody, _: Operator, ctx: Ctx) -> CommandResult:
    return await run(ctx, station_id, Reset(kind=body.kind, evse_id=body.evse_id))


class UnlockBody(Body):
    evse_id: int = Field(ge=1)
    connector_id: int = Field(default=1, ge=1)


@router.post(
    "/stations/{station_id}/commands/unlock-connector",
    summary="Unlock a connector",
    responses=COMMAND_PROBLEMS,
)
async def unlock_connector(
    station_id: str, body: UnlockBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = UnlockConnector(evse_id=body.evse_id, connector_id=body.connector_id)
    return await run(ctx, station_id, command)


class AvailabilityBody(Body):
    operational: Operability
    evse_id: int | None = Field(default=None, ge=0, description="none or 0: the whole station")
    connector_id: int | None = Field(default=None, ge=1)


@router.post(
    "/stations/{station_id}/commands/change-availability",
    summary="Make the station, an EVSE or a connector (in)operative",
    responses=COMMAND_PROBLEMS,
)
async def change_availability(
    station_id: str, body: AvailabilityBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = ChangeAvailability(
        operational=body.operational, evse_id=body.evse_id, connector_id=body.connector_id
    )
    return await run(ctx, station_id, command)


class TriggerBody(Body):
    message: TriggerableMessage
    evse_id: int | None = Field(default=None, ge=1)
    connector_id: int | None = Field(default=None, ge=1)


@router.post(
    "/stations/{station_id}/commands/trigger-message",
    summary="Ask the station to send a message now",
    responses=COMMAND_PROBLEMS,
)
async def trigger_message(
    station_id: str, body: TriggerBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = TriggerMessage(
        message=body.message, evse_id=body.evse_id, connector_id=body.connector_id
    )
    return await run(ctx, station_id, command)


@router.post(
    "/stations/{station_id}/commands/clear-cache",
    summary="Empty the station's authorization cache",
    responses=COMMAND_PROBLEMS,
)
async def clear_cache(station_id: str, _: Operator, ctx: Ctx) -> CommandResult:
    return await run(ctx, station_id, ClearCache())


class DataTransferBody(Body):
    vendor_id: str = Field(min_length=1, max_length=255)
    message_id: str | None = Field(default=None, max_length=50)
    data: Any = Field(default=None, description="any JSON (1.x stations receive it as a string)")


@router.post(
    "/stations/{station_id}/commands/data-transfer",
    summary="Send vendor-specific data",
    responses=COMMAND_PROBLEMS,
)
async def data_transfer(
    station_id: str, body: DataTransferBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = DataTransfer(vendor_id=body.vendor_id, message_id=body.message_id, data=body.data)
    return await run(ctx, station_id, command)


# --- the generic call -------------------------------------------------------------------------


class CallBody(Body):
    action: str = Field(min_length=1, max_length=64, examples=["GetConfiguration"])
    payload: dict[str, Any] = Field(default_factory=dict)


@router.post(
    "/stations/{station_id}/call",
    summary="Send any OCPP message the station's version lets a central system send",
    description="The payload is checked against the action's schema first (422 otherwise). "
    "200: the station's CALLRESULT payload. 502: it answered with a CALLERROR (`error_code`). "
    "404: unknown station; 409: not connected; 504: no answer in time.",
    responses=responses(401, 403, 404, 409, 422, 502, 504),
)
async def call(station_id: str, body: CallBody, _: Operator, ctx: Ctx) -> dict[str, Any]:
    return await ctx.commands.call(station_id, body.action, body.payload)


# --- history ----------------------------------------------------------------------------------


async def _page(
    ctx: ApiContext, station_id: str | None, name: str | None, paging: Paging
) -> CommandPage:
    found = await ctx.commands.list(station_id, name, paging.after_int(), paging.fetch)
    return page(found, paging, command_result, lambda r: r.id)


Name = Annotated[str | None, Query(max_length=64, description="a command name")]


@router.get(
    "/commands",
    summary="Commands sent, newest first",
    responses=responses(400, 401, 422),
)
async def list_commands(
    _: Reader,
    ctx: Ctx,
    paging: Annotated[Paging, Depends()],
    station_id: Annotated[str | None, Query(max_length=48)] = None,
    command: Name = None,
) -> CommandPage:
    return await _page(ctx, station_id, command, paging)


@router.get(
    "/stations/{station_id}/commands",
    summary="Commands sent to one station, newest first",
    responses=responses(400, 401, 422),
)
async def station_commands(
    station_id: str,
    _: Reader,
    ctx: Ctx,
    paging: Annotated[Paging, Depends()],
    command: Name = None,
) -> CommandPage:
    return await _page(ctx, station_id, command, paging)


@router.get("/commands/{command_id}", summary="One command", responses=responses(401, 404, 422))
async def get_command(command_id: int, _: Reader, ctx: Ctx) -> CommandResult:
    return command_result(await ctx.commands.get(command_id))
