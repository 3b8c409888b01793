"""OCPP 1.5 charge-point requests → domain values."""

from __future__ import annotations

from datetime import datetime

from ampyre.adapters.time import utc, utc_or
from ampyre.domain.authorization import IdToken
from ampyre.domain.availability import ConnectorStatus, StatusReport
from ampyre.domain.data_transfer import DataTransfer
from ampyre.domain.metering import ENERGY_REGISTER, MeterValue, SampledValue
from ampyre.domain.station import BootInfo
from ampyre.domain.transactions import TransactionUpdate, UpdateKind
from ampyre.messages.v15 import types as m


def evse_connector(connector_id: int) -> tuple[int, int]:
    """connectorId n is EVSE n with its single connector; 0 is the whole station."""
    return (connector_id, 1) if connector_id > 0 else (0, 0)


def boot_info(req: m.BootNotificationRequest) -> BootInfo:
    return BootInfo(
        vendor=req.chargePointVendor,
        model=req.chargePointModel,
        serial_number=req.chargePointSerialNumber or req.chargeBoxSerialNumber,
        firmware_version=req.firmwareVersion,
        iccid=req.iccid,
        imsi=req.imsi,
        meter_type=req.meterType,
        meter_serial_number=req.meterSerialNumber,
    )


def status_report(station_id: str, req: m.StatusNotificationRequest, now: datetime) -> StatusReport:
    evse_id, connector_id = evse_connector(req.connectorId)
    return StatusReport(
        station_id=station_id,
        evse_id=evse_id,
        connector_id=connector_id,
        status=ConnectorStatus(req.status.value),  # 1.5's Occupied is a domain status too
        timestamp=utc_or(req.timestamp, now),
        error_code=req.errorCode.value,
        info=req.info,
        vendor_id=req.vendorId,
        vendor_error_code=req.vendorErrorCode,
    )


def id_token(id_tag: str) -> IdToken:
    return IdToken(id_tag)


def meter_values(values: list[m.MeterValue]) -> tuple[MeterValue, ...]:
    """1.5 MeterValue: a timestamp and `value` elements with the sample's attributes."""
    return tuple(
        MeterValue(
            timestamp=utc(value.timestamp),
            samples=tuple(
                SampledValue(
                    value=sample.value.strip(),
                    measurand=sample.measurand.value if sample.measurand else ENERGY_REGISTER,
                    unit=sample.unit.value if sample.unit else (None if sample.measurand else "Wh"),
                    location=sample.location.value if sample.location else None,
                    context=sample.context.value if sample.context else None,
                    signed=sample.format is m.ValueFormat.SignedData,
                )
                for sample in value.value
            ),
        )
        for value in values
    )


def start(station_id: str, req: m.StartTransactionRequest) -> TransactionUpdate:
    evse_id, connector_id = evse_connector(req.connectorId)
    return TransactionUpdate(
        station_id=station_id,
        kind=UpdateKind.STARTED,
        timestamp=utc(req.timestamp),
        evse_id=evse_id,
        connector_id=connector_id,
        id_token=id_token(req.idTag),
        meter_start_wh=float(req.meterStart),
        reservation_id=req.reservationId,
    )


def stop(station_id: str, req: m.StopTransactionRequest) -> TransactionUpdate:
    samples = [value for data in req.transactionData or [] for value in data.values or []]
    return TransactionUpdate(
        station_id=station_id,
        kind=UpdateKind.ENDED,
        timestamp=utc(req.timestamp),
        ref=str(req.transactionId),
        id_token=id_token(req.idTag) if req.idTag else None,
        meter_stop_wh=float(req.meterStop),
        stop_reason="Local",  # 1.5 has no reason field
        meter_values=meter_values(samples),
    )


def transaction_meter_values(
    station_id: str, req: m.MeterValuesRequest, now: datetime
) -> TransactionUpdate:
    evse_id, connector_id = evse_connector(req.connectorId)
    return TransactionUpdate(
        station_id=station_id,
        kind=UpdateKind.UPDATED,
        timestamp=now,
        ref=str(req.transactionId),
        evse_id=evse_id,
        connector_id=connector_id,
        meter_values=meter_values(req.values or []),
    )


def data_transfer(station_id: str, req: m.DataTransferRequest, now: datetime) -> DataTransfer:
    return DataTransfer(station_id, now, req.vendorId, req.messageId, req.data)
