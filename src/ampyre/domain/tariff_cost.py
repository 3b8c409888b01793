"""Running costs sent to stations (2.0.1 CostUpdated; 1.x has no such message)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from ampyre.domain.commands import Command


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CostUpdated(Command):
    """Tell the station the running total cost of a transaction (in the station's currency,
    TariffCostCtrlr.Currency). `transaction_ref` is the station's name for our
    `transaction_id`."""

    name: ClassVar[str] = "cost-updated"
    transaction_id: int
    transaction_ref: str
    total_cost: float
