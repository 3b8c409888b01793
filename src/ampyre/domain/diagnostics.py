"""Diagnostics and logs (1.6 GetDiagnostics, security extension and 2.0.1 GetLog), customer
information (2.0.1 N09/N10), and the files stations upload, in no version's words."""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import ClassVar

from ampyre.domain.commands import Command
from ampyre.domain.errors import DomainError


class LogKind(enum.StrEnum):
    """`DiagnosticsLog` (1.6 core: GetDiagnostics; the security extension and 2.0.1: GetLog)
    or `SecurityLog` (GetLog only)."""

    DIAGNOSTICS = "DiagnosticsLog"
    SECURITY = "SecurityLog"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GetLog(Command):
    """Upload a log to `location` (2.0.1 and the 1.6 security extension: GetLog).

    `upload_token` names our own upload slot when `location` is ours (never sent);
    `request_id` is filled with the command id by the command service unless given.
    """

    name: ClassVar[str] = "get-log"
    location: str
    log_type: LogKind = LogKind.DIAGNOSTICS
    since: datetime | None = None
    until: datetime | None = None
    retries: int | None = None
    retry_interval: int | None = None
    request_id: int | None = None
    upload_token: str | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GetDiagnostics(GetLog):
    """A diagnostics log request: 1.x core GetDiagnostics, 2.0.1 GetLog (DiagnosticsLog)."""

    name: ClassVar[str] = "get-diagnostics"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CustomerInformation(Command):
    """Report and/or clear what a station keeps about a customer (2.0.1 only): named by
    id token, customer identifier, or contract certificate hash data."""

    name: ClassVar[str] = "customer-information"
    report: bool = True
    clear: bool = False
    id_token: str | None = None
    token_type: str = "Central"
    customer_identifier: str | None = None
    customer_certificate: dict[str, str] | None = None
    request_id: int | None = None


@dataclasses.dataclass(slots=True)
class StoredFile:
    """An upload slot handed to a station, and the file it uploaded (once it did)."""

    id: int
    token: str
    station_id: str
    created_at: datetime
    command_id: int | None = None
    log_type: str | None = None
    #: the name the station gave the file (GetLog/GetDiagnostics answer or the upload)
    name: str | None = None
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    received_at: datetime | None = None
    method: str | None = None


class UploadTooLarge(DomainError):
    """An upload larger than the configured limit."""
