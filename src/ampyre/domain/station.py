"""Stations and their topology: Station → EVSE → Connector (EVSE-first).

OCPP 1.x connectorId n is EVSE n with connector 1; connectorId 0 is the station itself.
"""

from __future__ import annotations

import dataclasses
import enum
import urllib.parse
from datetime import datetime

#: the longest station address kept (OCPP's anyURI fields allow 512)
MAX_ADDRESS_LENGTH = 512


class RegistrationStatus(enum.StrEnum):
    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"


class RegistrationPolicy(enum.StrEnum):
    """What BootNotification answers a station the operator has not registered."""

    ACCEPT_UNKNOWN = "accept-unknown"
    KNOWN_ONLY_PENDING = "known-only-pending"
    KNOWN_ONLY_REJECTED = "known-only-rejected"


@dataclasses.dataclass(frozen=True, slots=True)
class BootInfo:
    """What a station tells about itself when it boots."""

    vendor: str
    model: str
    serial_number: str | None = None
    firmware_version: str | None = None
    reason: str | None = None
    iccid: str | None = None
    imsi: str | None = None
    meter_type: str | None = None
    meter_serial_number: str | None = None
    modem_serial_number: str | None = None


@dataclasses.dataclass(slots=True)
class Station:
    """A station record as the database knows it."""

    id: str
    ocpp_version: str | None = None
    registered: bool = False
    registration_status: RegistrationStatus | None = None
    boot: BootInfo | None = None
    connected: bool = False
    last_seen: datetime | None = None
    last_boot: datetime | None = None
    created_at: datetime | None = None
    #: the operator's note about the station (where it is, who owns it)
    description: str | None = None


#: what a station id may look like: OCPP 2.0.1 identifierString without ':' (it separates the
#: basic-auth user from the password), inner spaces allowed; the connection URL's rule too
STATION_ID_PATTERN = r"^[A-Za-z0-9*\-_=+|@.]([A-Za-z0-9*\-_=+|@. ]*[A-Za-z0-9*\-_=+|@.])?$"
MAX_STATION_ID_LENGTH = 48


@dataclasses.dataclass(frozen=True, slots=True)
class StationQuery:
    """Which stations to list, by id; every given field must match."""

    connected: bool | None = None
    registered: bool | None = None
    ocpp_version: str | None = None
    #: keyset pagination: only stations with a greater id
    after_id: str | None = None
    limit: int = 50


@dataclasses.dataclass(frozen=True, slots=True)
class StationChanges:
    """What the operator changes on a station record (None: leave as it is)."""

    registered: bool | None = None
    description: str | None = None
    #: set the description to nothing
    clear_description: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class StationAddress:
    """Where the central system calls a station that serves its own endpoint (OCPP-S).

    `announced` is the address of the station's last WS-Addressing From; `override` is the
    operator's, and wins when set (a station behind NAT, a proxy, a From it gets wrong).
    """

    announced: str | None = None
    override: str | None = None

    @property
    def effective(self) -> str | None:
        return self.override or self.announced


def address_problem(address: str) -> str | None:
    """Why `address` cannot be where a station is called (None: it can)."""
    if len(address) > MAX_ADDRESS_LENGTH:
        return f"an address of {len(address)} characters is over {MAX_ADDRESS_LENGTH}"
    try:
        url = urllib.parse.urlsplit(address)
        url.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError as exc:
        return f"{address!r} is no URL: {exc}"
    if url.scheme not in ("http", "https") or not url.hostname:
        return f"{address!r} is no http:// or https:// URL with a host"
    return None


@dataclasses.dataclass(frozen=True, slots=True)
class BootDecision:
    status: RegistrationStatus
    interval_s: int
    current_time: datetime
