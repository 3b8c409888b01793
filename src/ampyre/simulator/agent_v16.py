"""OCPP 1.6 for the simulated station: its messages, and what it does for the CSMS's requests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ampyre.messages.v16 import types as m
from ampyre.protocol.errors import NotSupported
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.agent import Message, Outgoing
from ampyre.simulator.model import Connector, Evse, Plug, Session

if TYPE_CHECKING:
    from ampyre.simulator.station import SimulatedStation

Handler = Callable[[Any], Awaitable[Any]]

#: neutral stop reasons → 1.6 Reason
_REASONS = {r.value: r for r in m.Reason}
_DEFAULT_CONFIG = {
    "HeartbeatInterval": "300",
    "MeterValueSampleInterval": "60",
    "ClockAlignedDataInterval": "0",
    "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import,"
    "Current.Import,Voltage",
    "AllowOfflineTxForUnknownId": "false",
    "LocalAuthListEnabled": "true",
    "AuthorizationCacheEnabled": "true",
    "StopTransactionOnInvalidId": "true",
    "NumberOfConnectors": "1",
    "SupportedFeatureProfiles": "Core,FirmwareManagement,LocalAuthListManagement,"
    "Reservation,SmartCharging,RemoteTrigger",
}
_READ_ONLY = {"NumberOfConnectors", "SupportedFeatureProfiles"}


class AgentV16:
    version = OcppVersion.V16

    def __init__(self, station: SimulatedStation) -> None:
        self.station = station
        model = station.model
        for key, value in _DEFAULT_CONFIG.items():
            model.config.setdefault(key, value)
        model.config["NumberOfConnectors"] = str(len(model.evses))
        model.read_only.update(_READ_ONLY)
        self.handlers: dict[str, Handler] = {
            "RemoteStartTransaction": self.remote_start,
            "RemoteStopTransaction": self.remote_stop,
            "Reset": self.reset,
            "UnlockConnector": self.unlock,
            "ChangeAvailability": self.change_availability,
            "ChangeConfiguration": self.change_configuration,
            "GetConfiguration": self.get_configuration,
            "TriggerMessage": self.trigger_message,
            "ClearCache": self.clear_cache,
            "DataTransfer": self.data_transfer,
        }

    # --- messages to the CSMS -------------------------------------------------------------------

    def boot(self) -> Message:
        model = self.station.model
        return "BootNotification", m.BootNotificationRequest(
            chargePointVendor=model.vendor,
            chargePointModel=model.model,
            chargePointSerialNumber=model.serial_number,
            firmwareVersion=model.firmware_version,
        )

    def boot_answer(self, answer: m.BootNotificationResponse) -> tuple[str, int]:
        if answer.status == m.RegistrationStatus.Accepted and answer.interval > 0:
            self.station.model.config["HeartbeatInterval"] = str(answer.interval)
        return answer.status.value, answer.interval

    def heartbeat(self) -> Message:
        return "Heartbeat", m.HeartbeatRequest()

    def status(self, evse: Evse, connector: Connector, now: datetime) -> Message:
        return "StatusNotification", m.StatusNotificationRequest(
            connectorId=evse.id,
            errorCode=m.ChargePointErrorCode.NoError,
            status=m.ChargePointStatus(connector.status.value),
            timestamp=now,
        )

    def authorize(self, token: str, token_type: str | None) -> Message:
        return "Authorize", m.AuthorizeRequest(idTag=token[:20])

    def authorize_answer(self, answer: m.AuthorizeResponse) -> str:
        return answer.idTagInfo.status.value

    def start(self, session: Session, now: datetime, trigger: str) -> Outgoing:
        payload = m.StartTransactionRequest(
            connectorId=session.evse_id,
            idTag=(session.id_token or "")[:20],
            meterStart=round(session.meter_start_wh),
            timestamp=now,
            reservationId=session.reservation_id,
        )
        return Outgoing("StartTransaction", payload, session, transactional=True)

    def start_answer(self, session: Session, answer: m.StartTransactionResponse) -> str | None:
        session.csms_id = answer.transactionId
        return answer.idTagInfo.status.value

    def meter(self, evse: Evse, session: Session | None, now: datetime, context: str) -> Outgoing:
        samples = [
            m.SampledValue(
                value=str(round(evse.register_wh)),
                context=m.ReadingContext(context),
                measurand=m.Measurand.Energy_Active_Import_Register,
                unit=m.UnitOfMeasure.Wh,
            )
        ]
        if session is not None:
            current = session.curve.current_a(session.power_w)
            samples += [
                m.SampledValue(
                    value=f"{session.power_w:.1f}",
                    context=m.ReadingContext(context),
                    measurand=m.Measurand.Power_Active_Import,
                    unit=m.UnitOfMeasure.W,
                ),
                m.SampledValue(
                    value=f"{current:.2f}",
                    context=m.ReadingContext(context),
                    measurand=m.Measurand.Current_Import,
                    unit=m.UnitOfMeasure.A,
                ),
                m.SampledValue(
                    value=f"{session.curve.voltage:.1f}",
                    context=m.ReadingContext(context),
                    measurand=m.Measurand.Voltage,
                    unit=m.UnitOfMeasure.V,
                ),
            ]
        payload = m.MeterValuesRequest(
            connectorId=evse.id,
            meterValue=[m.MeterValue(timestamp=now, sampledValue=samples)],
        )
        return Outgoing("MeterValues", payload, session, transactional=session is not None)

    def stop(self, session: Session, now: datetime, trigger: str) -> Outgoing:
        evse = self.station.model.evse(session.evse_id)
        payload = m.StopTransactionRequest(
            transactionId=-1,  # the CSMS's id, filled in by prepare() once known
            meterStop=round(evse.register_wh),
            timestamp=now,
            idTag=(session.id_token or "")[:20] or None,
            reason=_REASONS.get(trigger, m.Reason.Other),
        )
        return Outgoing("StopTransaction", payload, session, transactional=True)

    def prepare(self, outgoing: Outgoing) -> Message:
        payload = outgoing.payload
        session = outgoing.session
        if session is not None and outgoing.action in ("MeterValues", "StopTransaction"):
            # A 1.6 station learns its transaction id from the StartTransaction answer, which
            # (after an offline period) arrives during the replay, before these are sent.
            payload.transactionId = session.csms_id if session.csms_id is not None else 0
        return outgoing.action, payload

    # --- requests from the CSMS -----------------------------------------------------------------

    async def handle(self, action: str, payload: Any) -> Any:
        handler = self.handlers.get(action)
        if handler is None:
            raise NotSupported(f"{action} is not supported by this simulated charge point")
        return await handler(payload)

    def _later(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Act after answering, as a real station does (the answer leaves first)."""
        self.station.after_answer(coro)

    async def remote_start(
        self, req: m.RemoteStartTransactionRequest
    ) -> m.RemoteStartTransactionResponse:
        model = self.station.model
        evse = model.evse(req.connectorId) if req.connectorId else model.free_evse()
        if (
            evse is None
            or not evse.operative
            or evse.session is not None
            or (evse.reservation is not None and evse.reservation.id_token != req.idTag)
        ):
            return m.RemoteStartTransactionResponse(status=m.RemoteStartStopStatus.Rejected)
        self._later(
            self.station.start_charging(
                evse.id, req.idTag, None, authorize=False, trigger="RemoteStart"
            )
        )
        return m.RemoteStartTransactionResponse(status=m.RemoteStartStopStatus.Accepted)

    async def remote_stop(
        self, req: m.RemoteStopTransactionRequest
    ) -> m.RemoteStopTransactionResponse:
        for evse in self.station.model.evses:
            session = evse.session
            if session is not None and not session.ended and session.csms_id == req.transactionId:
                self._later(self.station.stop_charging(evse.id, "Remote"))
                return m.RemoteStopTransactionResponse(status=m.RemoteStartStopStatus.Accepted)
        return m.RemoteStopTransactionResponse(status=m.RemoteStartStopStatus.Rejected)

    async def reset(self, req: m.ResetRequest) -> m.ResetResponse:
        reason = "HardReset" if req.type == m.ResetType.Hard else "SoftReset"
        self._later(self.station.reboot(reason))
        return m.ResetResponse(status=m.ResetStatus.Accepted)

    async def unlock(self, req: m.UnlockConnectorRequest) -> m.UnlockConnectorResponse:
        try:
            evse = self.station.model.evse(req.connectorId)
        except KeyError:
            return m.UnlockConnectorResponse(status=m.UnlockStatus.NotSupported)
        if evse.session is not None and not evse.session.ended:
            self._later(self.station.stop_charging(evse.id, "UnlockCommand"))
        evse.connector().locked = False
        return m.UnlockConnectorResponse(status=m.UnlockStatus.Unlocked)

    async def change_availability(
        self, req: m.ChangeAvailabilityRequest
    ) -> m.ChangeAvailabilityResponse:
        model = self.station.model
        targets = model.evses if req.connectorId == 0 else [model.evse(req.connectorId)]
        operative = req.type == m.AvailabilityType.Operative
        scheduled = False
        for evse in targets:
            if evse.session is not None and not evse.session.ended and not operative:
                evse.pending_inoperative = True  # takes effect when the session ends
                scheduled = True
                continue
            evse.operative = operative
            plug = evse.connector()
            if not plug.plugged:
                plug.status = Plug.AVAILABLE if operative else Plug.UNAVAILABLE
                self._later(self.station.send_status(evse, plug.id))
        status = m.AvailabilityStatus.Scheduled if scheduled else m.AvailabilityStatus.Accepted
        return m.ChangeAvailabilityResponse(status=status)

    async def change_configuration(
        self, req: m.ChangeConfigurationRequest
    ) -> m.ChangeConfigurationResponse:
        config = self.station.model.config
        if req.key in self.station.model.read_only:
            return m.ChangeConfigurationResponse(status=m.ConfigurationStatus.Rejected)
        if req.key not in config:
            return m.ChangeConfigurationResponse(status=m.ConfigurationStatus.NotSupported)
        config[req.key] = req.value
        if req.key == "HeartbeatInterval" and req.value.isdigit():
            self.station.heartbeat_interval = int(req.value)
        if req.key == "MeterValueSampleInterval" and req.value.isdigit() and int(req.value) > 0:
            self.station.meter_interval = float(req.value)
        return m.ChangeConfigurationResponse(status=m.ConfigurationStatus.Accepted)

    async def get_configuration(self, req: m.GetConfigurationRequest) -> m.GetConfigurationResponse:
        model = self.station.model
        keys = req.key if req.key else sorted(model.config)
        known = [
            m.KeyValue(key=k, readonly=k in model.read_only, value=model.config[k][:500])
            for k in keys
            if k in model.config
        ]
        unknown = [k for k in keys if k not in model.config]
        return m.GetConfigurationResponse(
            configurationKey=known or None, unknownKey=unknown or None
        )

    async def trigger_message(self, req: m.TriggerMessageRequest) -> m.TriggerMessageResponse:
        station = self.station
        model = station.model
        trigger = req.requestedMessage
        evses = [model.evse(req.connectorId)] if req.connectorId else model.evses
        if trigger == m.MessageTrigger.BootNotification:
            action, payload = self.boot()
            self._later(station.call(action, payload))
        elif trigger == m.MessageTrigger.Heartbeat:
            self._later(station.call(*self.heartbeat()))
        elif trigger == m.MessageTrigger.StatusNotification:
            for evse in evses:
                self._later(station.send_status(evse))
        elif trigger == m.MessageTrigger.MeterValues:
            for evse in evses:
                outgoing = self.meter(evse, evse.session, station.now(), "Trigger")
                self._later(station.send(outgoing))
        elif trigger in (
            m.MessageTrigger.DiagnosticsStatusNotification,
            m.MessageTrigger.FirmwareStatusNotification,
        ):
            self._later(self._send_trigger_status(trigger))
        else:
            return m.TriggerMessageResponse(status=m.TriggerMessageStatus.NotImplemented)
        return m.TriggerMessageResponse(status=m.TriggerMessageStatus.Accepted)

    async def _send_trigger_status(self, trigger: m.MessageTrigger) -> None:
        model = self.station.model
        if trigger == m.MessageTrigger.FirmwareStatusNotification:
            await self.station.call(
                "FirmwareStatusNotification",
                m.FirmwareStatusNotificationRequest(status=m.FirmwareStatus(model.firmware_status)),
            )
        else:
            await self.station.call(
                "DiagnosticsStatusNotification",
                m.DiagnosticsStatusNotificationRequest(
                    status=m.DiagnosticsStatus(model.diagnostics_status)
                ),
            )

    async def clear_cache(self, req: m.ClearCacheRequest) -> m.ClearCacheResponse:
        self.station.model.auth_cache.clear()
        return m.ClearCacheResponse(status=m.ClearCacheStatus.Accepted)

    async def data_transfer(self, req: m.DataTransferRequest) -> m.DataTransferResponse:
        return m.DataTransferResponse(status=m.DataTransferStatus.UnknownVendorId)
