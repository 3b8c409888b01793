"""Firmware updates (1.6 core and security extension, 2.0.1 block L), in no version's words."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, ClassVar

from ampyre.domain.commands import Command


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class UpdateFirmware(Command):
    """Download the image at `location` from `retrieve_at`, install it (from `install_at`).

    With `signing_certificate` and `signature` the update is a signed one (1.6: the security
    extension's SignedUpdateFirmware). `request_id` is filled with the command id by the
    command service unless given; the station names it in its status notifications.
    """

    name: ClassVar[str] = "update-firmware"
    location: str
    retrieve_at: datetime
    install_at: datetime | None = None
    retries: int | None = None
    retry_interval: int | None = None
    signing_certificate: str | None = None
    signature: str | None = None
    request_id: int | None = None

    @property
    def signed(self) -> bool:
        return self.signing_certificate is not None or self.signature is not None


@dataclasses.dataclass(frozen=True, slots=True)
class StatusStep:
    """One status notification a station sent about a request (firmware, upload)."""

    status: str | None
    at: datetime
    request_id: int | None
    #: the command it belongs to: by requestId, or (1.6 core, no requestId) the newest
    #: command of its kind sent before it
    command_id: int | None
    content: dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class FirmwareImage:
    """A firmware image the file endpoint serves to stations."""

    name: str
    size: int
    modified_at: datetime
