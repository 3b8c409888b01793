"""Domain values → OCPP 1.6 responses."""

from __future__ import annotations

from ampyre.domain.authorization import AuthorizationResult, AuthorizationStatus
from ampyre.domain.data_transfer import DataTransferResult
from ampyre.domain.station import BootDecision
from ampyre.messages.v16 import types as m


def boot_response(decision: BootDecision) -> m.BootNotificationResponse:
    return m.BootNotificationResponse(
        status=m.RegistrationStatus(decision.status.value),
        currentTime=decision.current_time,
        interval=decision.interval_s,
    )


def id_tag_info(result: AuthorizationResult | None) -> m.IdTagInfo:
    if result is None:
        return m.IdTagInfo(status=m.AuthorizationStatus.Accepted)
    return m.IdTagInfo(
        status=m.AuthorizationStatus(result.status.value),
        expiryDate=result.expiry,
        parentIdTag=result.group_id[:20] if result.group_id else None,
    )


def is_accepted(result: AuthorizationResult | None) -> bool:
    return result is None or result.status is AuthorizationStatus.ACCEPTED


def data_transfer_response(result: DataTransferResult) -> m.DataTransferResponse:
    data = result.data if result.data is None or isinstance(result.data, str) else str(result.data)
    return m.DataTransferResponse(status=m.DataTransferStatus(result.status.value), data=data)
