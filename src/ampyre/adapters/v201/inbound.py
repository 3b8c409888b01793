"""OCPP 2.0.1 charge-station requests → domain values.

Requests may arrive as relaxed variants of the generated types (for lenient stations), so
this module reads attributes only and never checks `isinstance` against the wire classes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ampyre.adapters.time import utc
from ampyre.domain.authorization import IdToken
from ampyre.domain.availability import ConnectorStatus, StatusReport
from ampyre.domain.data_transfer import DataTransfer
from ampyre.domain.metering import ENERGY_REGISTER, MeterValue, SampledValue
from ampyre.domain.station import BootInfo
from ampyre.domain.transactions import TransactionUpdate, UpdateKind
from ampyre.messages.v201 import types as m

_CONNECTOR_STATUS: dict[m.ConnectorStatusEnumType, ConnectorStatus] = {
    m.ConnectorStatusEnumType.Available: ConnectorStatus.AVAILABLE,
    m.ConnectorStatusEnumType.Occupied: ConnectorStatus.OCCUPIED,
    m.ConnectorStatusEnumType.Reserved: ConnectorStatus.RESERVED,
    m.ConnectorStatusEnumType.Unavailable: ConnectorStatus.UNAVAILABLE,
    m.ConnectorStatusEnumType.Faulted: ConnectorStatus.FAULTED,
}

_UPDATE_KIND: dict[m.TransactionEventEnumType, UpdateKind] = {
    m.TransactionEventEnumType.Started: UpdateKind.STARTED,
    m.TransactionEventEnumType.Updated: UpdateKind.UPDATED,
    m.TransactionEventEnumType.Ended: UpdateKind.ENDED,
}

#: Part 6 (general test remarks): stoppedReason of an Ended event "must have value Local OR be
#: omitted" when the driver stopped locally; an omitted reason therefore means Local.
_DEFAULT_STOP_REASON = "Local"


def _text(value: str | None) -> str | None:
    """An optional wire enum as the plain string the domain keeps."""
    return None if value is None else str(value)


def boot_info(req: m.BootNotificationRequest) -> BootInfo:
    station = req.chargingStation
    modem = station.modem
    return BootInfo(
        vendor=station.vendorName,
        model=station.model,
        serial_number=station.serialNumber,
        firmware_version=station.firmwareVersion,
        reason=str(req.reason),
        iccid=modem.iccid if modem else None,
        imsi=modem.imsi if modem else None,
    )


def status_report(station_id: str, req: m.StatusNotificationRequest) -> StatusReport:
    return StatusReport(
        station_id=station_id,
        evse_id=req.evseId,
        connector_id=req.connectorId,
        status=_CONNECTOR_STATUS[req.connectorStatus],
        timestamp=utc(req.timestamp),
    )


def id_token(token: m.IdTokenType) -> IdToken:
    return IdToken(token.idToken, str(token.type))


def presented_token(token: m.IdTokenType | None) -> IdToken | None:
    """The token a transaction event carries, if any.

    Part 2 appendices (AuthCtrlr.Enabled): with authorization off, "idToken in
    TransactionEventRequest will be left empty and type is set to NoAuthorization" - the
    wire's spelling of "no token", not a token to look up.
    """
    if token is None or token.type == m.IdTokenEnumType.NoAuthorization:
        return None
    return id_token(token)


def _unit(sample: m.SampledValueType, measurand: str) -> tuple[str | None, int]:
    """UnitOfMeasureType: unit defaults to Wh for Energy measurands, multiplier to 0."""
    uom = sample.unitOfMeasure
    unit = uom.unit if uom is not None else None
    multiplier = uom.multiplier if uom is not None and uom.multiplier is not None else 0
    if unit is None and measurand.startswith("Energy"):
        unit = "Wh"
    return unit, multiplier


def _sampled_value(sample: m.SampledValueType) -> SampledValue:
    measurand = str(sample.measurand) if sample.measurand is not None else ENERGY_REGISTER
    unit, multiplier = _unit(sample, measurand)
    return SampledValue(
        # 2.0.1 sends a JSON number; repr() is the shortest text that reads back exactly.
        value=repr(sample.value),
        measurand=measurand,
        unit=unit,
        multiplier=multiplier,
        phase=_text(sample.phase),
        location=_text(sample.location),
        context=_text(sample.context),
        signed=sample.signedMeterValue is not None,
    )


def meter_values(values: Iterable[m.MeterValueType] | None) -> tuple[MeterValue, ...]:
    return tuple(
        MeterValue(
            timestamp=utc(value.timestamp),
            samples=tuple(_sampled_value(sample) for sample in value.sampledValue),
        )
        for value in values or ()
    )


def transaction_update(station_id: str, req: m.TransactionEventRequest) -> TransactionUpdate:
    """One TransactionEvent. 2.0.1 has no meterStart/meterStop: energy comes from registers."""
    info = req.transactionInfo
    kind = _UPDATE_KIND[req.eventType]
    stop_reason = _text(info.stoppedReason)
    if kind is UpdateKind.ENDED and stop_reason is None:
        stop_reason = _DEFAULT_STOP_REASON
    return TransactionUpdate(
        station_id=station_id,
        kind=kind,
        timestamp=utc(req.timestamp),
        ref=info.transactionId,
        evse_id=req.evse.id if req.evse else None,
        connector_id=req.evse.connectorId if req.evse else None,
        id_token=presented_token(req.idToken),
        meter_values=meter_values(req.meterValue),
        seq_no=req.seqNo,
        offline=bool(req.offline),
        trigger_reason=str(req.triggerReason),
        charging_state=_text(info.chargingState),
        stop_reason=stop_reason,
        remote_start_id=info.remoteStartId,
        reservation_id=req.reservationId,
    )


def data_transfer(station_id: str, req: m.DataTransferRequest, now: datetime) -> DataTransfer:
    """2.0.1 `data` is any JSON value; it is passed on as decoded."""
    return DataTransfer(station_id, now, req.vendorId, req.messageId, req.data)
