"""OCPP 2.0.1 routing table: every charge-station-initiated action → adapter → service → adapter."""

from __future__ import annotations

from ampyre.adapters.v201 import configuration_commands, inbound, outbound
from ampyre.dispatch.context import StationContext
from ampyre.dispatch.router import RouteTable
from ampyre.domain.reports import ReportKind
from ampyre.messages.v201 import types as m


async def boot_notification(
    ctx: StationContext, req: m.BootNotificationRequest
) -> m.BootNotificationResponse:
    decision, station = await ctx.services.provisioning.boot(
        ctx.station_id, ctx.version.value, inbound.boot_info(req), ctx.now()
    )
    ctx.station = station
    return outbound.boot_response(decision)


async def heartbeat(ctx: StationContext, req: m.HeartbeatRequest) -> m.HeartbeatResponse:
    # nothing to store: the router noted that the station was heard from
    return m.HeartbeatResponse(currentTime=ctx.now())


async def status_notification(
    ctx: StationContext, req: m.StatusNotificationRequest
) -> m.StatusNotificationResponse:
    await ctx.services.availability.report(inbound.status_report(ctx.station_id, req))
    return m.StatusNotificationResponse()


async def authorize(ctx: StationContext, req: m.AuthorizeRequest) -> m.AuthorizeResponse:
    result = await ctx.services.authorization.authorize(inbound.id_token(req.idToken), ctx.now())
    return outbound.authorize_response(result)


async def transaction_event(
    ctx: StationContext, req: m.TransactionEventRequest
) -> m.TransactionEventResponse:
    update = inbound.transaction_update(ctx.station_id, req)
    outcome = await ctx.services.transactions.apply(update)
    return outbound.transaction_event_response(outcome, token_shown=update.id_token is not None)


async def meter_values(ctx: StationContext, req: m.MeterValuesRequest) -> m.MeterValuesResponse:
    await ctx.services.transactions.record_meter_values(
        ctx.station_id, req.evseId, inbound.meter_values(req.meterValue)
    )
    return m.MeterValuesResponse()


async def data_transfer(ctx: StationContext, req: m.DataTransferRequest) -> m.DataTransferResponse:
    result = await ctx.services.data_transfer.receive(
        inbound.data_transfer(ctx.station_id, req, ctx.now())
    )
    return outbound.data_transfer_response(result)


async def firmware_status_notification(
    ctx: StationContext, req: m.FirmwareStatusNotificationRequest
) -> m.FirmwareStatusNotificationResponse:
    await ctx.report(ReportKind.FIRMWARE_STATUS, req, req.status, req.requestId)
    return m.FirmwareStatusNotificationResponse()


async def publish_firmware_status_notification(
    ctx: StationContext, req: m.PublishFirmwareStatusNotificationRequest
) -> m.PublishFirmwareStatusNotificationResponse:
    await ctx.report(ReportKind.PUBLISH_FIRMWARE_STATUS, req, req.status, req.requestId)
    return m.PublishFirmwareStatusNotificationResponse()


async def log_status_notification(
    ctx: StationContext, req: m.LogStatusNotificationRequest
) -> m.LogStatusNotificationResponse:
    await ctx.report(ReportKind.LOG_STATUS, req, req.status, req.requestId)
    return m.LogStatusNotificationResponse()


async def security_event_notification(
    ctx: StationContext, req: m.SecurityEventNotificationRequest
) -> m.SecurityEventNotificationResponse:
    await ctx.report(ReportKind.SECURITY_EVENT, req, req.type)
    return m.SecurityEventNotificationResponse()


async def notify_event(ctx: StationContext, req: m.NotifyEventRequest) -> m.NotifyEventResponse:
    await ctx.report(ReportKind.DEVICE_EVENT, req)
    return m.NotifyEventResponse()


async def notify_report(ctx: StationContext, req: m.NotifyReportRequest) -> m.NotifyReportResponse:
    await ctx.report(ReportKind.DEVICE_REPORT, req, request_id=req.requestId)
    if ctx.services.configuration is not None:
        await ctx.services.configuration.reported(
            configuration_commands.reported_settings(ctx.station_id, req, ctx.now())
        )
    return m.NotifyReportResponse()


async def notify_monitoring_report(
    ctx: StationContext, req: m.NotifyMonitoringReportRequest
) -> m.NotifyMonitoringReportResponse:
    await ctx.report(ReportKind.MONITORING_REPORT, req, request_id=req.requestId)
    return m.NotifyMonitoringReportResponse()


async def notify_charging_limit(
    ctx: StationContext, req: m.NotifyChargingLimitRequest
) -> m.NotifyChargingLimitResponse:
    await ctx.report(ReportKind.CHARGING_LIMIT, req, req.chargingLimit.chargingLimitSource)
    return m.NotifyChargingLimitResponse()


