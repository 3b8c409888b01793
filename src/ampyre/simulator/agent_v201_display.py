"""OCPP 2.0.1 display messages (O) and running costs (I) of the simulated station.

Messages are kept as the CSMS set them (up to DisplayMessageCtrlr.DisplayMessages' maxLimit);
a message bound to a transaction goes when the transaction ends. CostUpdated totals are
kept per transaction and logged (the simulator has no screen).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ampyre.messages.v201 import types as m
from ampyre.simulator.model import Session

if TYPE_CHECKING:
    from ampyre.simulator.agent_v201 import AgentV201, Handler

log = logging.getLogger("ampyre.simulator")

MAX_MESSAGES = 10
STATUS = m.DisplayMessageStatusEnumType


class Display:
    def __init__(self, agent: AgentV201) -> None:
        self.agent = agent
        self.messages: dict[int, m.MessageInfoType] = {}
        #: transactionId → the running total cost the CSMS last sent
        self.costs: dict[str, float] = {}
        agent.device_model.live["DisplayMessageCtrlr.DisplayMessages"] = lambda: str(
            len(self.messages)
        )

    def handlers(self) -> dict[str, Handler]:
        return {
            "SetDisplayMessage": self.set_display_message,
            "GetDisplayMessages": self.get_display_messages,
            "ClearDisplayMessage": self.clear_display_message,
            "CostUpdated": self.cost_updated,
        }

    def _supported(self, key: str) -> set[str]:
        return {v.strip() for v in self.agent.device_model.config(key).split(",")}

    async def set_display_message(
        self, req: m.SetDisplayMessageRequest
    ) -> m.SetDisplayMessageResponse:
        message = req.message
        if not self.agent.device_model.enabled("DisplayMessageCtrlr.Enabled"):
            status = STATUS.Rejected
        elif message.message.format.value not in self._supported(
            "DisplayMessageCtrlr.SupportedFormats"
        ):
            status = STATUS.NotSupportedMessageFormat
        elif message.priority.value not in self._supported(
            "DisplayMessageCtrlr.SupportedPriorities"
        ):
            status = STATUS.NotSupportedPriority
        elif (
            message.transactionId is not None and self.agent.session(message.transactionId) is None
        ):
            status = STATUS.UnknownTransaction
        elif message.id not in self.messages and len(self.messages) >= MAX_MESSAGES:
            status = STATUS.Rejected
        else:
            self.messages[message.id] = message  # the same id replaces (O01.FR.?)
            log.info("%s: display %r", self.agent.station.station_id, message.message.content)
            status = STATUS.Accepted
        return m.SetDisplayMessageResponse(status=status)

    async def get_display_messages(
        self, req: m.GetDisplayMessagesRequest
    ) -> m.GetDisplayMessagesResponse:
        chosen = [
            message
            for message in self.messages.values()
            if (not req.id or message.id in req.id)
            and req.priority in (None, message.priority)
            and req.state in (None, message.state)
        ]
        if not chosen:
            return m.GetDisplayMessagesResponse(status=m.GetDisplayMessagesStatusEnumType.Unknown)
        self.agent._later(
            self.agent.call(
                "NotifyDisplayMessages",
                m.NotifyDisplayMessagesRequest(requestId=req.requestId, messageInfo=chosen),
            )
        )
        return m.GetDisplayMessagesResponse(status=m.GetDisplayMessagesStatusEnumType.Accepted)

    async def clear_display_message(
        self, req: m.ClearDisplayMessageRequest
    ) -> m.ClearDisplayMessageResponse:
        found = self.messages.pop(req.id, None) is not None
        status = m.ClearMessageStatusEnumType
        return m.ClearDisplayMessageResponse(status=status.Accepted if found else status.Unknown)

    async def cost_updated(self, req: m.CostUpdatedRequest) -> m.CostUpdatedResponse:
        self.costs[req.transactionId] = req.totalCost
        currency = self.agent.device_model.config("TariffCostCtrlr.Currency")
        log.info(
            "%s: transaction %s costs %.2f %s so far",
            self.agent.station.station_id,
            req.transactionId,
            req.totalCost,
            currency,
        )
        return m.CostUpdatedResponse()

    def session_ended(self, session: Session) -> None:
        for message_id, message in list(self.messages.items()):
            if message.transactionId == session.local_id:
                del self.messages[message_id]
