"""Webhooks: events POSTed to operators' URLs, signed, retried with backoff, with a history."""

from ampyre.services.webhooks.dispatcher import Dispatcher, RetryPolicy, event_body
from ampyre.services.webhooks.service import WebhookService, new_secret
from ampyre.services.webhooks.signature import (
    ATTEMPT_HEADER,
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    signature,
    signature_header,
)

__all__ = [
    "ATTEMPT_HEADER",
    "DELIVERY_HEADER",
    "EVENT_HEADER",
    "SIGNATURE_HEADER",
    "Dispatcher",
    "RetryPolicy",
    "WebhookService",
    "event_body",
    "new_secret",
    "signature",
    "signature_header",
]
