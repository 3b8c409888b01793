"""A live connection to a station as the layers above transports see it."""

from __future__ import annotations

from typing import Any, Protocol

from ampyre.protocol.rpc import CallError
from ampyre.protocol.validation import Relaxation
from ampyre.protocol.versions import OcppVersion


class StationUnreachable(Exception):
    """The station is not connected, or its connection closed before it answered."""


class CallTimeout(Exception):
    """The station did not answer our CALL in time."""


class CallRejected(Exception):
    """The station answered our CALL with a CALLERROR (or an answer its schema forbids)."""

    def __init__(self, error: CallError) -> None:
        super().__init__(f"{error.wire_code}: {error.description}")
        self.error = error


class StationLink(Protocol):
    station_id: str
    version: OcppVersion
    #: free slot for the layer that handles the station's messages (its per-station state)
    state: Any

    async def call(self, action: str, payload: Any, timeout: float | None = None) -> Any:
        """Send a CALL and return the station's validated answer.

        Raises StationUnreachable, CallTimeout or CallRejected; ValueError for a payload
        that its schema forbids (nothing is sent then).
        """
        ...

    async def close(self, reason: str) -> None: ...

    def relax(self, relaxation: Relaxation) -> None:
        """Change what this connection's validation lets through (e.g. once the model is known)."""
        ...


class InboundHandler(Protocol):
    async def connected(self, link: StationLink) -> None:
        """Raise to refuse the station (the connection is closed with the error as reason)."""
        ...

    async def handle_call(self, link: StationLink, action: str, payload: Any) -> Any:
        """Return the response payload, or raise an `OcppError` to answer with a CALLERROR."""
        ...

    async def disconnected(self, link: StationLink) -> None: ...

    def relaxed(self, link: StationLink, notes: tuple[str, ...]) -> None:
        """Leniency let a constraint breach through (log it once per station)."""
        ...
