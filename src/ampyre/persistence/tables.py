"""The schema, as SQLAlchemy Core tables. Changed only together with a migration.

Names are version-neutral. Every datetime column is timezone-aware UTC (see `UtcDateTime`).
Station ids are plain columns, not foreign keys: history outlives a station record, and a
station may report before the operator (or its boot) created one.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ampyre.persistence.column_types import Id, JsonDocument, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

STATION_ID = 48
TEXT = 255
ENUM = 64

stations = Table(
    "stations",
    metadata,
    Column("id", String(STATION_ID), primary_key=True),
    Column("ocpp_version", String(16)),
    Column("registered", Boolean, nullable=False),
    Column("registration_status", String(ENUM)),
    Column("vendor", String(TEXT)),
    Column("model", String(TEXT)),
    Column("serial_number", String(TEXT)),
    Column("firmware_version", String(TEXT)),
    Column("reason", String(ENUM)),
    Column("iccid", String(TEXT)),
    Column("imsi", String(TEXT)),
    Column("meter_type", String(TEXT)),
    Column("meter_serial_number", String(TEXT)),
    Column("modem_serial_number", String(TEXT)),
    Column("connected", Boolean, nullable=False),
    Column("last_seen", UtcDateTime),
    Column("last_boot", UtcDateTime),
    Column("created_at", UtcDateTime),
)

connector_status = Table(
    "connector_status",
    metadata,
    Column("station_id", String(STATION_ID), primary_key=True),
    Column("evse_id", Integer, primary_key=True),
    Column("connector_id", Integer, primary_key=True),
    Column("status", String(ENUM), nullable=False),
    Column("error_code", String(ENUM)),
    Column("info", String(TEXT)),
    Column("vendor_id", String(TEXT)),
    Column("vendor_error_code", String(TEXT)),
    Column("updated_at", UtcDateTime, nullable=False),
)

status_history = Table(
    "status_history",
    metadata,
    Column("id", Id, primary_key=True),
    Column("station_id", String(STATION_ID), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("connector_id", Integer, nullable=False),
    Column("status", String(ENUM), nullable=False),
    Column("timestamp", UtcDateTime, nullable=False),
    Column("error_code", String(ENUM)),
    Column("info", String(TEXT)),
    Column("vendor_id", String(TEXT)),
    Column("vendor_error_code", String(TEXT)),
    Index(None, "station_id", "timestamp"),
)

id_tokens = Table(
    "id_tokens",
    metadata,
    Column("value", String(TEXT), primary_key=True),
    Column("type", String(ENUM)),
    Column("status", String(ENUM), nullable=False),
    Column("expiry", UtcDateTime),
    Column("group_id", String(TEXT)),
)

transactions = Table(
    "transactions",
    metadata,
    # AUTOINCREMENT on SQLite and an identity on PostgreSQL: an id is never handed out
    # twice, also after its row is deleted and across restarts.
    Column("id", Id, Identity(always=True), primary_key=True),
    Column("station_id", String(STATION_ID), nullable=False),
    # NULL only between the INSERT and the UPDATE that names a session by its id.
    Column("ref", String(TEXT)),
    Column("start_key", String(TEXT)),
    Column("evse_id", Integer, nullable=False),
    Column("connector_id", Integer, nullable=False),
    Column("state", String(ENUM), nullable=False),
    Column("started_at", UtcDateTime),
    Column("ended_at", UtcDateTime),
    Column("id_token", String(TEXT)),
    Column("id_token_type", String(ENUM)),
    Column("meter_start_wh", Double),
    Column("meter_stop_wh", Double),
    Column("energy_wh", Double),
    Column("min_register_wh", Double),
    Column("max_register_wh", Double),
    Column("stop_reason", String(ENUM)),
    Column("charging_state", String(ENUM)),
    Column("remote_start_id", BigInteger),
    Column("reservation_id", BigInteger),
    Column("offline", Boolean, nullable=False),
    Column("flags", String(TEXT), nullable=False),  # sorted, comma-separated
    UniqueConstraint("station_id", "ref"),
    UniqueConstraint("station_id", "start_key"),
    Index(None, "station_id", "state"),
    sqlite_autoincrement=True,
)

transaction_events = Table(
    "transaction_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column(
        "transaction_id",
        Id,
        ForeignKey("transactions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("seq_no", BigInteger, nullable=False),
    Column("kind", String(ENUM), nullable=False),
    Column("timestamp", UtcDateTime, nullable=False),
    UniqueConstraint("transaction_id", "seq_no"),
)

meter_values = Table(
    "meter_values",
    metadata,
    Column("id", Id, primary_key=True),
    Column("station_id", String(STATION_ID), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("transaction_id", Id, ForeignKey("transactions.id", ondelete="CASCADE")),
    Column("timestamp", UtcDateTime, nullable=False),
    Column("samples", JsonDocument, nullable=False),
    # sha256 of the canonical sample content: a retried or duplicated message stores nothing.
    Column("digest", String(64), nullable=False),
    UniqueConstraint("station_id", "evse_id", "timestamp", "digest"),
    Index(None, "transaction_id", "timestamp"),
)

station_reports = Table(
    "station_reports",
    metadata,
    Column("id", Id, primary_key=True),
    Column("station_id", String(STATION_ID), nullable=False),
    Column("kind", String(ENUM), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("status", Text),
    Column("request_id", BigInteger),
    Column("content", JsonDocument, nullable=False),
    Index(None, "station_id", "received_at"),
    Index(None, "station_id", "kind", "received_at"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(TEXT), nullable=False),
    Column("role", String(ENUM), nullable=False),
    Column("prefix", String(16), nullable=False),
    # sha256 of the secret: tokens are 256-bit random, so a fast hash is enough.
    Column("digest", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

message_log = Table(
    "message_log",
    metadata,
    Column("id", Id, primary_key=True),
    Column("station_id", String(STATION_ID), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("direction", String(8), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("message_id", String(ENUM)),
    Column("action", String(ENUM)),
    Column("error_code", String(ENUM)),
    Column("answer_ms", Double),
    Column("frame", Text, nullable=False),
    Index(None, "station_id", "id"),
    Index(None, "at"),
    Index(None, "message_id"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Id, primary_key=True),
    Column("url", Text, nullable=False),
    Column("kinds", JsonDocument, nullable=False),
    Column("secret", String(TEXT), nullable=False),
    Column("description", Text),
    Column("created_at", UtcDateTime, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Id, primary_key=True),
    Column("webhook_id", Id, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("event_kind", String(ENUM), nullable=False),
    Column("station_id", String(STATION_ID), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "webhook_id", "id"),
)

__all__ = [
    "api_tokens",
    "connector_status",
    "id_tokens",
    "message_log",
    "metadata",
    "meter_values",
    "station_reports",
    "stations",
    "status_history",
    "transaction_events",
    "transactions",
    "webhook_deliveries",
    "webhooks",
]
