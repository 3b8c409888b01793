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
ADDRESS = 512
KEY = 400

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
    Column("description", String(TEXT)),
    # OCPP-S: where the station said it listens (WS-Addressing From), and the operator's say
    Column("soap_address", String(ADDRESS)),
    Column("soap_address_override", String(ADDRESS)),
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
    Index(None, "station_id", "id"),
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
    Index(None, "id_token"),
    Index(None, "started_at"),
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
    # The time first: live readings of all stations land at the index's right edge, a few
    # leaves per group commit, not one leaf per station (migration 0013).
    UniqueConstraint("timestamp", "station_id", "evse_id", "digest"),
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

commands = Table(
    "commands",
    metadata,
    Column("id", Id, primary_key=True),
    Column("station_id", String(STATION_ID), nullable=False),
    Column("name", String(ENUM), nullable=False),
    Column("params", JsonDocument, nullable=False),
    Column("state", String(16), nullable=False),
    Column("status", String(ENUM)),
    Column("result", JsonDocument),
    Column("raw", JsonDocument),
    Column("error_code", String(ENUM)),
    Column("error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime),
    Column("transaction_id", BigInteger),
    Column("id_token", String(TEXT)),
    Column("evse_id", Integer),
    Index(None, "station_id", "id"),
    Index(None, "station_id", "name", "id"),
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
    # no index on message_id: 0011 says why
    # A station's messages: on PostgreSQL this index; on SQLite message_log_stations (0012).
    Index(None, "station_id", "id", info={"dialect": "postgresql"}).ddl_if(dialect="postgresql"),
    Index(None, "at"),
)

#: SQLite's index of the message log by station, written in large batches: each flush of the
#: log would otherwise write one leaf of a (station_id, id) index per station in it, and
#: the next checkpoint again (40 % of the bytes a message costs). Rows above
#: `message_log_indexed.up_to` are not in it yet; searches read them from the log itself.
message_log_stations = Table(
    "message_log_stations",
    metadata,
    Column("station_id", String(STATION_ID), primary_key=True),
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    sqlite_with_rowid=False,
)

#: the newest message_log id that message_log_stations holds (one row)
message_log_indexed = Table(
    "message_log_indexed",
    metadata,
    Column("up_to", BigInteger, nullable=False),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Id, primary_key=True),
    Column("url", Text, nullable=False),
    Column("kinds", JsonDocument, nullable=False),
    Column("secret", String(TEXT), nullable=False),
    Column("description", Text),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
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
    #: when a pending delivery is tried next (None once delivered or failed)
    Column("next_attempt_at", UtcDateTime),
    Index(None, "webhook_id", "id"),
    Index(None, "state"),
    Index(None, "updated_at"),
)

# --- what commands to stations changed there (migration 0010) ---------------------------------

