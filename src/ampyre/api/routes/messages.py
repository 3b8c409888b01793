"""The message log: every OCPP message in and out, searchable, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from ampyre.api.auth import Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.filters import TimeRange
from ampyre.api.pagination import Page, Paging, page
from ampyre.api.problems import responses
from ampyre.domain.message_log import Direction, FrameKind, LoggedMessage, MessageQuery
from ampyre.services.message_log import payload_of

router = APIRouter(tags=["messages"])


class Message(BaseModel):
    id: int
    station_id: str
    at: datetime
    direction: Direction = Field(description="`in`: from the station; `out`: to the station")
    kind: FrameKind
    message_id: str | None
    action: str | None = Field(description="the CALL's action, also on its answer")
    answer_ms: float | None = Field(description="on an answer: milliseconds since its CALL")
    error_code: str | None
    payload: Any = Field(description="the JSON payload (a CALLERROR: code, description, details)")
    frame: str = Field(description="the message exactly as it went over the wire")


#: newest first; `next_cursor` pages through older messages
MessagePage = Page[Message]


class MessageFilters:
    """The search parameters both message routes share."""

    def __init__(
        self,
        time: Annotated[TimeRange, Depends()],
        paging: Annotated[Paging, Depends()],
        action: Annotated[str | None, Query(max_length=64)] = None,
        direction: Direction | None = None,
        kind: FrameKind | None = None,
        message_id: Annotated[str | None, Query(max_length=64)] = None,
        text: Annotated[
            str | None, Query(max_length=200, description="a substring of the message")
        ] = None,
    ) -> None:
        self.action = action
        self.direction = direction
        self.kind = kind
        self.message_id = message_id
        self.text = text
        self.since = time.since
        self.until = time.until
        self.paging = paging
        self.before_id = paging.after_int()

    def query(self, station_id: str | None) -> MessageQuery:
        return MessageQuery(
            station_id=station_id,
            action=self.action,
            direction=self.direction,
            kind=self.kind,
            message_id=self.message_id,
            text=self.text,
            since=self.since,
            until=self.until,
            before_id=self.before_id,
            limit=self.paging.fetch,
        )


async def _page(ctx: ApiContext, filters: MessageFilters, station_id: str | None) -> MessagePage:
    found = await ctx.message_log.search(filters.query(station_id))
    return page(found, filters.paging, _message, lambda m: m.id or 0)


def _message(m: LoggedMessage) -> Message:
    assert m.id is not None
    return Message(
        id=m.id,
        station_id=m.station_id,
        at=m.at,
        direction=m.direction,
        kind=m.kind,
        message_id=m.message_id,
        action=m.action,
        answer_ms=m.answer_ms,
        error_code=m.error_code,
        payload=payload_of(m),
        frame=m.frame,
    )


@router.get(
    "/messages",
    summary="Search the message log",
    description="Every OCPP message in and out, newest first. All given filters must match; "
    "`text` finds a substring anywhere in the message (case-insensitive). Page with `cursor`.",
    responses=responses(400, 401, 422),
)
async def search_messages(
    token: Reader,
    ctx: Annotated[ApiContext, Depends(context)],
    filters: Annotated[MessageFilters, Depends()],
    station_id: Annotated[str | None, Query(max_length=48)] = None,
) -> MessagePage:
    return await _page(ctx, filters, station_id)


@router.get(
    "/stations/{station_id}/messages",
    summary="The message log of one station",
    description="The station's OCPP messages in and out, newest first; the same filters as "
    "`GET /messages`.",
    responses=responses(400, 401, 422),
)
async def station_messages(
    station_id: str,
    token: Reader,
    ctx: Annotated[ApiContext, Depends(context)],
    filters: Annotated[MessageFilters, Depends()],
) -> MessagePage:
    return await _page(ctx, filters, station_id)
