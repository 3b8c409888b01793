"""The OCPP-J opening handshake decision, the same for every WebSocket library.

Which station connects (from the path), whether the request is an upgrade at all, which OCPP
version the connection speaks (the station's offer, in our preference order, or its leniency
default when it offers none). Synchronous on purpose: some libraries (picows) decide the
upgrade in a plain callback, so admission must not wait on anything.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus

from ampyre.leniency import Leniency
from ampyre.protocol.json_session import ActionTable
from ampyre.protocol.versions import OcppVersion
from ampyre.transports.station_id import BadStationId, station_id_from_path

log = logging.getLogger("ampyre.transport")

#: frames this many times over the OCPP limit are not even read: the connection closes (1009)
HARD_LIMIT_FACTOR = 4
#: connections the kernel queues for their handshake: a reconnect storm sends hundreds at
#: once, and asyncio's default of 100 drops the rest's SYNs (clients retry after 1 s, 3 s)
LISTEN_BACKLOG = 4096


@dataclasses.dataclass(frozen=True, slots=True)
class Admitted:
    station_id: str
    version: OcppVersion
    leniency: Leniency
    #: the subprotocol to name in the answer (None: the station offered none)
    subprotocol: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class Refused:
    status: HTTPStatus
    body: str


def offered_subprotocols(header_values: Iterable[str]) -> list[str]:
    """Names from every Sec-WebSocket-Protocol header, in the order the station listed them."""
    return [name.strip() for value in header_values for name in value.split(",") if name.strip()]


class Handshake:
    """Decides each OCPP-J upgrade request: `Admitted` or `Refused` with a reason."""

    def __init__(
        self,
        path: str,
        tables: Mapping[OcppVersion, ActionTable],
        admit: Callable[[str], Leniency],
    ) -> None:
        self.path = path
        self.tables = tables
        self._admit = admit
        #: the versions we speak, as named in a refusal
        self.preference = [v for v in (OcppVersion.V201, OcppVersion.V16) if v in tables]

    def _pick(self, offered: list[str]) -> OcppVersion | None:
        """The first version in the station's list that we speak (the station's preference)."""
        for name in offered:
            version = OcppVersion.from_subprotocol(name)
            if version is not None and version in self.tables:
                return version
        return None

    def decide(self, path: str, connection: str, offered: list[str]) -> Admitted | Refused:
        try:
            station_id = station_id_from_path(path, self.path)
        except BadStationId as exc:
            log.warning("refused connection to %r: %s", path[:100], exc)
            return Refused(HTTPStatus.BAD_REQUEST, f"{exc}\n")
        if "upgrade" not in connection.lower():
            return Refused(HTTPStatus.UPGRADE_REQUIRED, "OCPP-J needs a WebSocket\n")
        leniency = self._admit(station_id)
        version = self._pick(offered)
        if version is not None:
            return Admitted(station_id, version, leniency, version.subprotocol)
        if not offered and leniency.default_version in self.tables:
            assert leniency.default_version is not None
            log.warning(
                "%s: no subprotocol offered, assuming OCPP %s (leniency)",
                station_id,
                leniency.default_version,
            )
            return Admitted(station_id, leniency.default_version, leniency, None)
        speak = ", ".join(v.subprotocol for v in self.preference)
        reason = (
            f"offered subprotocols {', '.join(offered)} are not spoken here"
            if offered
            else "no OCPP subprotocol offered"
        )
        log.warning("%s: refused: %s (we speak %s)", station_id, reason, speak)
        return Refused(HTTPStatus.BAD_REQUEST, f"{reason}; offer one of: {speak}\n")
