"""One typed Settings object, read from AMPYRE_* environment variables and/or a TOML file.

Precedence: constructor arguments, then environment, then the config file
(`AMPYRE_CONFIG`, default `./ampyre.toml` when it exists), then the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ampyre.domain.station import RegistrationPolicy


class LeniencyProfile(BaseModel):
    """Relaxations for stations that break the spec. Strict (nothing relaxed) is the default.

    A profile applies to the stations named in `stations`, or to every station whose boot
    reports `vendor` (and `model`, when given).
    """

    stations: list[str] = Field(default_factory=list)
    vendor: str | None = None
    model: str | None = None
    relax_actions: list[str] = Field(
        default_factory=list, description="Actions whose payload constraints are not enforced."
    )
    relax_fields: list[str] = Field(
        default_factory=list,
        description="Field names (e.g. chargePointSerialNumber) with relaxed constraints.",
    )
    default_version: str | None = Field(
        default=None,
        description="OCPP version (1.6 or 2.0.1) assumed when the station sends no subprotocol.",
    )
    ping: bool = Field(default=True, description="False switches WebSocket ping off.")


class Settings(BaseSettings):
    """Every setting of `ampyre serve`. Environment: AMPYRE_<NAME>, e.g. AMPYRE_PORT=9000."""

    model_config = SettingsConfigDict(
        env_prefix="AMPYRE_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    host: str = Field(default="0.0.0.0", description="Address to listen on.")
    port: int = Field(default=9000, ge=0, le=65535, description="Port for charge points.")
    http_port: int = Field(
        default=8080,
        ge=0,
        le=65535,
        description="Port for the operator API, OCPP-S (SOAP) stations, files and metrics.",
    )
    transport: Literal["picows", "websockets"] = Field(
        default="picows",
        description="WebSocket library serving OCPP-J: picows (Cython: less CPU, half the "
        "memory per station) or websockets.",
    )
    ocpp_path: str = Field(default="/ocpp", description="URL path prefix; stations append /{id}.")
    soap_path: str = Field(
        default="/ocpp/soap", description="Path of the OCPP-S Central System service (1.5, 1.6)."
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///./ampyre.db",
        description="SQLAlchemy URL: sqlite+aiosqlite:///file.db or postgresql+asyncpg://...",
    )
    registration_policy: RegistrationPolicy = Field(
        default=RegistrationPolicy.ACCEPT_UNKNOWN,
        description="accept-unknown, known-only-pending or known-only-rejected.",
    )
    heartbeat_interval: int = Field(default=300, ge=1, description="Seconds, sent on boot.")
    pending_retry_interval: int = Field(
        default=60, ge=1, description="Seconds a Pending/Rejected station waits to boot again."
    )
    call_timeout: float = Field(
        default=30.0, gt=0, description="Seconds to wait for a station's answer to our CALL."
    )
    max_frame_bytes: int = Field(
        default=65536, ge=1024, description="Largest OCPP-J frame accepted from a station."
    )
    ping_interval: float | None = Field(
        default=60.0, description="Seconds between WebSocket pings; empty switches ping off."
    )
    ping_timeout: float | None = Field(default=30.0, description="Seconds to wait for a pong.")
    strict: bool = Field(
        default=False,
        description="Reject (instead of accept and flag) duplicate stops, meter values after "
        "the stop and transaction events without the idToken the spec asks for.",
    )
    data_transfer_vendors: list[str] = Field(
        default_factory=list,
        description="Vendor ids whose DataTransfer messages are stored and Accepted.",
    )
    leniency: list[LeniencyProfile] = Field(default_factory=list)
    message_log: bool = Field(
        default=True, description="Keep every OCPP message in and out in the database."
    )
    message_log_retention_days: float = Field(
        default=7.0, ge=0, description="Delete logged messages older than this; 0 keeps them."
    )
    message_log_purge_interval: float = Field(
        default=3600.0, gt=0, description="Seconds between two deletions of old messages."
    )
    message_log_queue: int = Field(
        default=50_000,
        ge=1,
        description="Messages waiting to be written; beyond, they are dropped (and counted).",
    )
    message_log_batch: int = Field(
        default=500, ge=1, description="Messages written by one INSERT, at most."
    )
    message_log_flush_interval: float = Field(
        default=0.1, gt=0, description="Seconds messages may wait before they are written."
    )
    metrics: bool = Field(default=True, description="Serve Prometheus metrics on /metrics.")
    metrics_token: str | None = Field(
        default=None, description="Bearer token /metrics requires (none: open to all)."
    )
    webhook_concurrency: int = Field(
        default=8, ge=1, description="Webhook deliveries in flight at once."
    )
    webhook_attempts: int = Field(
        default=10, ge=1, le=100, description="Attempts per webhook delivery before it is failed."
    )
    webhook_backoff: float = Field(
        default=5.0, gt=0, description="Seconds before the first retry; doubles each time."
    )
    webhook_backoff_max: float = Field(
        default=3600.0, gt=0, description="The longest wait, in seconds, between two attempts."
    )
    webhook_retention_days: float = Field(
        default=7.0,
        ge=0,
        description="Delete delivered and failed webhook deliveries older than this; 0 keeps them.",
    )
    webhook_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a webhook receiver may take to answer."
    )
    files_dir: Path = Field(
        default=Path("ampyre-files"),
        description="Directory of uploaded diagnostics/logs (uploads/) and firmware images "
        "(firmware/: upload through the API or place files there).",
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL stations reach the HTTP port at (e.g. http://csms.example:8080),"
        " for the upload and firmware URLs handed to them; default: http://<host>:<http_port>.",
    )
    max_upload_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1, description="Largest diagnostics/log upload accepted."
    )
    upload_url_lifetime: float = Field(
        default=7 * 86400.0,
        gt=0,
        description="Seconds an upload URL handed to a station accepts uploads (then 404).",
    )
    max_firmware_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1, description="Largest firmware image accepted."
    )
    log_level: str = Field(default="INFO")
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="OCPP-J worker processes sharing the charge point port (SO_REUSEPORT); "
        "more than 1 needs PostgreSQL. 1: everything in one process.",
    )

    @model_validator(mode="after")
    def _workers_need_postgresql(self) -> Settings:
        if self.workers > 1 and not self.database_url.startswith(("postgresql", "postgres:")):
            raise ValueError(
                f"--workers {self.workers} needs PostgreSQL (AMPYRE_DATABASE_URL="
                "postgresql+asyncpg://...): SQLite has a single writer, so worker processes "
                "would only queue on its lock. Use --workers 1 with SQLite."
            )
        return self

    @field_validator("ping_interval", "ping_timeout", mode="before")
    @classmethod
    def _off_means_none(cls, value: Any) -> Any:
        """`AMPYRE_PING_INTERVAL=` (empty), `off` or `none` switch ping off."""
        if isinstance(value, str) and value.strip().lower() in ("", "off", "none"):
            return None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = Path(os.environ.get("AMPYRE_CONFIG", "ampyre.toml"))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def describe(settings: Settings) -> dict[str, Any]:
    """Settings as shown in logs, with any password in the database URL masked."""
    shown = settings.model_dump(mode="json")
    url = shown["database_url"]
    if "@" in url and ":" in url.split("@", 1)[0].split("//", 1)[-1]:
        scheme, rest = url.split("//", 1)
        user = rest.split(":", 1)[0]
        shown["database_url"] = f"{scheme}//{user}:***@{rest.split('@', 1)[1]}"
    return shown
