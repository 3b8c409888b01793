"""Everything else a station reports (firmware, logs, security events, device model, limits, ...).

Each report is stored with a neutral kind, the status or summary it carries, and the message
content as sent, so later features can read it without a schema change.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import Any


class ReportKind(enum.StrEnum):
    FIRMWARE_STATUS = "firmware-status"
    PUBLISH_FIRMWARE_STATUS = "publish-firmware-status"
    DIAGNOSTICS_STATUS = "diagnostics-status"
    LOG_STATUS = "log-status"
    SECURITY_EVENT = "security-event"
    DEVICE_EVENT = "device-event"
    DEVICE_REPORT = "device-report"
    MONITORING_REPORT = "monitoring-report"
    CHARGING_LIMIT = "charging-limit"
    CHARGING_LIMIT_CLEARED = "charging-limit-cleared"
    CHARGING_PROFILES_REPORT = "charging-profiles-report"
    EV_CHARGING_NEEDS = "ev-charging-needs"
    EV_CHARGING_SCHEDULE = "ev-charging-schedule"
    DISPLAY_MESSAGES = "display-messages"
    CUSTOMER_INFORMATION = "customer-information"
    RESERVATION_STATUS = "reservation-status"
    DATA_TRANSFER = "data-transfer"
    CERTIFICATE_SIGNING_REQUEST = "certificate-signing-request"
    CERTIFICATE_REQUEST = "certificate-request"


@dataclasses.dataclass(frozen=True, slots=True)
class StationReport:
    station_id: str
    kind: ReportKind
    received_at: datetime
    status: str | None = None
    request_id: int | None = None
    content: dict[str, Any] = dataclasses.field(default_factory=dict)
