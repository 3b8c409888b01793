"""Domain values → OCPP 2.0.1 responses."""

from __future__ import annotations

from ampyre.adapters.time import utc
from ampyre.domain.authorization import AuthorizationResult, AuthorizationStatus
from ampyre.domain.data_transfer import DataTransferResult, DataTransferStatus
from ampyre.domain.station import BootDecision, RegistrationStatus
from ampyre.domain.transactions import TransactionOutcome
from ampyre.messages.v201 import types as m

_REGISTRATION: dict[RegistrationStatus, m.RegistrationStatusEnumType] = {
    RegistrationStatus.ACCEPTED: m.RegistrationStatusEnumType.Accepted,
    RegistrationStatus.PENDING: m.RegistrationStatusEnumType.Pending,
    RegistrationStatus.REJECTED: m.RegistrationStatusEnumType.Rejected,
}

#: The domain knows a subset of AuthorizationStatusEnumType (no NoCredit, NotAtThisTime, ...).
_AUTHORIZATION: dict[AuthorizationStatus, m.AuthorizationStatusEnumType] = {
    AuthorizationStatus.ACCEPTED: m.AuthorizationStatusEnumType.Accepted,
    AuthorizationStatus.BLOCKED: m.AuthorizationStatusEnumType.Blocked,
    AuthorizationStatus.EXPIRED: m.AuthorizationStatusEnumType.Expired,
    AuthorizationStatus.INVALID: m.AuthorizationStatusEnumType.Invalid,
    AuthorizationStatus.CONCURRENT_TX: m.AuthorizationStatusEnumType.ConcurrentTx,
}

_DATA_TRANSFER: dict[DataTransferStatus, m.DataTransferStatusEnumType] = {
    DataTransferStatus.ACCEPTED: m.DataTransferStatusEnumType.Accepted,
    DataTransferStatus.REJECTED: m.DataTransferStatusEnumType.Rejected,
    DataTransferStatus.UNKNOWN_MESSAGE_ID: m.DataTransferStatusEnumType.UnknownMessageId,
    DataTransferStatus.UNKNOWN_VENDOR_ID: m.DataTransferStatusEnumType.UnknownVendorId,
}

#: IdTokenType.idToken is at most 36 characters.
_ID_TOKEN_MAX = 36

#: Why a request we cannot serve yet is refused (part 2, appendix 5 reason codes).
NO_PKI = m.StatusInfoType(
    reasonCode="UnsupportedRequest",
    additionalInfo="no certificate authority or OCSP responder is configured",
)
NO_SMART_CHARGING = m.StatusInfoType(
    reasonCode="UnsupportedRequest",
    additionalInfo="this central system does not compute charging schedules",
)


def boot_response(decision: BootDecision) -> m.BootNotificationResponse:
    return m.BootNotificationResponse(
        status=_REGISTRATION[decision.status],
        currentTime=utc(decision.current_time),
        interval=decision.interval_s,
    )


def id_token_info(result: AuthorizationResult | None) -> m.IdTokenInfoType:
    if result is None:
        return m.IdTokenInfoType(status=m.AuthorizationStatusEnumType.Accepted)
    group = (
        m.IdTokenType(idToken=result.group_id[:_ID_TOKEN_MAX], type=m.IdTokenEnumType.Central)
        if result.group_id
        else None
    )
    return m.IdTokenInfoType(
        status=_AUTHORIZATION[result.status],
        cacheExpiryDateTime=utc(result.expiry) if result.expiry else None,
        groupIdToken=group,
    )


def authorize_response(result: AuthorizationResult) -> m.AuthorizeResponse:
    return m.AuthorizeResponse(idTokenInfo=id_token_info(result))


def transaction_event_response(
    outcome: TransactionOutcome, token_shown: bool
) -> m.TransactionEventResponse:
    """idTokenInfo answers a presented token; an event without one gets an empty answer."""
    if not token_shown:
        return m.TransactionEventResponse()
    return m.TransactionEventResponse(idTokenInfo=id_token_info(outcome.authorization))


def data_transfer_response(result: DataTransferResult) -> m.DataTransferResponse:
    """2.0.1 `data` is any JSON value: whatever the handler returned is passed through."""
    return m.DataTransferResponse(status=_DATA_TRANSFER[result.status], data=result.data)


def sign_certificate_response() -> m.SignCertificateResponse:
    # No certificate authority is configured yet: Rejected tells the station that no
    # CertificateSignedRequest will follow (the CSR is kept as a report).
    return m.SignCertificateResponse(status=m.GenericStatusEnumType.Rejected, statusInfo=NO_PKI)


def get_15118_ev_certificate_response() -> m.Get15118EVCertificateResponse:
    # No contract-certificate pool (PKI) behind us: Failed. The schema requires exiResponse
    # and sets no minimum length, so it is empty (part 6 TC_M_27_CS: Failed, "exiResponse is
    # omitted").
    return m.Get15118EVCertificateResponse(
        status=m.Iso15118EVCertificateStatusEnumType.Failed, exiResponse="", statusInfo=NO_PKI
    )


def get_certificate_status_response() -> m.GetCertificateStatusResponse:
    # No OCSP responder is reachable from here: Failed, and no ocspResult.
    return m.GetCertificateStatusResponse(
        status=m.GetCertificateStatusEnumType.Failed, statusInfo=NO_PKI
    )


def ev_charging_needs_response() -> m.NotifyEVChargingNeedsResponse:
    # No smart charging yet, so no schedule will follow. 2.0.1 has no "NoChargingProfile"
    # (that is OCPP 2.1); Accepted would promise a schedule and Processing that one is being
    # prepared, so Rejected is the honest answer.
    return m.NotifyEVChargingNeedsResponse(
        status=m.NotifyEVChargingNeedsStatusEnumType.Rejected, statusInfo=NO_SMART_CHARGING
    )


def ev_charging_schedule_response() -> m.NotifyEVChargingScheduleResponse:
    # The schedule the EV chose (K15) is stored as a report; with no limits of ours to check
    # it against, there is nothing to reject: Accepted.
    return m.NotifyEVChargingScheduleResponse(status=m.GenericStatusEnumType.Accepted)
