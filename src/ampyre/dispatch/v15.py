"""OCPP 1.5 (SOAP) routing table: every charge-point-initiated action → adapter → service."""

from __future__ import annotations

from ampyre.adapters.v15 import inbound, outbound
from ampyre.dispatch.context import StationContext
from ampyre.dispatch.router import RouteTable
from ampyre.domain.reports import ReportKind
from ampyre.messages.v15 import types as m


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
    await ctx.services.availability.report(inbound.status_report(ctx.station_id, req, ctx.now()))
    return m.StatusNotificationResponse()


async def authorize(ctx: StationContext, req: m.AuthorizeRequest) -> m.AuthorizeResponse:
    result = await ctx.services.authorization.authorize(inbound.id_token(req.idTag), ctx.now())
    return m.AuthorizeResponse(idTagInfo=outbound.id_tag_info(result))


async def start_transaction(
    ctx: StationContext, req: m.StartTransactionRequest
) -> m.StartTransactionResponse:
    outcome = await ctx.services.transactions.apply(inbound.start(ctx.station_id, req))
    assert outcome.transaction is not None
    return m.StartTransactionResponse(
        transactionId=outcome.transaction.id,
        idTagInfo=outbound.id_tag_info(outcome.authorization),
    )


async def stop_transaction(
    ctx: StationContext, req: m.StopTransactionRequest
) -> m.StopTransactionResponse:
    outcome = await ctx.services.transactions.apply(inbound.stop(ctx.station_id, req))
    if req.idTag is None:
        return m.StopTransactionResponse()
    return m.StopTransactionResponse(idTagInfo=outbound.id_tag_info(outcome.authorization))


async def meter_values(ctx: StationContext, req: m.MeterValuesRequest) -> m.MeterValuesResponse:
    if req.transactionId is None:
        evse_id, _ = inbound.evse_connector(req.connectorId)
        await ctx.services.transactions.record_meter_values(
            ctx.station_id, evse_id, inbound.meter_values(req.values or [])
        )
    else:
        await ctx.services.transactions.apply(
            inbound.transaction_meter_values(ctx.station_id, req, ctx.now())
        )
    return m.MeterValuesResponse()


async def data_transfer(ctx: StationContext, req: m.DataTransferRequest) -> m.DataTransferResponse:
    result = await ctx.services.data_transfer.receive(
        inbound.data_transfer(ctx.station_id, req, ctx.now())
    )
    return outbound.data_transfer_response(result)


async def diagnostics_status_notification(
    ctx: StationContext, req: m.DiagnosticsStatusNotificationRequest
) -> m.DiagnosticsStatusNotificationResponse:
    await ctx.report(ReportKind.DIAGNOSTICS_STATUS, req, req.status)
    return m.DiagnosticsStatusNotificationResponse()


async def firmware_status_notification(
    ctx: StationContext, req: m.FirmwareStatusNotificationRequest
) -> m.FirmwareStatusNotificationResponse:
    await ctx.report(ReportKind.FIRMWARE_STATUS, req, req.status)
    return m.FirmwareStatusNotificationResponse()


ROUTES: RouteTable = {
    "Authorize": authorize,
    "BootNotification": boot_notification,
    "DataTransfer": data_transfer,
    "DiagnosticsStatusNotification": diagnostics_status_notification,
    "FirmwareStatusNotification": firmware_status_notification,
    "Heartbeat": heartbeat,
    "MeterValues": meter_values,
    "StartTransaction": start_transaction,
    "StatusNotification": status_notification,
    "StopTransaction": stop_transaction,
}
