"""What a simulated station needs from its OCPP version: messages out, answers in, and the
CSMS's requests acted on. One agent per version; the runtime (`station.py`) is shared."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ampyre.protocol.versions import OcppVersion
from ampyre.simulator.model import Connector, Evse, Session

if TYPE_CHECKING:
    from ampyre.simulator.station import SimulatedStation

Message = tuple[str, Any]


@dataclasses.dataclass
class Outgoing:
    """A message on its way to the CSMS.

    Transaction messages are queued while the station is offline and replayed in order;
    `prepare` fills in what is only known at sending time (the 1.6 transactionId the CSMS
    assigned, the 2.0.1 `offline` flag).
    """

    action: str
    payload: Any
    session: Session | None = None
    transactional: bool = False
    created_offline: bool = False
    answer: asyncio.Future[Any] | None = None
    #: called with the CSMS's answer before the next queued message is prepared
    on_answer: Callable[[Any], None] | None = None


@dataclasses.dataclass(frozen=True)
class AuthPolicy:
    local_list: bool
    cache: bool
    offline_unknown: bool


class Agent(Protocol):
    version: OcppVersion
    station: SimulatedStation

    def boot(self) -> Message: ...

    def boot_answer(self, answer: Any) -> tuple[str, int]:
        """(registration status, interval in seconds) from a BootNotification answer."""
        ...

    def heartbeat(self) -> Message: ...

    def status(self, evse: Evse, connector: Connector, now: datetime) -> Message: ...

    def authorize(self, token: str, token_type: str | None) -> Message: ...

    def auth_policy(self) -> AuthPolicy:
        """Which offline authorization means the station's configuration switches on."""
        ...

    def authorize_answer(self, answer: Any) -> str:
        """The token status the CSMS gave (Accepted, Invalid, ...)."""
        ...

    def start(self, session: Session, now: datetime, trigger: str) -> Outgoing: ...

    def start_answer(self, session: Session, answer: Any) -> str | None:
        """Take the CSMS's answer to a start (1.6: the transactionId); the token status."""
        ...

    def meter(
        self, evse: Evse, session: Session | None, now: datetime, context: str
    ) -> Outgoing: ...

    def stop(self, session: Session, now: datetime, trigger: str) -> Outgoing: ...

    def prepare(self, outgoing: Outgoing) -> Message:
        """The message as it goes on the wire now (after a possible offline wait)."""
        ...

    async def handle(self, action: str, payload: Any) -> Any:
        """Answer a CSMS-initiated CALL and act on it; raise an OcppError to refuse."""
        ...
