"""OCPP 2.0.1 for the simulated station: its messages, and what it does for the CSMS's requests.

The twin of `agent_v16`. The functional blocks live beside it: the device model and its
reports and monitors (`agent_v201_device_model`, `agent_v201_reports`), authorization
(`agent_v201_authorization`: reservations, local list, customer data), smart charging,
transfers (firmware, logs), security (certificates) and display (messages, costs).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any

from msgspec.structs import replace

from ampyre.messages.v201 import types as m
from ampyre.protocol.errors import NotSupported
from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.agent import AuthPolicy, Message, Outgoing
from ampyre.simulator.agent_v201_authorization import CustomerData, LocalList, Reservations
from ampyre.simulator.agent_v201_device_model import CONNECTOR_STATUS, DeviceModel
from ampyre.simulator.agent_v201_display import Display
from ampyre.simulator.agent_v201_meter import Meter
from ampyre.simulator.agent_v201_monitoring import Monitoring
from ampyre.simulator.agent_v201_operations import Operations
from ampyre.simulator.agent_v201_reports import Reports
from ampyre.simulator.agent_v201_security import Security
from ampyre.simulator.agent_v201_smart_charging import SmartCharging
from ampyre.simulator.agent_v201_transfers import Transfers
from ampyre.simulator.model import Connector, Evse, Plug, Session

if TYPE_CHECKING:
    from ampyre.simulator.station import SimulatedStation


Handler = Callable[[Any], Awaitable[Any]]

R = m.ReasonEnumType
T = m.TriggerReasonEnumType
#: neutral stop reasons (station.py) → (stoppedReason, triggerReason)
STOPS: dict[str, tuple[m.ReasonEnumType, m.TriggerReasonEnumType]] = {
    "Local": (R.Local, T.StopAuthorized),
    "Remote": (R.Remote, T.RemoteStop),
    "EVDisconnected": (R.EVDisconnected, T.EVCommunicationLost),
    "HardReset": (R.ImmediateReset, T.ResetCommand),
    "SoftReset": (R.ImmediateReset, T.ResetCommand),
    "Reboot": (R.Reboot, T.AbnormalCondition),
    "DeAuthorized": (R.DeAuthorized, T.Deauthorized),
    "UnlockCommand": (R.Other, T.UnlockCommand),
    "EnergyLimitReached": (R.EnergyLimitReached, T.EnergyLimitReached),
    "TimeLimitReached": (R.TimeLimitReached, T.TimeLimitReached),
}
_TRIGGERS = {t.value: t for t in m.TriggerReasonEnumType}
_TOKEN_TYPES = {t.value: t for t in m.IdTokenEnumType}


def id_token(token: str, token_type: str | None) -> m.IdTokenType:
    kind = _TOKEN_TYPES.get(token_type or "", m.IdTokenEnumType.ISO14443)
    return m.IdTokenType(idToken=token[:36], type=kind)


class AgentV201:
    version = OcppVersion.V201

    def __init__(self, station: SimulatedStation) -> None:
        self.station = station
        self.boot_reason = m.BootReasonEnumType.PowerUp
        self.device_model = DeviceModel(self)
        self.meter_values = Meter(self)
        self.reports = Reports(self)
        self.monitoring = Monitoring(self)
        self.reservations = Reservations(self)
        self.local_list = LocalList(self)
        self.customer_data = CustomerData(self)
        self.smart_charging = SmartCharging(self)
        self.transfers = Transfers(self)
        self.security = Security(self)
        self.display = Display(self)
        self.operations = Operations(self)
        self.handlers: dict[str, Handler] = {
            **self.operations.handlers(),
            **self.reports.handlers(),
            **self.monitoring.handlers(),
            **self.reservations.handlers(),
            **self.local_list.handlers(),
            **self.customer_data.handlers(),
            **self.smart_charging.handlers(),
            **self.transfers.handlers(),
            **self.security.handlers(),
            **self.display.handlers(),
        }

    # --- messages to the CSMS -------------------------------------------------------------------

    def boot(self) -> Message:
        model = self.station.model
        serial = model.serial_number[:25] if model.serial_number else None
        return "BootNotification", m.BootNotificationRequest(
            reason=self.boot_reason,
            chargingStation=m.ChargingStationType(
                vendorName=model.vendor[:50],
                model=model.model[:20],
                serialNumber=serial,
                firmwareVersion=model.firmware_version[:50],
            ),
        )

    def boot_answer(self, answer: m.BootNotificationResponse) -> tuple[str, int]:
        if answer.status == m.RegistrationStatusEnumType.Accepted:
            if answer.interval > 0:
                self.station.model.config["OCPPCommCtrlr.HeartbeatInterval"] = str(answer.interval)
            self.boot_reason = m.BootReasonEnumType.PowerUp  # until the next reset or update
        return answer.status.value, answer.interval

    def heartbeat(self) -> Message:
        return "Heartbeat", m.HeartbeatRequest()

    def status(self, evse: Evse, connector: Connector, now: datetime) -> Message:
        return "StatusNotification", m.StatusNotificationRequest(
            timestamp=now,
            connectorStatus=CONNECTOR_STATUS[connector.status],
            evseId=evse.id,
            connectorId=connector.id,
        )

    def authorize(self, token: str, token_type: str | None) -> Message:
        return "Authorize", m.AuthorizeRequest(idToken=id_token(token, token_type))

    def auth_policy(self) -> AuthPolicy:
        dm = self.device_model
        return AuthPolicy(
            local_list=dm.enabled("LocalAuthListCtrlr.Enabled"),
            cache=dm.enabled("AuthCacheCtrlr.Enabled"),
            offline_unknown=dm.config("AuthCtrlr.OfflineTxForUnknownIdEnabled") == "true",
        )

    def authorize_answer(self, answer: m.AuthorizeResponse) -> str:
        return answer.idTokenInfo.status.value

    def _id_token(self, session: Session) -> m.IdTokenType | None:
        if session.id_token is None:
            return None
        return id_token(session.id_token, session.token_type)

    def _event(
        self,
        kind: m.TransactionEventEnumType,
        session: Session,
        now: datetime,
        trigger: m.TriggerReasonEnumType,
        info: m.TransactionType,
        context: str,
        **fields: Any,
    ) -> Outgoing:
        evse = self.station.model.evse(session.evse_id)
        payload = m.TransactionEventRequest(
            eventType=kind,
            timestamp=now,
            triggerReason=trigger,
            seqNo=session.next_seq(),
            transactionInfo=info,
            meterValue=self.meter_values.sample(evse, session, now, context),
            **fields,
        )
        return Outgoing("TransactionEvent", payload, session, transactional=True)

    def _charging_state(self, session: Session) -> m.ChargingStateEnumType:
        if session.power_w > 0:
            return m.ChargingStateEnumType.Charging
        return m.ChargingStateEnumType.SuspendedEV

    def _spent(self, session: Session, now: datetime) -> int:
        return max(int((now - session.started_at).total_seconds()), 0)

    def start(self, session: Session, now: datetime, trigger: str) -> Outgoing:
        info = m.TransactionType(
            transactionId=session.local_id,
            chargingState=m.ChargingStateEnumType.Charging,
            remoteStartId=session.remote_start_id,
        )
        self.smart_charging.session_started(session)
        return self._event(
            m.TransactionEventEnumType.Started,
            session,
            now,
            _TRIGGERS.get(trigger, T.Authorized),
            info,
            "Transaction.Begin",
            evse=m.EVSEType(id=session.evse_id, connectorId=session.connector_id),
            idToken=self._id_token(session),
            reservationId=session.reservation_id,
            numberOfPhasesUsed=session.curve.phases,
        )

    def start_answer(self, session: Session, answer: m.TransactionEventResponse) -> str | None:
        """The token status the CSMS gave; None when the station keeps charging anyway."""
        info = answer.idTokenInfo
        if info is None or session.id_token is None:
            return None
        status = info.status.value
        self.local_list.cached(session.id_token, status)
        if not self.device_model.enabled("TxCtrlr.StopTxOnInvalidId"):
            return None
        return status

    def meter(self, evse: Evse, session: Session | None, now: datetime, context: str) -> Outgoing:
        if session is None or session.ended:
            action, payload = self.meter_values.request(evse, None, now, context)
            return Outgoing(action, payload)
        trigger = {
            "Sample.Clock": T.MeterValueClock,
            "Trigger": T.Trigger,
        }.get(context, T.MeterValuePeriodic)
        info = m.TransactionType(
            transactionId=session.local_id,
            chargingState=self._charging_state(session),
            timeSpentCharging=self._spent(session, now),
        )
        triggered = {"evse": m.EVSEType(id=evse.id)} if context == "Trigger" else {}
        return self._event(
            m.TransactionEventEnumType.Updated, session, now, trigger, info, context, **triggered
        )

    def stop(self, session: Session, now: datetime, trigger: str) -> Outgoing:
        reason, cause = STOPS.get(trigger, (R.Other, T.AbnormalCondition))
        if trigger not in STOPS and trigger in R.__members__:
            reason = R(trigger)
        plug = self.station.model.evse(session.evse_id).connector(session.connector_id)
        gone = trigger == "EVDisconnected" or not plug.plugged  # unplug() ends it first
        state = m.ChargingStateEnumType.Idle if gone else m.ChargingStateEnumType.EVConnected
        info = m.TransactionType(
            transactionId=session.local_id,
            chargingState=state,
            timeSpentCharging=self._spent(session, now),
            stoppedReason=reason,
        )
        self.smart_charging.session_ended(session)
        self.display.session_ended(session)
        token = self._id_token(session) if cause is T.StopAuthorized else None
        return self._event(
            m.TransactionEventEnumType.Ended,
            session,
            now,
            cause,
            info,
            "Transaction.End",
            idToken=token,
        )

    def prepare(self, outgoing: Outgoing) -> Message:
        payload = outgoing.payload
        if outgoing.created_offline and isinstance(payload, m.TransactionEventRequest):
            payload = replace(payload, offline=True)  # E04: it happened while offline
        return outgoing.action, payload

    # --- requests from the CSMS -----------------------------------------------------------------

    async def handle(self, action: str, payload: Any) -> Any:
        handler = self.handlers.get(action)
        if handler is None:
            raise NotSupported(f"{action} is not supported by this simulated charging station")
        return await handler(payload)

    async def call(self, action: str, payload: Any) -> Any:
        return await self.station.call(action, payload)

    def _later(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Act after answering, as a real station does (the answer leaves first)."""
        self.station.after_answer(coro)

    def evse(self, evse_id: int | None) -> Evse | None:
        try:
            return self.station.model.evse(evse_id) if evse_id else None
        except KeyError:
            return None

    def session(self, transaction_id: str) -> Session | None:
        for session in self.station.model.sessions():
            if session.local_id == transaction_id:
                return session
        return None

    def refresh_idle(self, evse: Evse) -> list[int]:
        """Recompute the status of the EVSE's unplugged connectors (Available, Reserved or
        Unavailable); the ids of those that changed."""
        changed = []
        if not evse.operative:
            wanted = Plug.UNAVAILABLE
        else:
            wanted = Plug.RESERVED if evse.reservation is not None else Plug.AVAILABLE
        for plug in evse.connectors:
            idle = plug.status in (Plug.AVAILABLE, Plug.RESERVED, Plug.UNAVAILABLE)
            if not plug.plugged and idle and plug.status is not wanted:
                plug.status = wanted
                changed.append(plug.id)
        return changed

    def show(self, evse: Evse) -> None:
        """From a request handler: refresh the idle statuses, report changes after answering."""
        for connector_id in self.refresh_idle(evse):
            self._later(self.station.send_status(evse, connector_id))
