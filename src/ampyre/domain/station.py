"""Stations and their topology: Station → EVSE → Connector (EVSE-first).

OCPP 1.x connectorId n is EVSE n with connector 1; connectorId 0 is the station itself.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime


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


@dataclasses.dataclass(frozen=True, slots=True)
class BootDecision:
    status: RegistrationStatus
    interval_s: int
    current_time: datetime
