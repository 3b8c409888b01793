"""A simulated station's state, version-neutral: EVSEs, connectors, sessions, meters, config.

Pure data and arithmetic (no I/O, no clock reads): the runtime passes time in. Each OCPP
version's agent maps this state to its messages and acts on it for the CSMS's requests.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
from datetime import datetime


class Plug(enum.StrEnum):
    """Neutral connector states; each agent spells them in its version's vocabulary."""

    AVAILABLE = "Available"
    PREPARING = "Preparing"  # plugged, no session yet (2.0.1: Occupied)
    CHARGING = "Charging"  # session running (2.0.1: Occupied)
    SUSPENDED_EV = "SuspendedEV"  # session running, the car takes nothing (2.0.1: Occupied)
    FINISHING = "Finishing"  # session ended, still plugged (2.0.1: Occupied)
    RESERVED = "Reserved"
    UNAVAILABLE = "Unavailable"
    FAULTED = "Faulted"


@dataclasses.dataclass
class PowerCurve:
    """The car's charging curve: full power up to `taper_soc` %, then linearly down to 0 at 100 %.

    Three-phase AC at `voltage` V per phase unless `phases` is 1; DC cars use phases=1.
    """

    max_power_w: float = 11_000.0
    battery_wh: float = 60_000.0
    start_soc: float = 20.0
    taper_soc: float = 80.0
    voltage: float = 230.0
    phases: int = 3

    def power_at(self, soc: float, limit_w: float | None) -> float:
        power = self.max_power_w
        if soc >= 100.0:
            return 0.0
        if soc > self.taper_soc:
            power *= (100.0 - soc) / (100.0 - self.taper_soc)
        if limit_w is not None:
            power = min(power, limit_w)
        return max(power, 0.0)

    def current_a(self, power_w: float) -> float:
        return power_w / (self.voltage * self.phases)


@dataclasses.dataclass
class Session:
    """A charging session as the station knows it.

    `local_id` is the station's own name (2.0.1 transactionId); `csms_id` is the id a 1.6 CSMS
    assigns in its StartTransaction answer (None until that answer arrives, e.g. offline).
    """

    local_id: str
    evse_id: int
    connector_id: int
    id_token: str | None
    token_type: str | None
    started_at: datetime
    meter_start_wh: float
    soc: float
    curve: PowerCurve
    remote_start_id: int | None = None
    reservation_id: int | None = None
    csms_id: int | None = None
    seq_no: int = 0
    power_w: float = 0.0
    ended: bool = False
    stop_reason: str | None = None

    def next_seq(self) -> int:
        seq = self.seq_no
        self.seq_no += 1
        return seq


@dataclasses.dataclass
class Connector:
    id: int
    status: Plug = Plug.AVAILABLE
    plugged: bool = False
    locked: bool = False


@dataclasses.dataclass
class Reservation:
    id: int
    id_token: str
    expiry: datetime
    group_id: str | None = None


@dataclasses.dataclass
class Evse:
    id: int
    connectors: list[Connector]
    register_wh: float = 0.0
    operative: bool = True
    session: Session | None = None
    reservation: Reservation | None = None
    #: the tightest charging limit in force from the CSMS's profiles, in W (None: no limit)
    limit_w: float | None = None
    pending_inoperative: bool = False

    def connector(self, connector_id: int | None = None) -> Connector:
        if connector_id is None:
            return self.connectors[0]
        for connector in self.connectors:
            if connector.id == connector_id:
                return connector
        raise KeyError(f"EVSE {self.id} has no connector {connector_id}")


@dataclasses.dataclass
class StationModel:
    station_id: str
    vendor: str = "Ampyre"
    model: str = "SimCharger"
    serial_number: str | None = None
    firmware_version: str = "1.0.0"
    evses: list[Evse] = dataclasses.field(default_factory=list)
    #: configuration keys (1.6) or "Component.Variable" names (2.0.1) → value
    config: dict[str, str] = dataclasses.field(default_factory=dict)
    read_only: set[str] = dataclasses.field(default_factory=set)
    local_list: dict[str, str] = dataclasses.field(default_factory=dict)
    local_list_version: int = 0
    auth_cache: dict[str, str] = dataclasses.field(default_factory=dict)
    charging_profiles: list[dict[str, object]] = dataclasses.field(default_factory=list)
    firmware_status: str = "Idle"
    diagnostics_status: str = "Idle"
    _tx_counter: itertools.count[int] = dataclasses.field(
        default_factory=lambda: itertools.count(1), repr=False
    )

    @classmethod
    def build(
        cls, station_id: str, evse_count: int = 1, connectors_per_evse: int = 1, **kwargs: object
    ) -> StationModel:
        evses = [
            Evse(i, [Connector(c) for c in range(1, connectors_per_evse + 1)])
            for i in range(1, evse_count + 1)
        ]
        return cls(station_id=station_id, evses=evses, **kwargs)  # type: ignore[arg-type]

    def evse(self, evse_id: int) -> Evse:
        for evse in self.evses:
            if evse.id == evse_id:
                return evse
        raise KeyError(f"{self.station_id} has no EVSE {evse_id}")

    def sessions(self) -> list[Session]:
        return [e.session for e in self.evses if e.session is not None and not e.session.ended]

    def new_session_id(self) -> str:
        return f"{self.station_id}-{next(self._tx_counter)}"

    def free_evse(self) -> Evse | None:
        for evse in self.evses:
            if evse.operative and evse.session is None and evse.reservation is None:
                return evse
        return None

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass: every running session charges along its curve."""
        if seconds <= 0:
            return
        for evse in self.evses:
            session = evse.session
            if session is None or session.ended:
                continue
            session.power_w = session.curve.power_at(session.soc, evse.limit_w)
            energy = session.power_w * seconds / 3600.0
            evse.register_wh += energy
            session.soc = min(100.0, session.soc + 100.0 * energy / session.curve.battery_wh)
            charging = session.power_w > 0
            evse.connector(session.connector_id).status = (
                Plug.CHARGING if charging else Plug.SUSPENDED_EV
            )
