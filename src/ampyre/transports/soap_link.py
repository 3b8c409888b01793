"""A SOAP station as a StationLink: commands are POSTed to its ChargePointService.

The station is called at the operator's address in its record, else at the address its
WS-Addressing From announced last (in this run, else as its record remembers it).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ampyre.domain.station import StationAddress
from ampyre.protocol.validation import Relaxation
from ampyre.protocol.versions import OcppVersion
from ampyre.transports.links import StationUnreachable, Wiretap
from ampyre.transports.soap_client import SoapClient, Tap


class AddressBook(Protocol):
    """The station records' addresses (OCPP-S): announced by the stations, set by operators."""

    async def find(self, station_id: str) -> StationAddress | None: ...

    async def addressed(self) -> Sequence[tuple[str, str | None, StationAddress]]:
        """Every station with an address: id, OCPP version, addresses (a restart's links)."""
        ...

    async def announced(self, station_id: str, address: str) -> bool:
        """Remember the station's new address; False when it has no record (yet)."""
        ...


@dataclasses.dataclass(frozen=True)
class Bridge:
    """Lets a link take commands in another version's types (1.6 commands to a 1.5 station):
    `outbound(action, payload)` gives the wire request, `inbound(action, answer)` the answer
    in the caller's types; a payload already in the wire's types goes through as it is."""

    outbound: Callable[[str, Any], Any]
    inbound: Callable[[str, Any], Any]


class SoapLink:
    """A SOAP station as a StationLink: `call()` POSTs to its ChargePointService."""

    def __init__(
        self,
        station_id: str,
        version: OcppVersion,
        client: SoapClient,
        call_timeout: float,
        endpoint: str | None = None,
        bridge: Bridge | None = None,
        addresses: AddressBook | None = None,
        tap: Wiretap | None = None,
    ) -> None:
        self.station_id = station_id
        self.version = version
        self.state: Any = None
        self.client = client
        self.call_timeout = call_timeout
        #: where the station said it listens (WS-Addressing From of its last message)
        self.announced: str | None = endpoint
        #: the announced address as the station's record has it
        self.stored: str | None = None
        self.addresses = addresses
        self.bridge = bridge
        self._tap: Tap | None = None
        if tap is not None:
            self._tap = lambda direction, data, info: tap.frame(station_id, direction, data, info)
        #: False for a link restored at start-up until the station's first message
        self.admitted = True
        self._lock = asyncio.Lock()
        self.inbound = asyncio.Lock()

    @property
    def endpoint(self) -> str | None:
        """The address the station announced last (see `address()` for where it is called)."""
        return self.announced

    async def address(self) -> str | None:
        """Where the station is called: the override in its record, else the address it
        announced last (in this run, else as its record remembers it)."""
        record = None if self.addresses is None else await self.addresses.find(self.station_id)
        if record is not None and record.override:
            return record.override
        return self.announced or (None if record is None else record.announced)

    async def call(self, action: str, payload: Any, timeout: float | None = None) -> Any:
        endpoint = await self.address()
        if endpoint is None:
            raise StationUnreachable(
                f"{self.station_id} announced no address (WS-Addressing From) to call it at, "
                "and its record sets none"
            )
        wire = payload if self.bridge is None else self.bridge.outbound(action, payload)
        async with self._lock:
            answer = await self.client.call(
                endpoint,
                self.station_id,
                action,
                wire,
                self.call_timeout if timeout is None else timeout,
                tap=self._tap,
            )
        if wire is payload or self.bridge is None:
            return answer
        return self.bridge.inbound(action, answer)

    async def close(self, reason: str) -> None:
        """Nothing to close: each call is its own HTTP exchange."""

    def relax(self, relaxation: Relaxation) -> None:
        """The XML Schema is applied as it is: leniency does not reach OCPP-S."""


__all__ = ["AddressBook", "Bridge", "SoapLink"]
