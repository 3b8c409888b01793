"""How a delivery is signed, so its receiver can tell it came from us, unchanged and recent.

Like Stripe's scheme: the header `Ampyre-Signature: t=<unix seconds>,v1=<hex>` where `<hex>`
is HMAC-SHA256, keyed with the webhook's secret (its UTF-8 bytes), over
`<unix seconds>` + `.` + the raw request body. The timestamp is signed too, so a receiver
that refuses timestamps older than a few minutes is safe from replays. Each attempt is
signed afresh (a new `t`); the body and the `Ampyre-Delivery` id stay the same.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Ampyre-Signature"
#: the delivery's id: the same on every attempt (and unique per webhook), for deduplication
DELIVERY_HEADER = "Ampyre-Delivery"
#: the event's kind, e.g. `transaction.ended`
EVENT_HEADER = "Ampyre-Event"
#: 1 on the first attempt, then 2, 3, ...
ATTEMPT_HEADER = "Ampyre-Attempt"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `timestamp.body` keyed with `secret`."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"
