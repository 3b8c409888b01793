"""OCPP 2.0.1 operations the CSMS asks of the simulated station: remote start and stop (F),
reset (B11/B12), unlock (F05), availability (G03), triggered messages (F06), cache (C11),
DataTransfer and network profiles.

ChangeAvailability on a connector applies to its whole EVSE (the model keeps availability per
EVSE). SetNetworkProfile is refused: the simulator keeps the one connection it was started with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ampyre.messages.v201 import types as m
from ampyre.simulator.model import Evse

if TYPE_CHECKING:
    from ampyre.simulator.agent_v201 import AgentV201, Handler

#: how long a scheduled (OnIdle) reset waits for the sessions to end
LONG_WAIT_S = 7 * 86_400.0


def _info(reason: str) -> m.StatusInfoType:
    return m.StatusInfoType(reasonCode=reason)


class Operations:
    def __init__(self, agent: AgentV201) -> None:
        self.agent = agent
        self._resetting = False

    def handlers(self) -> dict[str, Handler]:
        return {
            "RequestStartTransaction": self.request_start,
            "RequestStopTransaction": self.request_stop,
            "GetTransactionStatus": self.get_transaction_status,
            "Reset": self.reset,
            "UnlockConnector": self.unlock,
            "ChangeAvailability": self.change_availability,
            "TriggerMessage": self.trigger_message,
            "ClearCache": self.clear_cache,
            "DataTransfer": self.data_transfer,
            "SetNetworkProfile": self.set_network_profile,
        }

    async def request_start(
        self, req: m.RequestStartTransactionRequest
    ) -> m.RequestStartTransactionResponse:
        model = self.agent.station.model
        token = req.idToken.idToken
        if req.evseId is not None:
            evse = self.agent.evse(req.evseId)
        else:  # the EVSE reserved for this token, else any free one
            reserved = [e for e in model.evses if e.reservation and e.reservation.id_token == token]
            evse = reserved[0] if reserved else model.free_evse()
        status = m.RequestStartStopStatusEnumType
        if (
            evse is None
            or not evse.operative
            or evse.session is not None
            or (evse.reservation is not None and evse.reservation.id_token != token)
        ):
            return m.RequestStartTransactionResponse(status=status.Rejected)
        profile = req.chargingProfile
        if profile is not None and self.agent.smart_charging.enabled():
            # a TxProfile without transactionId, installed when the session starts (F01.FR.08)
            if (
                profile.chargingProfilePurpose != m.ChargingProfilePurposeEnumType.TxProfile
                or profile.transactionId is not None
            ):
                return m.RequestStartTransactionResponse(status=status.Rejected)
            self.agent.smart_charging.pending[evse.id] = profile
            self.agent.smart_charging.follow()
        dm = self.agent.device_model
        remote = dm.config("AuthCtrlr.AuthorizeRemoteStart") == "true"
        authorize = remote and dm.enabled("AuthCtrlr.Enabled")
        self.agent._later(self._remote_start(evse.id, req, authorize))
        return m.RequestStartTransactionResponse(status=status.Accepted)

    async def _remote_start(
        self, evse_id: int, req: m.RequestStartTransactionRequest, authorize: bool
    ) -> None:
        session = await self.agent.station.start_charging(
            evse_id,
            req.idToken.idToken,
            req.idToken.type.value,
            remote_start_id=req.remoteStartId,
            authorize=authorize,
            trigger="RemoteStart",
        )
        if session is None:  # refused after all (e.g. the token was not authorized)
            self.agent.smart_charging.pending.pop(evse_id, None)

    async def request_stop(
        self, req: m.RequestStopTransactionRequest
    ) -> m.RequestStopTransactionResponse:
        session = self.agent.session(req.transactionId)
        if session is None:
            return m.RequestStopTransactionResponse(
                status=m.RequestStartStopStatusEnumType.Rejected
            )
        self.agent._later(self.agent.station.stop_charging(session.evse_id, "Remote"))
        return m.RequestStopTransactionResponse(status=m.RequestStartStopStatusEnumType.Accepted)

    async def get_transaction_status(
        self, req: m.GetTransactionStatusRequest
    ) -> m.GetTransactionStatusResponse:
        queue = list(self.agent.station.queue)
        if req.transactionId is None:
            return m.GetTransactionStatusResponse(
                messagesInQueue=any(o.transactional for o in queue)
            )
        queued = any(
            o.session is not None and o.session.local_id == req.transactionId for o in queue
        )
        return m.GetTransactionStatusResponse(
            ongoingIndicator=self.agent.session(req.transactionId) is not None,
            messagesInQueue=queued,
        )

    async def reset(self, req: m.ResetRequest) -> m.ResetResponse:
        status = m.ResetStatusEnumType
        if req.evseId is not None:  # EVSE.AllowReset is false: only the whole station resets
            return m.ResetResponse(status=status.Rejected, statusInfo=_info("UnsupportedRequest"))
        if self.agent.transfers.installing():
            return m.ResetResponse(status=status.Rejected, statusInfo=_info("FwUpdateInProgress"))
        immediate = req.type == m.ResetEnumType.Immediate
        if immediate or not self.agent.station.model.sessions():
            self.agent.boot_reason = m.BootReasonEnumType.RemoteReset
            self.agent._later(self.agent.station.reboot("HardReset" if immediate else "SoftReset"))
            return m.ResetResponse(status=status.Accepted)
        if not self._resetting:
            self._resetting = True
            self.agent._later(self._reset_when_idle())
        return m.ResetResponse(status=status.Scheduled)

    async def _reset_when_idle(self) -> None:
        station = self.agent.station
        try:
            await station.wait_for(lambda: not station.model.sessions(), LONG_WAIT_S)
            self.agent.boot_reason = m.BootReasonEnumType.ScheduledReset
            await station.reboot("SoftReset")
        finally:
            self._resetting = False

    async def unlock(self, req: m.UnlockConnectorRequest) -> m.UnlockConnectorResponse:
        status = m.UnlockStatusEnumType
        evse = self.agent.evse(req.evseId)
        try:
            plug = evse.connector(req.connectorId) if evse is not None else None
        except KeyError:
            plug = None
        if evse is None or plug is None:
            return m.UnlockConnectorResponse(status=status.UnknownConnector)
        session = evse.session
        if session is not None and not session.ended and session.connector_id == plug.id:
            return m.UnlockConnectorResponse(status=status.OngoingAuthorizedTransaction)
        plug.locked = False
        return m.UnlockConnectorResponse(status=status.Unlocked)

    async def change_availability(
        self, req: m.ChangeAvailabilityRequest
    ) -> m.ChangeAvailabilityResponse:
        status = m.ChangeAvailabilityStatusEnumType
        target = req.evse
        if target is None or target.id == 0:
            evses = self.agent.station.model.evses
        else:
            evse = self.agent.evse(target.id)
            if evse is None:
                return m.ChangeAvailabilityResponse(
                    status=status.Rejected, statusInfo=_info("UnknownEvse")
                )
            if target.connectorId is not None and target.connectorId not in {
                c.id for c in evse.connectors
            }:
                return m.ChangeAvailabilityResponse(
                    status=status.Rejected, statusInfo=_info("UnknownConnectorId")
                )
            evses = [evse]
        operative = req.operationalStatus == m.OperationalStatusEnumType.Operative
        scheduled = False
        for evse in evses:
            if not operative and evse.reservation is not None:
                self.agent.reservations.remove(evse)  # H01.FR.?: an unavailable EVSE drops it
            busy = evse.session is not None and not evse.session.ended
            evse.pending_inoperative = busy and not operative
            if evse.pending_inoperative:
                scheduled = True  # takes effect when the session ends (G03.FR.05)
                continue
            evse.operative = operative
            self.agent.show(evse)
        status_ = status.Scheduled if scheduled else status.Accepted
        return m.ChangeAvailabilityResponse(status=status_)

    async def trigger_message(self, req: m.TriggerMessageRequest) -> m.TriggerMessageResponse:
        wanted = req.requestedMessage
        trigger = m.MessageTriggerEnumType
        status = m.TriggerMessageStatusEnumType
        evses = self.agent.station.model.evses
        if req.evse is not None and req.evse.id != 0:
            evse = self.agent.evse(req.evse.id)
            if evse is None:
                return m.TriggerMessageResponse(
                    status=status.Rejected, statusInfo=_info("UnknownEvse")
                )
            evses = [evse]
        if wanted == trigger.BootNotification:
            if self.agent.station.registration == "Accepted":
                return m.TriggerMessageResponse(status=status.Rejected)  # F06.FR.17
            self.agent.boot_reason = m.BootReasonEnumType.Triggered
            self.agent.station.boot_now()  # the retry loop sends it at once
        elif wanted == trigger.Heartbeat:
            self.agent._later(self.agent.call(*self.agent.heartbeat()))
        elif wanted == trigger.StatusNotification:
            connector_id = req.evse.connectorId if req.evse is not None else None
            for evse in evses:
                plugs = [c for c in evse.connectors if connector_id in (None, c.id)]
                if not plugs:
                    return m.TriggerMessageResponse(status=status.Rejected)
                for plug in plugs:
                    self.agent._later(self.agent.station.send_status(evse, plug.id))
        elif wanted == trigger.MeterValues:
            for evse in evses:
                self.agent._later(self._triggered_meter_values(evse))
        elif wanted == trigger.TransactionEvent:
            running = [e for e in evses if e.session is not None and not e.session.ended]
            if not running:
                return m.TriggerMessageResponse(status=status.Rejected)
            for evse in running:
                self.agent._later(self._triggered_event(evse))
        elif wanted == trigger.FirmwareStatusNotification:
            self.agent._later(
                self.agent.call(
                    "FirmwareStatusNotification", self.agent.transfers.firmware_trigger()
                )
            )
        elif wanted == trigger.LogStatusNotification:
            self.agent._later(
                self.agent.call("LogStatusNotification", self.agent.transfers.log_trigger())
            )
        elif wanted == trigger.SignChargingStationCertificate:
            use = m.CertificateSigningUseEnumType.ChargingStationCertificate
            self.agent._later(self.agent.security.sign_request(use))
        elif wanted == trigger.SignV2GCertificate:
            use = m.CertificateSigningUseEnumType.V2GCertificate
            self.agent._later(self.agent.security.sign_request(use))
        else:  # SignCombinedCertificate, PublishFirmwareStatusNotification (no local controller)
            return m.TriggerMessageResponse(status=status.NotImplemented)
        return m.TriggerMessageResponse(status=status.Accepted)

    async def _triggered_meter_values(self, evse: Evse) -> None:
        action, payload = self.agent.meter_values.request(
            evse, evse.session, self.agent.station.now(), "Trigger"
        )
        await self.agent.call(action, payload)

    async def _triggered_event(self, evse: Evse) -> None:
        session = evse.session
        if session is not None and not session.ended:
            self.agent.station.advance()
            await self.agent.station.send(
                self.agent.meter(evse, session, self.agent.station.now(), "Trigger")
            )

    async def clear_cache(self, req: m.ClearCacheRequest) -> m.ClearCacheResponse:
        if not self.agent.device_model.enabled("AuthCacheCtrlr.Enabled"):
            return m.ClearCacheResponse(
                status=m.ClearCacheStatusEnumType.Rejected, statusInfo=_info("NotEnabled")
            )
        self.agent.station.model.auth_cache.clear()
        return m.ClearCacheResponse(status=m.ClearCacheStatusEnumType.Accepted)

    async def data_transfer(self, req: m.DataTransferRequest) -> m.DataTransferResponse:
        return m.DataTransferResponse(status=m.DataTransferStatusEnumType.UnknownVendorId)

    async def set_network_profile(
        self, req: m.SetNetworkProfileRequest
    ) -> m.SetNetworkProfileResponse:
        # The simulator keeps the one connection it was started with; it cannot migrate.
        return m.SetNetworkProfileResponse(
            status=m.SetNetworkProfileStatusEnumType.Rejected,
            statusInfo=_info("UnsupportedRequest"),
        )
