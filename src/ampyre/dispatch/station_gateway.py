"""The StationGateway on this node's live links: commands in each station's version's words.

A command is rendered by its version's codec (adapters/capabilities), sent over the station's
link (WebSocket or SOAP, whichever it came on), and its reply read back into neutral shape.
Link failures become `CommandFailed` with how the command ended; nothing here retries.
"""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

from ampyre.adapters import capabilities
from ampyre.adapters.command_codec import raw
from ampyre.domain.commands import (
    Command,
    CommandFailed,
    CommandNotSupported,
    CommandReply,
    CommandState,
    InvalidCall,
    StationNotConnected,
)
from ampyre.domain.message_limits import NO_LIMITS, LimitKeys, MessageLimits
from ampyre.messages.v15 import actions as v15
from ampyre.messages.v16 import actions as v16
from ampyre.messages.v201 import actions as v201
from ampyre.protocol.versions import OcppVersion
from ampyre.transports.links import (
    CallRejected,
    CallTimeout,
    StationLink,
    StationUnreachable,
)

#: What a CSMS may send to a station of each version, and the request types to check it with
#: (1.5 stations take 1.6 types: their SOAP link converts).
_OUTBOUND: dict[OcppVersion, tuple[frozenset[str], dict[str, type[msgspec.Struct]]]] = {
    OcppVersion.V15: (v15.CSMS_INITIATED, v16.REQUESTS),
    OcppVersion.V16: (v16.CSMS_INITIATED, v16.REQUESTS),
    OcppVersion.V201: (v201.CSMS_INITIATED, v201.REQUESTS),
}


class Links(Protocol):
    """Where the gateway finds a station's live link (a `LinkRegistry`, or a cluster's)."""

    def get(self, station_id: str) -> StationLink | None: ...


class LinkGateway:
    def __init__(self, links: Links) -> None:
        self._links = links

    def version(self, station_id: str) -> str | None:
        link = self._links.get(station_id)
        return None if link is None else str(link.version)

    def unsupported(self, station_id: str, command: Command) -> str | None:
        link = self._links.get(station_id)
        return None if link is None else capabilities.unsupported(link.version, command)

    def limit_keys(self, station_id: str, command: Command) -> LimitKeys | None:
        link = self._links.get(station_id)
        codec = None if link is None else capabilities.codec(link.version, command)
        return None if codec is None else codec.limits

    async def send(
        self, station_id: str, command: Command, limits: MessageLimits = NO_LIMITS
    ) -> CommandReply:
        link = self._link(station_id)
        codec = capabilities.codec(link.version, command)
        if codec is None:
            raise CommandNotSupported(capabilities.unsupported(link.version, command) or "")
        parts = codec.parts(command, limits)
        requests = [codec.request(part) for part in parts]  # refusals before anything is sent
        replies: list[CommandReply] = []
        for part, request in zip(parts, requests, strict=True):
            try:
                answer = await self._call(link, codec.action, request)
            except CommandFailed as failure:
                if replies:  # the parts answered so far did change the station
                    failure.partial = codec.joined(command, parts, replies)
                raise
            replies.append(codec.decode(part, answer))
            if codec.until_refused and not replies[-1].accepted:
                break  # the later parts build on this one
        return codec.joined(command, parts, replies)

    async def call(self, station_id: str, action: str, payload: Any) -> dict[str, Any]:
        link = self._link(station_id)
        allowed, requests = _OUTBOUND[link.version]
        if action not in allowed:
            raise InvalidCall(
                f"{action} is not a message a central system sends in OCPP {link.version} "
                f"(it sends: {', '.join(sorted(allowed))})"
            )
        try:
            request = msgspec.json.decode(msgspec.json.encode(payload), type=requests[action])
        except (msgspec.ValidationError, msgspec.EncodeError) as exc:
            raise InvalidCall(f"invalid {action} payload: {exc}") from None
        return raw(await self._call(link, action, request))

    def _link(self, station_id: str) -> StationLink:
        link = self._links.get(station_id)
        if link is None:
            raise StationNotConnected(f"station {station_id!r} is not connected")
        return link

    async def _call(self, link: StationLink, action: str, request: Any) -> Any:
        try:
            return await link.call(action, request)
        except ValueError as exc:
            raise InvalidCall(str(exc)) from None
        except CallTimeout as exc:
            raise CommandFailed(str(exc), CommandState.TIMEOUT) from None
        except StationUnreachable as exc:
            raise CommandFailed(str(exc), CommandState.UNREACHABLE) from None
        except CallRejected as exc:
            error = exc.error
            raise CommandFailed(
                f"{link.station_id} answered {action} with {error.wire_code}: "
                f"{error.description or 'no description'}",
                CommandState.CALL_ERROR,
                error.wire_code,
            ) from None
