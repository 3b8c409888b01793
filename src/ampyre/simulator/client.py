"""An OCPP-J charge point connection: our CALLs one at a time, the CSMS's CALLs answered.

Built on `protocol.json_session`, like the server, so the simulator, the benchmark and the
tests all speak through the same validated core.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from ampyre.protocol.errors import InternalError, NotSupported, OcppError
from ampyre.protocol.json_session import (
    CallReceived,
    Dropped,
    ErrorReceived,
    InvalidResult,
    JsonSession,
    Reply,
    ResultReceived,
)
from ampyre.protocol.rpc import CallError
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.tables import STATION_TABLES

log = logging.getLogger("ampyre.simulator")

CallHandler = Callable[[str, Any], Awaitable[Any]]


class InvalidAnswer(Exception):
    """The CSMS answered our CALL with a payload its schema does not allow."""


class CallErrorReceived(Exception):
    def __init__(self, error: CallError) -> None:
        super().__init__(f"{error.wire_code}: {error.description}")
        self.error = error


async def _not_supported(action: str, payload: Any) -> Any:
    raise NotSupported(f"{action} is not handled by this charge point")


class JsonClient:
    """`async with JsonClient(url, "CS1", OcppVersion.V16) as cs: await cs.call(...)`."""

    def __init__(
        self,
        base_url: str,
        station_id: str,
        version: OcppVersion,
        *,
        handler: CallHandler = _not_supported,
        call_timeout: float = 30.0,
        subprotocols: list[str] | None = None,
        max_frame_bytes: int = 1 << 20,
        ping_interval: float | None = 20.0,
        open_timeout: float = 30.0,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/{station_id}"
        self.station_id = station_id
        self.version = version
        self.handler = handler
        self.call_timeout = call_timeout
        self.subprotocols = [version.subprotocol] if subprotocols is None else list(subprotocols)
        self.session = JsonSession(STATION_TABLES[version], max_frame_bytes=max_frame_bytes)
        self.ping_interval = ping_interval
        self.open_timeout = open_timeout
        self.ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._waiter: asyncio.Future[Any] | None = None
        self._lock = asyncio.Lock()
        self.received_errors: list[bytes] = []
        self._after_answer: list[Callable[[], object]] = []

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        self.ws = await connect(
            self.url,
            subprotocols=[Subprotocol(s) for s in self.subprotocols] or None,
            compression=None,
            max_size=None,
            open_timeout=self.open_timeout,
            ping_interval=self.ping_interval,
            proxy=None,  # stations connect directly; never through an *_proxy environment
        )
        self._reader = asyncio.create_task(self._read(self.ws))

    async def close(self, graceful: bool = False) -> None:
        """Close the connection; `graceful` first lets a CALL in flight get its answer."""
        if self.ws is not None:
            if graceful:
                async with self._lock:
                    await self.ws.close()
            else:
                await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def call(self, action: str, payload: Any, timeout: float | None = None) -> Any:
        """Send a CALL; return the validated CALLRESULT payload or raise CallErrorReceived."""
        assert self.ws is not None, "connect() first"
        wait = self.call_timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        async with self._lock:
            pending, frame = self.session.call(action, payload, loop.time() + wait)
            self._waiter = loop.create_future()
            try:
                await self.ws.send(frame, text=True)
                # asyncio.timeout, not wait_for: 3.11's wait_for loses a cancellation that
                # arrives together with the answer, and the caller then never stops.
                async with asyncio.timeout(wait):
                    return await self._waiter
            finally:
                self.session.expire(pending.deadline)
                self._waiter = None

    async def wait_closed(self) -> None:
        """Wait until the connection has closed (cancelling the wait leaves it open)."""
        if self._reader is not None:
            await asyncio.wait({self._reader})

    def after_answer(self, action: Callable[[], object]) -> None:
        """Run `action` once the answer to the CALL being handled has been sent."""
        self._after_answer.append(action)

    async def send_raw(self, text: str | bytes) -> None:
        """Send any text, valid or not (for tests of the server's answers to bad input)."""
        assert self.ws is not None
        await self.ws.send(text, text=True)

    def _settle(self, result: Any = None, error: BaseException | None = None) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if error is None:
            waiter.set_result(result)
        else:
            waiter.set_exception(error)

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for message in ws:
                event = self.session.receive(message)
                if isinstance(event, CallReceived):
                    try:
                        answer = await self.handler(event.action, event.payload)
                        frame = self.session.answer(event.message_id, event.action, answer)
                    except OcppError as exc:
                        frame = self.session.answer_error(event.message_id, exc)
                    except Exception as exc:
                        log.exception("%s: handler failed", self.station_id)
                        frame = self.session.answer_error(event.message_id, InternalError(str(exc)))
                    await ws.send(frame, text=True)
                    actions, self._after_answer = self._after_answer, []
                    for action in actions:
                        action()
                elif isinstance(event, ResultReceived):
                    self._settle(event.payload)
                elif isinstance(event, ErrorReceived):
                    self._settle(error=CallErrorReceived(event.error))
                elif isinstance(event, InvalidResult):
                    self._settle(error=InvalidAnswer(event.error.description))
                elif isinstance(event, Reply):
                    await ws.send(event.frame, text=True)
                elif isinstance(event, Dropped):
                    log.info("%s: dropped %s", self.station_id, event.reason)
        except ConnectionClosed:
            pass
        except Exception:
            log.exception("%s: reader failed; closing the connection", self.station_id)
            await ws.close(1011, "charge point error")
        finally:
            self._settle(error=ConnectionError(f"{self.station_id}: connection closed"))
