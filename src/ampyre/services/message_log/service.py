"""Search the message log, and delete what is older than the retention period."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import timedelta
from typing import Any

from ampyre.domain.message_log import FrameKind, LoggedMessage, MessageQuery
from ampyre.services.ports import Clock, UnitOfWorkFactory

log = logging.getLogger("ampyre.message_log")


def payload_of(message: LoggedMessage) -> Any:
    """The payload of an OCPP-J frame as JSON (a CALLERROR's code, description, details);
    None when the frame is no JSON array (a malformed frame, a SOAP envelope)."""
    try:
        frame = json.loads(message.frame)
    except ValueError:
        return None
    if not isinstance(frame, list):
        return None
    if message.kind is FrameKind.CALL and len(frame) >= 4:
        return frame[3]
    if message.kind is FrameKind.RESULT and len(frame) >= 3:
        return frame[2]
    if message.kind is FrameKind.ERROR and len(frame) >= 5:
        return {"code": frame[2], "description": frame[3], "details": frame[4]}
    return None


class MessageLogService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        retention: timedelta | None,
        purge_interval: float = 3600.0,
    ) -> None:
        self._uow = uow
        self._clock = clock
        #: messages older than this are deleted (None: kept forever)
        self.retention = retention
        self._purge_interval = purge_interval
        self._task: asyncio.Task[None] | None = None
        self._purged = asyncio.Event()

    async def search(self, query: MessageQuery) -> list[LoggedMessage]:
        async with self._uow() as uow:
            return await uow.message_log.search(query)

    async def purge(self) -> int:
        """Delete the messages older than the retention period; return how many."""
        if self.retention is None:
            return 0
        cutoff = self._clock.now() - self.retention
        async with self._uow() as uow:
            deleted = await uow.message_log.delete_older_than(cutoff)
            await uow.commit()
        if deleted:
            log.info("message log: deleted %d messages older than %s", deleted, cutoff)
        return deleted

    async def next_purge(self) -> None:
        """Wait for the periodic purge to run once more."""
        await self._purged.wait()

    def start(self) -> None:
        if self.retention is not None:
            self._task = asyncio.create_task(self._run(), name="message-log-purge")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.purge()
            except Exception as exc:
                log.error("message log: purge failed: %s", exc)
            purged, self._purged = self._purged, asyncio.Event()
            purged.set()
            await asyncio.sleep(self._purge_interval)
