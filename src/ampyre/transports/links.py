"""A live connection to a station as the layers above transports see it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from ampyre.domain.message_log import Direction, FrameInfo
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


class Wiretap(Protocol):
    """Sees every frame a transport receives from or sends to a station (message log, metrics).

    Called on the hot path: it must return at once and never raise. `info` describes the
    frame when the transport knows it already (SOAP envelopes, OCPP-J frames its session
    read or built); otherwise the tap describes it later.
    """

    def frame(
        self,
        station_id: str,
        direction: Direction,
        data: str | bytes,
        info: FrameInfo | None = None,
    ) -> None: ...


class LinkRegistry:
    """The live links of this node, by station id, whatever transport carries them.

    Transports register a station's link when it connects and remove it when it goes; the
    command gateway finds a station here. A station that reconnects replaces its old link.
    """

    def __init__(self, tap: Wiretap | None = None) -> None:
        self._links: dict[str, StationLink] = {}
        #: every transport hands the frames of its links to this tap (None: nobody listens)
        self.tap = tap

    def get(self, station_id: str) -> StationLink | None:
        return self._links.get(station_id)

    def __getitem__(self, station_id: str) -> Any:
        return self._links[station_id]

    def __contains__(self, station_id: object) -> bool:
        return station_id in self._links

    def __len__(self) -> int:
        return len(self._links)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._links))

    def ids(self) -> list[str]:
        return list(self._links)

    def put(self, link: StationLink) -> StationLink | None:
        """Register `link`; return the link it replaced, if any."""
        old = self._links.get(link.station_id)
        self._links[link.station_id] = link
        return old

    def remove(self, link: StationLink) -> bool:
        """Forget `link` if it is still the station's current one; True if it was."""
        if self._links.get(link.station_id) is link:
            del self._links[link.station_id]
            return True
        return False
