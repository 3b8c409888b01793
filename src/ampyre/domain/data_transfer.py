"""Vendor-specific data exchanged with DataTransfer."""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import Any


class DataTransferStatus(enum.StrEnum):
    ACCEPTED = "Accepted"
    REJECTED = "Rejected"
    UNKNOWN_MESSAGE_ID = "UnknownMessageId"
    UNKNOWN_VENDOR_ID = "UnknownVendorId"


@dataclasses.dataclass(frozen=True, slots=True)
class DataTransfer:
    station_id: str
    received_at: datetime
    vendor_id: str
    message_id: str | None = None
    data: Any = None


@dataclasses.dataclass(frozen=True, slots=True)
class DataTransferResult:
    status: DataTransferStatus
    data: Any = None
