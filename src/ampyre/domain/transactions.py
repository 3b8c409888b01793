"""Charging sessions: one version-neutral record and the updates stations send about it."""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime

from ampyre.domain.authorization import AuthorizationResult, IdToken
from ampyre.domain.metering import MeterValue


class TransactionState(enum.StrEnum):
    ACTIVE = "Active"
    ENDED = "Ended"


class UpdateKind(enum.StrEnum):
    STARTED = "Started"
    UPDATED = "Updated"
    ENDED = "Ended"


class Anomaly(enum.StrEnum):
    """Spec breaches we accept from real stations, stored as flags on the transaction."""

    DUPLICATE_STOP = "duplicate-stop"
    METER_VALUES_AFTER_STOP = "meter-values-after-stop"
    MISSING_ID_TOKEN = "missing-id-token"
    UNKNOWN_TRANSACTION = "unknown-transaction"
    DUPLICATE_START = "duplicate-start"
    UPDATE_AFTER_END = "update-after-end"


@dataclasses.dataclass(slots=True)
class Transaction:
    """A charging session. `id` is ours (never reused); `ref` is the station's name for it.

    A station that lets the CSMS number its sessions gets `ref == str(id)`.
    """

    id: int
    station_id: str
    ref: str
    evse_id: int
    connector_id: int
    state: TransactionState
    started_at: datetime | None = None
    ended_at: datetime | None = None
    id_token: IdToken | None = None
    meter_start_wh: float | None = None
    meter_stop_wh: float | None = None
    energy_wh: float | None = None
    stop_reason: str | None = None
    charging_state: str | None = None
    remote_start_id: int | None = None
    reservation_id: int | None = None
    offline: bool = False
    flags: frozenset[Anomaly] = frozenset()
    min_register_wh: float | None = None
    max_register_wh: float | None = None

    def recompute_energy(self) -> None:
        """Energy delivered: stop - start when known, else the span of the register readings."""
        start = self.meter_start_wh if self.meter_start_wh is not None else self.min_register_wh
        stop = self.meter_stop_wh if self.meter_stop_wh is not None else self.max_register_wh
        self.energy_wh = None if start is None or stop is None else max(stop - start, 0.0)


@dataclasses.dataclass(frozen=True, slots=True)
class TransactionUpdate:
    """What a station says about a session, in any version's words.

    `ref` is None when the station asks the CSMS to number the session (1.x start).
    `seq_no` is set when the station numbers its messages (2.0.1), which makes them idempotent.
    """

    station_id: str
    kind: UpdateKind
    timestamp: datetime
    ref: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    id_token: IdToken | None = None
    meter_values: tuple[MeterValue, ...] = ()
    meter_start_wh: float | None = None
    meter_stop_wh: float | None = None
    seq_no: int | None = None
    offline: bool = False
    trigger_reason: str | None = None
    charging_state: str | None = None
    stop_reason: str | None = None
    remote_start_id: int | None = None
    reservation_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class TransactionOutcome:
    """The answer to an update: the session it landed on and, when a token was shown, its status."""

    transaction: Transaction | None
    authorization: AuthorizationResult | None
    duplicate: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class TransactionQuery:
    """Which sessions to find; every given field must match.

    Newest first (`before_id` pages on), or oldest first with `oldest_first` (`after_id`).
    `since`/`until` bound the start time: since <= started_at < until.
    """

    station_id: str | None = None
    id_token: str | None = None
    state: TransactionState | None = None
    since: datetime | None = None
    until: datetime | None = None
    oldest_first: bool = False
    before_id: int | None = None
    after_id: int | None = None
    limit: int = 50
