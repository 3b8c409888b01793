"""Connector and EVSE status as reported by StatusNotification."""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime


class ConnectorStatus(enum.StrEnum):
    """Union of the 1.x and 2.0.1 status vocabularies; each version maps onto its own subset."""

    AVAILABLE = "Available"
    PREPARING = "Preparing"
    CHARGING = "Charging"
    SUSPENDED_EV = "SuspendedEV"
    SUSPENDED_EVSE = "SuspendedEVSE"
    FINISHING = "Finishing"
    OCCUPIED = "Occupied"
    RESERVED = "Reserved"
    UNAVAILABLE = "Unavailable"
    FAULTED = "Faulted"


@dataclasses.dataclass(frozen=True, slots=True)
class StatusReport:
    """One status change of the station (evse 0), an EVSE or a connector."""

    station_id: str
    evse_id: int
    connector_id: int
    status: ConnectorStatus
    timestamp: datetime
    error_code: str | None = None
    info: str | None = None
    vendor_id: str | None = None
    vendor_error_code: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class ConnectorState:
    """The current status of one connector, as the database keeps it."""

    evse_id: int
    connector_id: int
    status: ConnectorStatus
    error_code: str | None
    updated_at: datetime


@dataclasses.dataclass(frozen=True, slots=True)
class StatusQuery:
    """Which status changes of one station to find, newest received first.

    `since`/`until` bound the station's timestamp: since <= timestamp < until.
    """

    station_id: str
    evse_id: int | None = None
    connector_id: int | None = None
    status: ConnectorStatus | None = None
    since: datetime | None = None
    until: datetime | None = None
    #: keyset pagination: only changes received before this one
    before_id: int | None = None
    limit: int = 50


@dataclasses.dataclass(frozen=True, slots=True)
class StatusChange:
    """A stored status report and its place in the history."""

    id: int
    report: StatusReport
