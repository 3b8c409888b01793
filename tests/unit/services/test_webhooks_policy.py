"""Retry delays and signatures of webhook deliveries."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from ampyre.domain.webhooks import InvalidWebhook
from ampyre.services.webhooks import RetryPolicy, signature_header
from ampyre.services.webhooks.service import check_kinds, check_secret, check_url


def test_delays_double_with_jitter_up_to_the_maximum() -> None:
    policy = RetryPolicy(attempts=10, backoff=2.0, backoff_max=20.0)
    for attempt, ceiling in [(1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0), (5, 20.0), (200, 20.0)]:
        delays = [policy.delay(attempt) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"kind":"status.changed"}'
    expected = hmac.new(b"whsec_k", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature_header("whsec_k", 1700000000, body) == f"t=1700000000,v1={expected}"


@pytest.mark.parametrize(
    "url", ["ftp://h/", "http://", "https://h:70000/", "javascript:alert(1)", "http://a b/", ""]
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidWebhook):
        check_url(url)


def test_good_input_passes() -> None:
    assert check_url(" https://example.com:8443/hook?x=1 ") == "https://example.com:8443/hook?x=1"
    assert check_kinds(["status.changed"]) == frozenset({"status.changed"})
    assert check_secret("0123456789abcdef") == "0123456789abcdef"
    with pytest.raises(InvalidWebhook):
        check_secret("0123456789abcde\u00e9")
