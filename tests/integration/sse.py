"""A small Server-Sent Events reader for tests: events as (kind, document) from an httpx stream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx


async def read_events(
    response: httpx.Response,
) -> AsyncIterator[tuple[str | None, dict[str, Any] | None, str | None]]:
    """(event, data, comment) per SSE block, in order; comments have no event or data."""
    event: str | None = None
    data: list[str] = []
    comment: str | None = None
    async for line in response.aiter_lines():
        if line == "":
            if event is not None or data or comment is not None:
                yield event, json.loads("\n".join(data)) if data else None, comment
            event, data, comment = None, [], None
        elif line.startswith(":"):
            comment = line[1:].strip()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


class EventReader:
    """Collects the documents of one open stream; `next_event()` skips comments."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._events = read_events(response)

    async def subscribed(self) -> None:
        """Wait for the stream's opening `: subscribed` comment."""
        async for _, _, comment in self._events:
            if comment == "subscribed":
                return
        raise AssertionError("stream ended before it was subscribed")

    async def next_event(self) -> dict[str, Any]:
        async for event, data, _ in self._events:
            if event is not None and data is not None:
                assert data["kind"] == event
                return data
        raise AssertionError("stream ended")
