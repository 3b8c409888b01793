"""One OCPP-J station connection, whatever WebSocket library carries its frames.

The link feeds received frames to its `JsonSession`, hands the CALLs to the inbound handler,
sends what the session returns, and runs our own CALLs one at a time. A transport subclasses
it with how to send a frame and how to close.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ampyre.domain.message_log import Direction, FrameInfo, FrameKind
from ampyre.protocol.errors import InternalError, OcppError
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
from ampyre.protocol.validation import Relaxation
from ampyre.protocol.versions import OcppVersion
from ampyre.transports.frame_info import answered, received
from ampyre.transports.links import (
    CallRejected,
    CallTimeout,
    InboundHandler,
    StationUnreachable,
    Wiretap,
)

log = logging.getLogger("ampyre.transport")


class LinkClosed(Exception):
    """A frame could not be sent: the connection is closed or closing."""


class JsonLink:
    """A station's OCPP-J connection: answers to its CALLs, and our one-at-a-time CALLs."""

    def __init__(
        self,
        station_id: str,
        version: OcppVersion,
        session: JsonSession,
        call_timeout: float,
        tap: Wiretap | None = None,
    ) -> None:
        self._tap = tap
        self.station_id = station_id
        self.version = version
        self.session = session
        self.state: Any = None
        self._call_timeout = call_timeout
        self._call_lock = asyncio.Lock()
        self._waiter: tuple[str, asyncio.Future[Any]] | None = None
        self._closed = False

    async def _send(self, frame: bytes) -> None:
        """Send one text frame; raise LinkClosed when the connection is gone."""
        raise NotImplementedError

    async def close(self, reason: str, code: int = 1000) -> None:
        raise NotImplementedError

    async def call(self, action: str, payload: Any, timeout: float | None = None) -> Any:
        loop = asyncio.get_running_loop()
        wait = self._call_timeout if timeout is None else timeout
        async with self._call_lock:
            if self._closed:
                raise StationUnreachable(f"{self.station_id} is not connected")
            pending, frame = self.session.call(action, payload, loop.time() + wait)
            future: asyncio.Future[Any] = loop.create_future()
            self._waiter = (pending.message_id, future)
            if self._tap is not None:
                info = FrameInfo(FrameKind.CALL, pending.message_id, action)
                self._tap.frame(self.station_id, Direction.OUT, frame, info)
            try:
                await self._send(frame)
                # asyncio.timeout, not wait_for: 3.11's wait_for loses a cancellation that
                # arrives together with the answer.
                async with asyncio.timeout(wait):
                    return await future
            except TimeoutError:
                self.session.expire(pending.deadline)
                raise CallTimeout(
                    f"{self.station_id} did not answer {action} within {wait:g} s"
                ) from None
            except LinkClosed:
                self.session.expire(pending.deadline)
                raise StationUnreachable(f"{self.station_id} disconnected") from None
            finally:
                self._waiter = None

    def _settle(self, message_id: str, result: Any = None, error: Exception | None = None) -> None:
        waiter = self._waiter
        if waiter is None or waiter[0] != message_id or waiter[1].done():
            return
        if error is not None:
            waiter[1].set_exception(error)
        else:
            waiter[1].set_result(result)

    def relax(self, relaxation: Relaxation) -> None:
        self.session.relaxation = relaxation

    def closed(self) -> None:
        self._closed = True
        if self._waiter is not None and not self._waiter[1].done():
            self._waiter[1].set_exception(
                StationUnreachable(f"{self.station_id} disconnected before answering")
            )

    async def receive(self, message: str | bytes, handler: InboundHandler) -> None:
        """Handle one frame from the station; LinkClosed when its answer cannot be sent."""
        event = self.session.receive(message)
        if self._tap is not None:
            self._tap.frame(self.station_id, Direction.IN, message, received(event))
        if isinstance(event, CallReceived):
            if event.relaxed:
                handler.relaxed(self, event.relaxed)
            try:
                response = await handler.handle_call(self, event.action, event.payload)
                frame = self.session.answer(event.message_id, event.action, response)
            except OcppError as exc:
                frame = self.session.answer_error(event.message_id, exc)
            except Exception:
                log.exception("%s: %s failed", self.station_id, event.action)
                frame = self.session.answer_error(
                    event.message_id, InternalError(f"{event.action} could not be processed")
                )
            if self._tap is not None:
                self._tap.frame(self.station_id, Direction.OUT, frame, answered(frame, event))
            await self._send(frame)
        elif isinstance(event, ResultReceived):
            self._settle(event.message_id, event.payload)
        elif isinstance(event, ErrorReceived):
            self._settle(event.message_id, error=CallRejected(event.error))
        elif isinstance(event, InvalidResult):
            error = CallError(
                event.message_id,
                event.error.code,
                event.error.code.spell(self.version),
                f"invalid {event.action} answer: {event.error.description}",
                {},
            )
            self._settle(event.message_id, error=CallRejected(error))
        elif isinstance(event, Reply):
            log.warning(
                "%s: refused a frame: %s %s",
                self.station_id,
                event.error.code.spell(self.version),
                event.error.description,
            )
            if self._tap is not None:
                self._tap.frame(self.station_id, Direction.OUT, event.frame)
            await self._send(event.frame)
        elif isinstance(event, Dropped):
            log.info("%s: dropped %s", self.station_id, event.reason)
