"""OCPP 1.6 for the simulated station: its messages, and what it does for the CSMS's requests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ampyre.messages.v16 import types as m
from ampyre.protocol.errors import NotSupported, OccurrenceConstraintViolation
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator import agent_v16_security, agent_v16_smart_charging
from ampyre.simulator.agent import AuthPolicy, Message, Outgoing
from ampyre.simulator.agent_v16_reservations import LocalList, Reservations
from ampyre.simulator.agent_v16_security import Security
from ampyre.simulator.agent_v16_smart_charging import SmartCharging
from ampyre.simulator.agent_v16_transfers import Transfers
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
    "LocalAuthListMaxLength": "1000",
    "SendLocalListMaxLength": "100",
    "GetConfigurationMaxKeys": "50",
    "ReserveConnectorZeroSupported": "false",
    **agent_v16_smart_charging.CONFIG,
    **agent_v16_security.CONFIG,
}
_READ_ONLY = {
    "NumberOfConnectors",
    "SupportedFeatureProfiles",
    "LocalAuthListMaxLength",
    "SendLocalListMaxLength",
    "GetConfigurationMaxKeys",
    "ReserveConnectorZeroSupported",
    *agent_v16_smart_charging.READ_ONLY,
    *agent_v16_security.READ_ONLY,
}


class AgentV16:
    version = OcppVersion.V16

    def __init__(self, station: SimulatedStation) -> None:
        self.station = station
        model = station.model
        for key, value in _DEFAULT_CONFIG.items():
            model.config.setdefault(key, value)
        model.config["NumberOfConnectors"] = str(len(model.evses))
        model.read_only.update(_READ_ONLY)
        #: lines for the SecurityLog that GetLog uploads
        self.security_log: list[str] = []
        self.reservations = Reservations(self)
        self.local_list = LocalList(self)
        self.smart_charging = SmartCharging(self)
        self.transfers = Transfers(self)
        self.security = Security(self)
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
            **self.reservations.handlers(),
            **self.local_list.handlers(),
            **self.smart_charging.handlers(),
            **self.transfers.handlers(),
            **self.security.handlers(),
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

    def auth_policy(self) -> AuthPolicy:
        config = self.station.model.config
        return AuthPolicy(
            local_list=config.get("LocalAuthListEnabled") != "false",
            cache=config.get("AuthorizationCacheEnabled") != "false",
            offline_unknown=config.get("AllowOfflineTxForUnknownId") == "true",
        )

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
        self.smart_charging.session_started(session)
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
        self.smart_charging.session_ended(session)
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

    async def call(self, action: str, payload: Any) -> Any:
        return await self.station.call(action, payload)

    def _later(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Act after answering, as a real station does (the answer leaves first)."""
        self.station.after_answer(coro)

    def _evse(self, connector_id: int | None) -> Evse | None:
        try:
            return self.station.model.evse(connector_id) if connector_id else None
        except KeyError:
            return None

    async def remote_start(
        self, req: m.RemoteStartTransactionRequest
    ) -> m.RemoteStartTransactionResponse:
        model = self.station.model
        if req.connectorId:
            evse = self._evse(req.connectorId)
        else:  # the connector reserved for this idTag, else any free one
            reserved = [
                e for e in model.evses if e.reservation and e.reservation.id_token == req.idTag
            ]
            evse = reserved[0] if reserved else model.free_evse()
        profile = req.chargingProfile
        rejected = m.RemoteStartTransactionResponse(status=m.RemoteStartStopStatus.Rejected)
        if (
            evse is None
            or not evse.operative
            or evse.session is not None
            or (evse.reservation is not None and evse.reservation.id_token != req.idTag)
        ):
            return rejected
        if profile is not None and self.smart_charging.supported():
            # 5.16.2: a TxProfile without transactionId, installed when the session starts
            if (
                profile.chargingProfilePurpose != m.ChargingProfilePurposeType.TxProfile
                or profile.transactionId is not None
            ):
                return rejected
            self.smart_charging.pending[evse.id] = profile
            self.smart_charging.follow()
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
        evse = self._evse(req.connectorId)
        if evse is None:
            return m.UnlockConnectorResponse(status=m.UnlockStatus.NotSupported)
        if evse.session is not None and not evse.session.ended:
            self._later(self.station.stop_charging(evse.id, "UnlockCommand"))
        evse.connector().locked = False
        return m.UnlockConnectorResponse(status=m.UnlockStatus.Unlocked)

    async def change_availability(
        self, req: m.ChangeAvailabilityRequest
    ) -> m.ChangeAvailabilityResponse:
        model = self.station.model
        target = self._evse(req.connectorId)
        if req.connectorId != 0 and target is None:
            return m.ChangeAvailabilityResponse(status=m.AvailabilityStatus.Rejected)
        targets = model.evses if target is None else [target]
        operative = req.type == m.AvailabilityType.Operative
        scheduled = False
        for evse in targets:
            if not operative and evse.reservation is not None:
                self.reservations.release(evse, notify=False)  # 5.13: Unavailable ends it
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
        if req.key == "ClockAlignedDataInterval" and req.value.isdigit():
            self.station.clock_aligned_interval = float(req.value)
        return m.ChangeConfigurationResponse(status=m.ConfigurationStatus.Accepted)

    async def get_configuration(self, req: m.GetConfigurationRequest) -> m.GetConfigurationResponse:
        model = self.station.model
        most = model.config.get("GetConfigurationMaxKeys", "")
        if req.key and most.isdigit() and len(req.key) > int(most):
            raise OccurrenceConstraintViolation(
                f"{len(req.key)} keys; GetConfigurationMaxKeys is {most}"
            )
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

    def trigger(self, message: str, connector_id: int | None) -> bool:
        """Send a triggered BootNotification, Heartbeat, StatusNotification or MeterValues
        (after the answer); False when the message or connector is not known."""
        station = self.station
        if connector_id:
            evse = self._evse(connector_id)
            if evse is None:
                return False
            evses = [evse]
        else:
            evses = station.model.evses
        if message == "BootNotification":
            if station.registration == "Accepted":
                self._later(self.call(*self.boot()))
            else:
                station.boot_now()  # the retry loop sends it at once
        elif message == "Heartbeat":
            self._later(self.call(*self.heartbeat()))
        elif message == "StatusNotification":
            for evse in evses:
                self._later(station.send_status(evse))
        elif message == "MeterValues":
            for evse in evses:
                outgoing = self.meter(evse, evse.session, station.now(), "Trigger")
                self._later(station.send(outgoing))
        else:
            return False
        return True

    async def trigger_message(self, req: m.TriggerMessageRequest) -> m.TriggerMessageResponse:
        trigger = req.requestedMessage
        if trigger == m.MessageTrigger.FirmwareStatusNotification:
            status = self.transfers.plain_trigger_status()
            request: Any = m.FirmwareStatusNotificationRequest(status=status)
            self._later(self.call(trigger.value, request))
        elif trigger == m.MessageTrigger.DiagnosticsStatusNotification:
            diagnostics = self.transfers.diagnostics_trigger_status()
            request = m.DiagnosticsStatusNotificationRequest(status=diagnostics)
            self._later(self.call(trigger.value, request))
        elif not self.trigger(trigger.value, req.connectorId):
            return m.TriggerMessageResponse(status=m.TriggerMessageStatus.Rejected)
        return m.TriggerMessageResponse(status=m.TriggerMessageStatus.Accepted)

    async def clear_cache(self, req: m.ClearCacheRequest) -> m.ClearCacheResponse:
        self.station.model.auth_cache.clear()
        return m.ClearCacheResponse(status=m.ClearCacheStatus.Accepted)

    async def data_transfer(self, req: m.DataTransferRequest) -> m.DataTransferResponse:
        return m.DataTransferResponse(status=m.DataTransferStatus.UnknownVendorId)
