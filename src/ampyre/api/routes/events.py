"""The live event stream (Server-Sent Events): connects, statuses, sessions, command results."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from ampyre.api.auth import Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.problems import responses
from ampyre.domain.events import EventKind
from ampyre.services.events import EventStream, event_document

router = APIRouter(tags=["events"])


@router.get(
    "/events",
    response_class=EventSourceResponse,
    summary="Live events as Server-Sent Events",
    description="A `text/event-stream` of what happens on the network: `station.connected`, "
    "`station.disconnected`, `status.changed`, `transaction.started|updated|ended`, "
    "`command.result`, `security.event`. Each SSE `event:` is the kind, `data:` the JSON "
    "document `{kind, station_id, at, data}`. The stream opens with the comment "
    "`: subscribed`; a `: ping` comment follows every 15 s of silence. A client that falls "
    "behind by more than 1,000 events loses the oldest ones. Filter with `kind` (repeatable) "
    "and `station_id`.",
    responses=responses(401, 422),
)
async def stream_events(
    token: Reader,
    ctx: Annotated[ApiContext, Depends(context)],
    kind: Annotated[list[EventKind] | None, Query(description="only these kinds")] = None,
    station_id: Annotated[str | None, Query(description="only this station")] = None,
) -> AsyncIterator[ServerSentEvent]:
    with EventStream(ctx.events, kinds=kind, station_id=station_id) as stream:
        yield ServerSentEvent(comment="subscribed")
        for number in itertools.count(1):
            event = await stream.get()
            yield ServerSentEvent(
                event=event.kind.value, data=event_document(event), id=str(number)
            )
