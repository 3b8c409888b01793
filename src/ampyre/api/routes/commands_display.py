"""Display message and running cost commands (2.0.1; 1.x has neither: 409), and the messages
a station shows as we know them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, model_validator

from ampyre.api.auth import Operator, Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.problems import responses
from ampyre.api.routes.commands import COMMAND_PROBLEMS, Body, CommandResult, run
from ampyre.domain.display import (
    ClearDisplayMessage,
    DisplayMessage,
    DisplayState,
    GetDisplayMessages,
    MessageFormat,
    MessagePriority,
    MessageState,
    SetDisplayMessage,
    StoredDisplayMessage,
    message_document,
)

router = APIRouter(tags=["display and costs"])

Ctx = Annotated[ApiContext, Depends(context)]


class DisplayMessageBody(Body):
    id: int = Field(ge=0, description="the message id; a message with the same id is replaced")
    priority: MessagePriority
    content: str = Field(min_length=1, max_length=512)
    format: MessageFormat = MessageFormat.UTF8
    language: str | None = Field(default=None, max_length=8, examples=["en"])
    state: MessageState | None = Field(default=None, description="show only in this state")
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    display: str | None = Field(
        default=None, max_length=50, description="the display component, if several"
    )

    @model_validator(mode="after")
    def _window(self) -> Self:
        starts, ends = self.starts_at, self.ends_at
        if starts is not None and ends is not None and starts >= ends:
            raise ValueError("starts_at must be before ends_at")
        return self


class SetDisplayBody(Body):
    message: DisplayMessageBody
    transaction_id: int | None = Field(
        default=None, ge=1, description="our id of a running transaction to show it during"
    )


@router.post(
    "/stations/{station_id}/commands/set-display-message",
    summary="Show a message on the station's display",
    description="Accepted messages are kept: GET /stations/{id}/display-messages. "
    "2.0.1 only (1.x: 409).",
    responses=COMMAND_PROBLEMS,
)
async def set_display_message(
    station_id: str, body: SetDisplayBody, _: Operator, ctx: Ctx
) -> CommandResult:
    ref = None
    if body.transaction_id is not None:
        ref = await ctx.display.transaction_ref(station_id, body.transaction_id)
    m = body.message
    message = DisplayMessage(
        id=m.id,
        priority=m.priority,
        content=m.content,
        format=m.format,
        language=m.language,
        state=m.state,
        starts_at=m.starts_at,
        ends_at=m.ends_at,
        transaction_ref=ref,
        display=m.display,
    )
    command = SetDisplayMessage(message=message, transaction_id=body.transaction_id)
    return await run(ctx, station_id, command)


class GetDisplayBody(Body):
    ids: list[int] = Field(default_factory=list, max_length=100)
    priority: MessagePriority | None = None
    state: MessageState | None = None


@router.post(
    "/stations/{station_id}/commands/get-display-messages",
    summary="Ask the station for the messages it shows",
    description="All, or by ids, priority, state. The station answers Unknown when none "
    "match; else it sends NotifyDisplayMessages with the command id as requestId: "
    "GET /commands/{id}/reports. 2.0.1 only (1.x: 409).",
    responses=COMMAND_PROBLEMS,
)
async def get_display_messages(
    station_id: str, body: GetDisplayBody, _: Operator, ctx: Ctx
) -> CommandResult:
    command = GetDisplayMessages(ids=tuple(body.ids), priority=body.priority, state=body.state)
    return await run(ctx, station_id, command)


class ClearDisplayBody(Body):
    message_id: int = Field(ge=0)


@router.post(
    "/stations/{station_id}/commands/clear-display-message",
    summary="Remove a message from the station's display",
    description="The station answers Unknown when it has no such message; nothing changes "
    "then. 2.0.1 only (1.x: 409).",
    responses=COMMAND_PROBLEMS,
)
async def clear_display_message(
    station_id: str, body: ClearDisplayBody, _: Operator, ctx: Ctx
) -> CommandResult:
    return await run(ctx, station_id, ClearDisplayMessage(message_id=body.message_id))


class CostBody(Body):
    transaction_id: int = Field(ge=1, description="our id of a running transaction")
    total_cost: float = Field(ge=0, description="the running total, in the station's currency")


@router.post(
    "/stations/{station_id}/commands/cost-updated",
    summary="Tell the station the running cost of a transaction",
    description="The command is linked to the transaction (`transaction_id`); a transaction's "
    "cost history is its cost-updated commands: GET /stations/{id}/commands?command="
    "cost-updated. `status` Accepted: the station acknowledged. 2.0.1 only (1.x: 409).",
    responses=COMMAND_PROBLEMS,
)
async def cost_updated(station_id: str, body: CostBody, _: Operator, ctx: Ctx) -> CommandResult:
    command = await ctx.costs.command(station_id, body.transaction_id, body.total_cost)
    return await run(ctx, station_id, command)


# --- what is kept -----------------------------------------------------------------------------


class ShownMessage(BaseModel):
    message: dict[str, Any] = Field(description="the message as sent, in neutral shape")
    state: DisplayState = Field(
        description="`set`; `cleared`, `replaced`, or `ended` with its transaction"
    )
    transaction_id: int | None
    set_by: int = Field(description="the set-display-message command")
    set_at: datetime
    ended_at: datetime | None
    ended_by: int | None


def _shown(stored: StoredDisplayMessage) -> ShownMessage:
    return ShownMessage(
        message=message_document(stored.message),
        state=stored.state,
        transaction_id=stored.transaction_id,
        set_by=stored.set_by,
        set_at=stored.set_at,
        ended_at=stored.ended_at,
        ended_by=stored.ended_by,
    )


@router.get(
    "/stations/{station_id}/display-messages",
    summary="The messages a station shows, as we know them",
    description="What accepted set-display-message commands set and nothing ended since; "
    "`history=true` adds the cleared, replaced and ended ones.",
    responses=responses(401, 404, 422),
)
async def display_messages(
    station_id: str, _: Reader, ctx: Ctx, history: Annotated[bool, Query()] = False
) -> list[ShownMessage]:
    return [_shown(m) for m in await ctx.display.messages(station_id, not history)]
