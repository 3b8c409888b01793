"""Operations the central system starts on a station, in no version's words.

Each command is a small value naming what the operator wants; adapters render it for the
station's version (or say it cannot be expressed) and read the station's reply back into a
`CommandReply`. A `CommandRecord` is what is stored of every command sent: what was asked,
how it ended, the reply in neutral shape and the raw reply as received.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import Any, ClassVar

from ampyre.domain.errors import Conflict, DomainError


class CommandState(enum.StrEnum):
    """How far a command got. `answered` covers Accepted and Rejected alike (see `status`)."""

    PENDING = "pending"
    ANSWERED = "answered"
    CALL_ERROR = "call-error"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    #: the station's version cannot express these parameters: nothing was sent
    REFUSED = "refused"


# --- the commands -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Base of every command; `name` is its name in the API (`/commands/{name}`)."""

    name: ClassVar[str]

    def numbered(self, command_id: int) -> Command:
        """This command as sent, once the service gave it its id (fields marked
        `metadata={"assigned": True}` take it: a remote start's remoteStartId, a
        reservation's id). Most commands carry no id of ours."""
        return self


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RemoteStart(Command):
    """Start a session for `id_token` (on `evse_id`, or where the station chooses).

    `remote_start_id` is the command's own id, filled in by the service so that the
    transaction that follows can be linked to it.
    """

    name: ClassVar[str] = "remote-start"
    id_token: str
    token_type: str = "Central"
    evse_id: int | None = None
    remote_start_id: int | None = dataclasses.field(default=None, metadata={"assigned": True})

    def numbered(self, command_id: int) -> RemoteStart:
        return dataclasses.replace(self, remote_start_id=command_id)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RemoteStop(Command):
    """Stop the session the station calls `transaction_ref`."""

    name: ClassVar[str] = "remote-stop"
    transaction_ref: str


class ResetKind(enum.StrEnum):
    """`OnIdle` restarts once running sessions are over (1.x: Soft); `Immediate` ends them
    and restarts at once (1.x: Hard)."""

    ON_IDLE = "OnIdle"
    IMMEDIATE = "Immediate"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Reset(Command):
    """Reset the station, or one EVSE of it where the version allows."""

    name: ClassVar[str] = "reset"
    kind: ResetKind = ResetKind.ON_IDLE
    evse_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class UnlockConnector(Command):
    name: ClassVar[str] = "unlock-connector"
    evse_id: int
    connector_id: int = 1


class Operability(enum.StrEnum):
    OPERATIVE = "Operative"
    INOPERATIVE = "Inoperative"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ChangeAvailability(Command):
    """Make the station (`evse_id` None or 0), an EVSE, or one of its connectors (in)operative."""

    name: ClassVar[str] = "change-availability"
    operational: Operability
    evse_id: int | None = None
    connector_id: int | None = None


class TriggerableMessage(enum.StrEnum):
    """Messages a station can be asked to send now (the union of what versions can trigger)."""

    BOOT_NOTIFICATION = "BootNotification"
    HEARTBEAT = "Heartbeat"
    STATUS_NOTIFICATION = "StatusNotification"
    METER_VALUES = "MeterValues"
    FIRMWARE_STATUS_NOTIFICATION = "FirmwareStatusNotification"
    DIAGNOSTICS_STATUS_NOTIFICATION = "DiagnosticsStatusNotification"
    LOG_STATUS_NOTIFICATION = "LogStatusNotification"
    TRANSACTION_EVENT = "TransactionEvent"
    SIGN_CHARGING_STATION_CERTIFICATE = "SignChargingStationCertificate"
    SIGN_V2G_CERTIFICATE = "SignV2GCertificate"
    SIGN_COMBINED_CERTIFICATE = "SignCombinedCertificate"
    PUBLISH_FIRMWARE_STATUS_NOTIFICATION = "PublishFirmwareStatusNotification"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TriggerMessage(Command):
    name: ClassVar[str] = "trigger-message"
    message: TriggerableMessage
    evse_id: int | None = None
    connector_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ClearCache(Command):
    """Empty the station's authorization cache."""

    name: ClassVar[str] = "clear-cache"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DataTransfer(Command):
    name: ClassVar[str] = "data-transfer"
    vendor_id: str
    message_id: str | None = None
    data: Any = None


# --- what comes back --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class CommandReply:
    """The station's answer: `status` as the spec spells it (Accepted, Rejected, ...),
    `details` the rest in neutral JSON-ready shape, `raw` the reply payload as received."""

    status: str | None
    details: dict[str, Any]
    raw: dict[str, Any]

    @property
    def accepted(self) -> bool:
        return self.status in ("Accepted", "Scheduled", "Unlocked")


@dataclasses.dataclass(slots=True)
class CommandRecord:
    """A command sent (or being sent) to a station, as stored."""

    id: int
    station_id: str
    name: str
    params: dict[str, Any]
    state: CommandState
    created_at: datetime
    status: str | None = None
    result: dict[str, Any] | None = None
    raw: dict[str, Any] | None = None
    error_code: str | None = None
    error: str | None = None
    answered_at: datetime | None = None
    #: the session a remote start led to, once the station started it
    transaction_id: int | None = None
    #: the token and EVSE a remote start named (to link a 1.x session that reports neither id)
    id_token: str | None = None
    evse_id: int | None = None


# --- why a command did not get an answer ------------------------------------------------------


class StationNotConnected(Conflict):
    """The station is known but has no live connection to this node."""


class CommandNotSupported(Conflict):
    """The station's OCPP version cannot express this command; nothing was sent."""


class CommandFailed(DomainError):
    """The command was sent but got no usable answer: `state` says how it ended (timeout,
    unreachable, call-error with the station's `error_code`); `command_id` names the stored
    record once there is one. A command sent as several messages that failed midway has
    the answers to the first ones in `partial`."""

    def __init__(
        self,
        message: str,
        state: CommandState,
        error_code: str | None = None,
        command_id: int | None = None,
        partial: CommandReply | None = None,
    ) -> None:
        super().__init__(message)
        self.state = state
        self.error_code = error_code
        self.command_id = command_id
        self.partial = partial


class InvalidCall(DomainError):
    """A generic call that the station's version does not allow or whose payload its
    schema forbids; nothing was sent."""
