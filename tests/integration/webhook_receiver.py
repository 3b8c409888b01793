"""A webhook receiver on a real socket that checks signatures the way the README tells users to."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any, Self

from .http_server import HttpServer, Request


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The README's recipe, written independently of Ampyre's own signing code."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(fields["t"])
        received = fields["v1"]
    except (KeyError, ValueError):
        return False
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received) and abs(time.time() - timestamp) <= tolerance


class Receiver:
    """Answers with the given statuses in turn (then 200); records every request."""

    def __init__(self, statuses: Iterable[int] = ()) -> None:
        self._statuses: Iterator[int] = iter(statuses)
        self.server = HttpServer(self._respond)

    def answer(self, statuses: Iterable[int]) -> None:
        self._statuses = iter(statuses)

    def _respond(self, method: str, path: str) -> tuple[int, bytes]:
        return next(self._statuses, 200), b"ok"

    @property
    def url(self) -> str:
        return self.server.url("/hook")

    @property
    def requests(self) -> list[Request]:
        return self.server.requests

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.requests]

    async def __aenter__(self) -> Self:
        await self.server.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType
    ) -> None:
        await self.server.__aexit__(exc_type, exc, tb)


class HeldReceiver:
    """Holds every request unanswered until `release` is set, then answers 200; counts how
    many it holds at once."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.held = 0
        self.most_held = 0
        self.received = 0
        self._arrived = asyncio.Event()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/held"

    async def holding(self, count: int, timeout: float = 30.0) -> None:
        """Wait until `count` requests are held at once."""
        async with asyncio.timeout(timeout):
            while self.held < count:
                self._arrived.clear()
                await self._arrived.wait()

    async def __aenter__(self) -> Self:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType
    ) -> None:
        self.release.set()
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            length = next(
                int(line.split(":", 1)[1])
                for line in head.split("\r\n")
                if line.lower().startswith("content-length:")
            )
            await reader.readexactly(length)
            self.received += 1
            self.held += 1
            self.most_held = max(self.most_held, self.held)
            self._arrived.set()
            try:
                await self.release.wait()
            finally:
                self.held -= 1
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
