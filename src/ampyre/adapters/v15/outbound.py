"""Domain values → OCPP 1.5 responses."""

from __future__ import annotations

from ampyre.domain.authorization import AuthorizationResult
from ampyre.domain.data_transfer import DataTransferResult
from ampyre.domain.station import BootDecision, RegistrationStatus
from ampyre.messages.v15 import types as m


def boot_response(decision: BootDecision) -> m.BootNotificationResponse:
    # 1.5 knows no Pending: a station not accepted yet is told Rejected and boots again
    # after heartbeatInterval, which is what Pending asks of a 1.6 station.
    accepted = decision.status is RegistrationStatus.ACCEPTED
    return m.BootNotificationResponse(
        status=m.RegistrationStatus.Accepted if accepted else m.RegistrationStatus.Rejected,
        currentTime=decision.current_time,
        heartbeatInterval=decision.interval_s,
    )


def id_tag_info(result: AuthorizationResult | None) -> m.IdTagInfo:
    if result is None:
        return m.IdTagInfo(status=m.AuthorizationStatus.Accepted)
    return m.IdTagInfo(
        status=m.AuthorizationStatus(result.status.value),
        expiryDate=result.expiry,
        parentIdTag=result.group_id[:20] if result.group_id else None,
    )


def data_transfer_response(result: DataTransferResult) -> m.DataTransferResponse:
    data = result.data if result.data is None or isinstance(result.data, str) else str(result.data)
    return m.DataTransferResponse(status=m.DataTransferStatus(result.status.value), data=data)