async def cleared_charging_limit(
    ctx: StationContext, req: m.ClearedChargingLimitRequest
) -> m.ClearedChargingLimitResponse:
    await ctx.report(ReportKind.CHARGING_LIMIT_CLEARED, req, req.chargingLimitSource)
    return m.ClearedChargingLimitResponse()


async def report_charging_profiles(
    ctx: StationContext, req: m.ReportChargingProfilesRequest
) -> m.ReportChargingProfilesResponse:
    await ctx.report(
        ReportKind.CHARGING_PROFILES_REPORT, req, req.chargingLimitSource, req.requestId
    )
    return m.ReportChargingProfilesResponse()


async def notify_ev_charging_needs(
    ctx: StationContext, req: m.NotifyEVChargingNeedsRequest
) -> m.NotifyEVChargingNeedsResponse:
    response = outbound.ev_charging_needs_response()
    await ctx.report(ReportKind.EV_CHARGING_NEEDS, req, response.status)
    return response


async def notify_ev_charging_schedule(
    ctx: StationContext, req: m.NotifyEVChargingScheduleRequest
) -> m.NotifyEVChargingScheduleResponse:
    response = outbound.ev_charging_schedule_response()
    await ctx.report(ReportKind.EV_CHARGING_SCHEDULE, req, response.status)
    return response


async def notify_display_messages(
    ctx: StationContext, req: m.NotifyDisplayMessagesRequest
) -> m.NotifyDisplayMessagesResponse:
    await ctx.report(ReportKind.DISPLAY_MESSAGES, req, request_id=req.requestId)
    return m.NotifyDisplayMessagesResponse()


async def notify_customer_information(
    ctx: StationContext, req: m.NotifyCustomerInformationRequest
) -> m.NotifyCustomerInformationResponse:
    await ctx.report(ReportKind.CUSTOMER_INFORMATION, req, request_id=req.requestId)
    return m.NotifyCustomerInformationResponse()


async def reservation_status_update(
    ctx: StationContext, req: m.ReservationStatusUpdateRequest
) -> m.ReservationStatusUpdateResponse:
    await ctx.report(ReportKind.RESERVATION_STATUS, req, req.reservationUpdateStatus)
    if ctx.services.reservations is not None:
        await ctx.services.reservations.status_update(
            ctx.station_id, req.reservationId, req.reservationUpdateStatus.value
        )
    return m.ReservationStatusUpdateResponse()


async def sign_certificate(
    ctx: StationContext, req: m.SignCertificateRequest
) -> m.SignCertificateResponse:
    # Stored with the status we answer, as 1.6 does: the CSR is kept, nothing gets signed yet.
    response = outbound.sign_certificate_response()
    await ctx.report(ReportKind.CERTIFICATE_SIGNING_REQUEST, req, response.status)
    return response


async def get_15118_ev_certificate(
    ctx: StationContext, req: m.Get15118EVCertificateRequest
) -> m.Get15118EVCertificateResponse:
    response = outbound.get_15118_ev_certificate_response()
    await ctx.report(ReportKind.CERTIFICATE_REQUEST, req, response.status)
    return response


async def get_certificate_status(
    ctx: StationContext, req: m.GetCertificateStatusRequest
) -> m.GetCertificateStatusResponse:
    response = outbound.get_certificate_status_response()
    await ctx.report(ReportKind.CERTIFICATE_REQUEST, req, response.status)
    return response


ROUTES: RouteTable = {
    "Authorize": authorize,
    "BootNotification": boot_notification,
    "ClearedChargingLimit": cleared_charging_limit,
    "DataTransfer": data_transfer,
    "FirmwareStatusNotification": firmware_status_notification,
    "Get15118EVCertificate": get_15118_ev_certificate,
    "GetCertificateStatus": get_certificate_status,
    "Heartbeat": heartbeat,
    "LogStatusNotification": log_status_notification,
    "MeterValues": meter_values,
    "NotifyChargingLimit": notify_charging_limit,
    "NotifyCustomerInformation": notify_customer_information,
    "NotifyDisplayMessages": notify_display_messages,
    "NotifyEVChargingNeeds": notify_ev_charging_needs,
    "NotifyEVChargingSchedule": notify_ev_charging_schedule,
    "NotifyEvent": notify_event,
    "NotifyMonitoringReport": notify_monitoring_report,
    "NotifyReport": notify_report,
    "PublishFirmwareStatusNotification": publish_firmware_status_notification,
    "ReportChargingProfiles": report_charging_profiles,
    "ReservationStatusUpdate": reservation_status_update,
    "SecurityEventNotification": security_event_notification,
    "SignCertificate": sign_certificate,
    "StatusNotification": status_notification,
    "TransactionEvent": transaction_event,
}
