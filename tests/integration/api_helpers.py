"""Small helpers for the operator API tests: problem checks, waiting on domain events."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import httpx

from ampyre.app import Application
from ampyre.domain.events import Event, EventKind

PROBLEM = "application/problem+json"


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The problem document of `response`, which must have `status`."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"] == PROBLEM, response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"], body
    return body


@contextlib.contextmanager
def awaiting(app: Application, kind: EventKind, station_id: str) -> Iterator[asyncio.Event]:
    """An asyncio.Event set when the CSMS publishes `kind` for `station_id` (after its commit)."""
    seen = asyncio.Event()

    def offer(event: Event) -> None:
        if event.kind is kind and event.station_id == station_id:
            seen.set()

    unsubscribe = app.events.subscribe(offer)
    try:
        yield seen
    finally:
        unsubscribe()


def client(api_url: str, token: str | None) -> httpx.AsyncClient:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return httpx.AsyncClient(base_url=api_url, headers=headers, timeout=30)
