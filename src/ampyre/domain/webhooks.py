"""Webhooks: URLs an operator registers for kinds of events, and each delivery to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ampyre.domain.errors import InvalidInput, NotFound

#: the kind of the test event `POST /webhooks/{id}/test` sends (no station involved)
PING = "webhook.ping"


class DeliveryState(StrEnum):
    #: not delivered yet: waiting for its first or next attempt
    PENDING = "pending"
    #: the receiver answered 2xx
    DELIVERED = "delivered"
    #: every attempt failed; no more attempts
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    url: str
    #: event kinds (`EventKind` values) delivered to this URL
    kinds: frozenset[str]
    #: the HMAC key signatures are made with (kept in clear: it signs every delivery)
    secret: str
    description: str | None
    #: False: no new deliveries are made (pending ones still go out)
    active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewDelivery:
    webhook_id: int
    event_kind: str
    station_id: str
    #: the exact bytes sent (UTF-8 JSON), signed at each attempt
    body: str


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    webhook_id: int
    event_kind: str
    station_id: str
    body: str
    state: DeliveryState
    attempts: int
    #: the HTTP status of the last attempt (None: no answer)
    status_code: int | None
    #: what went wrong on the last attempt
    error: str | None
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime | None


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of one attempt, as stored."""

    state: DeliveryState
    attempts: int
    status_code: int | None
    error: str | None
    at: datetime
    next_attempt_at: datetime | None


class WebhookNotFound(NotFound):
    def __init__(self, webhook_id: int) -> None:
        super().__init__(f"no webhook {webhook_id}")
        self.webhook_id = webhook_id


class DeliveryNotFound(NotFound):
    def __init__(self, webhook_id: int, delivery_id: int) -> None:
        super().__init__(f"webhook {webhook_id} has no delivery {delivery_id}")
        self.delivery_id = delivery_id


class InvalidWebhook(InvalidInput):
    """A URL, secret or kind list that cannot be used; the message says why."""
