"""Tariff and cost commands → OCPP 2.0.1 requests (I03 CostUpdated); 1.x has none (409)."""

from __future__ import annotations

from typing import Any

from ampyre.adapters.command_codec import Codecs, CommandCodec, raw
from ampyre.domain.commands import CommandReply
from ampyre.domain.tariff_cost import CostUpdated
from ampyre.messages.v201 import types as m


def _reply(command: CostUpdated, answer: Any) -> CommandReply:
    # CostUpdatedResponse carries nothing: receiving it is the acknowledgement
    return CommandReply(status="Accepted", details={}, raw=raw(answer))


CODECS: Codecs = {
    CostUpdated: CommandCodec(
        "CostUpdated",
        lambda c: m.CostUpdatedRequest(totalCost=c.total_cost, transactionId=c.transaction_ref),
        _reply,
    ),
}