charging_profiles = Table(
    "charging_profiles",
    metadata,
    Column("id", Id, primary_key=True),
    Column("station_id", String(STATION_ID), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("profile_id", BigInteger, nullable=False),
    Column("stack_level", Integer, nullable=False),
    Column("purpose", String(ENUM), nullable=False),
    Column("transaction_id", BigInteger),
    # the whole profile in neutral shape (schedule, periods, validity, ...)
    Column("profile", JsonDocument, nullable=False),
    Column("state", String(16), nullable=False),
    Column("set_by", BigInteger, nullable=False),
    Column("installed_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("ended_by", BigInteger),
    Index(None, "station_id", "state", "profile_id"),
)

variable_monitors = Table(
    "variable_monitors",
    metadata,
    Column("id", Id, primary_key=True),
    Column("station_id", String(STATION_ID), nullable=False),
    Column("monitor_id", BigInteger, nullable=False),
    # {name, instance, evse_id, connector_id} and {name, instance}
    Column("component", JsonDocument, nullable=False),
    Column("variable", JsonDocument, nullable=False),
    Column("type", String(ENUM), nullable=False),
    Column("value", Double, nullable=False),
    Column("severity", Integer, nullable=False),
    Column("transaction_only", Boolean, nullable=False),
    Column("state", String(16), nullable=False),
    Column("set_by", BigInteger, nullable=False),
    Column("set_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("ended_by", BigInteger),
    Index(None, "station_id", "state", "monitor_id"),
)

display_messages = Table(
    "display_messages",
    metadata,
    Column("id", Id, primary_key=True),
    Column("station_id", String(STATION_ID), nullable=False),
    Column("message_id", BigInteger, nullable=False),
    Column("priority", String(ENUM), nullable=False),
    Column("transaction_id", BigInteger),
    # the whole message in neutral shape (content, format, language, when, where)
    Column("message", JsonDocument, nullable=False),
    Column("state", String(16), nullable=False),
    Column("set_by", BigInteger, nullable=False),
    Column("set_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("ended_by", BigInteger),
    Index(None, "station_id", "state", "message_id"),
)

# --- what commands change on our side (configuration, reservations, local lists) --------------

station_settings = Table(
    "station_settings",
    metadata,
    Column("station_id", String(STATION_ID), primary_key=True),
    # 1.x: the configuration key; 2.0.1: Component[(i)][@evse[.connector]]/Variable[(i)][:Type]
    Column("key", String(KEY), primary_key=True),
    Column("value", Text),
    Column("readonly", Boolean),
    Column("status", String(ENUM)),
    Column("source", String(16), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

reservations = Table(
    "reservations",
    metadata,
    # the id of the reserve-now command that made it: the reservation id the station sees
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("station_id", String(STATION_ID), nullable=False),
    Column("evse_id", Integer),
    Column("connector_type", String(ENUM)),
    Column("id_token", String(TEXT), nullable=False),
    Column("token_type", String(ENUM)),
    Column("group_id", String(TEXT)),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("state", String(16), nullable=False),
    Column("status", String(ENUM)),
    Column("transaction_id", BigInteger),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "station_id", "id"),
)

local_lists = Table(
    "local_lists",
    metadata,
    Column("station_id", String(STATION_ID), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

local_list_entries = Table(
    "local_list_entries",
    metadata,
    Column("station_id", String(STATION_ID), primary_key=True),
    Column("id_token", String(TEXT), primary_key=True),
    Column("token_type", String(ENUM)),
    Column("status", String(ENUM), nullable=False),
    Column("expires_at", UtcDateTime),
    Column("group_id", String(TEXT)),
)

stored_files = Table(
    "stored_files",
    metadata,
    Column("id", Id, primary_key=True),
    # the unguessable path segment of the upload URL handed to the station
    Column("token", String(64), nullable=False, unique=True),
    Column("station_id", String(STATION_ID), nullable=False),
    Column("command_id", BigInteger),
    Column("log_type", String(ENUM)),
    Column("name", String(TEXT)),
    Column("content_type", String(TEXT)),
    Column("size", BigInteger),
    Column("sha256", String(64)),
    Column("method", String(8)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime),
    Index(None, "station_id", "id"),
    Index(None, "command_id"),
)

installed_certificates = Table(
    "installed_certificates",
    metadata,
    Column("station_id", String(STATION_ID), primary_key=True),
    Column("hash_algorithm", String(16), primary_key=True),
    Column("issuer_name_hash", String(128), primary_key=True),
    Column("issuer_key_hash", String(128), primary_key=True),
    Column("serial_number", String(40), primary_key=True),
    Column("certificate_type", String(ENUM), nullable=False),
    Column("children", JsonDocument, nullable=False),
    Column("command_id", BigInteger),
    Column("reported_at", UtcDateTime, nullable=False),
)

__all__ = [
    "api_tokens",
    "charging_profiles",
    "commands",
    "connector_status",
    "display_messages",
    "id_tokens",
    "installed_certificates",
    "local_list_entries",
    "local_lists",
    "message_log",
    "message_log_indexed",
    "message_log_stations",
    "metadata",
    "meter_values",
    "reservations",
    "station_reports",
    "station_settings",
    "stations",
    "status_history",
    "stored_files",
    "transaction_events",
    "transactions",
    "variable_monitors",
    "webhook_deliveries",
    "webhooks",
]


def for_this_dialect(obj: object, dialect: str) -> bool:
    """Whether a schema object exists on `dialect` (an object's `info["dialect"]` names the
    only one it exists on): for comparing the migrated schema with this module."""
    info = getattr(obj, "info", None) or {}
    return bool(info.get("dialect", dialect) == dialect)
