"""Register, change and remove webhooks; read their delivery history; ping and redeliver.

A webhook's secret is generated here (`whsec_` + 43 url-safe characters, 256 random bits)
unless the operator supplies one. It is stored as it is, not hashed: every delivery is
signed with it, so it must be readable. It is shown once, when the webhook is created (or
its secret replaced), and never listed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from ampyre.domain.events import EventKind
from ampyre.domain.webhooks import (
    PING,
    Delivery,
    DeliveryNotFound,
    InvalidWebhook,
    NewDelivery,
    Webhook,
    WebhookNotFound,
)
from ampyre.services.ports import Clock, UnitOfWorkFactory
from ampyre.services.webhooks.dispatcher import Dispatcher

log = logging.getLogger("ampyre.webhooks")

SECRET_PREFIX = "whsec_"
MAX_URL = 2000
MIN_SECRET = 16
MAX_SECRET = 255
KINDS = frozenset(kind.value for kind in EventKind)


def check_url(url: str) -> str:
    url = url.strip()
    if len(url) > MAX_URL:
        raise InvalidWebhook(f"the URL is longer than {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a bad port
    except ValueError as exc:
        raise InvalidWebhook(f"{url!r} is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidWebhook(f"{url!r} is not an http:// or https:// URL")
    if not parts.hostname:
        raise InvalidWebhook(f"{url!r} names no host")
    if any(c.isspace() for c in url):
        raise InvalidWebhook(f"{url!r} contains white space")
    del port
    return url


def check_kinds(kinds: list[str] | set[str] | frozenset[str]) -> frozenset[str]:
    unknown = sorted(set(kinds) - KINDS)
    if unknown:
        raise InvalidWebhook(f"unknown event kinds {unknown}; known: {', '.join(sorted(KINDS))}")
    if not kinds:
        raise InvalidWebhook("a webhook needs at least one event kind")
    return frozenset(kinds)


def check_secret(secret: str) -> str:
    if not MIN_SECRET <= len(secret) <= MAX_SECRET:
        raise InvalidWebhook(f"a secret has {MIN_SECRET} to {MAX_SECRET} characters")
    if not secret.isascii() or not secret.isprintable() or " " in secret:
        raise InvalidWebhook("a secret is printable ASCII without spaces")
    return secret


class WebhookService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        dispatcher: Dispatcher,
        *,
        retention: timedelta | None = None,
        purge_interval: float = 3600.0,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.dispatcher = dispatcher
        #: delivered and failed deliveries older than this are deleted (None: kept)
        self.retention = retention
        self._purge_interval = purge_interval
        self._purging: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Resume pending deliveries and start sending; delete old history periodically."""
        await self.dispatcher.start()
        if self.retention is not None:
            self._purging = asyncio.create_task(self._purge_periodically(), name="webhook-purge")

    async def close(self) -> None:
        if self._purging is not None:
            self._purging.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._purging
            self._purging = None
        await self.dispatcher.close()

    async def purge(self, cutoff: datetime | None = None) -> int:
        """Delete the delivered and failed deliveries last tried before `cutoff` (default:
        the retention period ago); return how many."""
        if cutoff is None:
            if self.retention is None:
                return 0
            cutoff = self._clock.now() - self.retention
        async with self._uow() as uow:
            deleted = await uow.webhooks.delete_settled_before(cutoff)
            await uow.commit()
        if deleted:
            log.info("webhooks: deleted %d deliveries settled before %s", deleted, cutoff)
        return deleted

    async def _purge_periodically(self) -> None:
        while True:
            try:
                await self.purge()
            except Exception as exc:
                log.error("webhooks: purge failed: %s", exc)
            await asyncio.sleep(self._purge_interval)

    async def create(
        self,
        url: str,
        kinds: list[str],
        *,
        secret: str | None = None,
        description: str | None = None,
        active: bool = True,
    ) -> Webhook:
        """Register a webhook; its `secret` (generated unless given) is in the result."""
        url = check_url(url)
        wanted = check_kinds(kinds)
        secret = check_secret(secret) if secret is not None else new_secret()
        async with self._uow() as uow:
            webhook = await uow.webhooks.add(
                url, wanted, secret, description, active, self._clock.now()
            )
            await uow.commit()
        await self._refresh()
        return webhook

    async def all(self, after_id: int | None = None, limit: int | None = None) -> list[Webhook]:
        """Oldest first."""
        async with self._uow() as uow:
            return await uow.webhooks.all(after_id, limit)

    async def get(self, webhook_id: int) -> Webhook:
        async with self._uow() as uow:
            webhook = await uow.webhooks.get(webhook_id)
        if webhook is None:
            raise WebhookNotFound(webhook_id)
        return webhook

    async def update(
        self,
        webhook_id: int,
        *,
        url: str | None = None,
        kinds: list[str] | None = None,
        secret: str | None = None,
        description: str | None = None,
        clear_description: bool = False,
        active: bool | None = None,
    ) -> Webhook:
        """Change what is given; `secret=""` generates a new secret."""
        async with self._uow() as uow:
            webhook = await uow.webhooks.get(webhook_id)
            if webhook is None:
                raise WebhookNotFound(webhook_id)
            changed = replace(
                webhook,
                url=check_url(url) if url is not None else webhook.url,
                kinds=check_kinds(kinds) if kinds is not None else webhook.kinds,
                secret=webhook.secret
                if secret is None
                else (new_secret() if secret == "" else check_secret(secret)),
                description=None
                if clear_description
                else (description if description is not None else webhook.description),
                active=webhook.active if active is None else active,
                updated_at=self._clock.now(),
            )
            await uow.webhooks.save(changed)
            await uow.commit()
        await self._refresh()
        return changed

    async def delete(self, webhook_id: int) -> None:
        """Remove a webhook and its delivery history (pending deliveries are dropped)."""
        async with self._uow() as uow:
            removed = await uow.webhooks.remove(webhook_id)
            await uow.commit()
        if not removed:
            raise WebhookNotFound(webhook_id)
        await self._refresh()

    async def deliveries(
        self, webhook_id: int, before_id: int | None = None, limit: int = 50
    ) -> list[Delivery]:
        """A webhook's deliveries, newest first."""
        async with self._uow() as uow:
            if await uow.webhooks.get(webhook_id) is None:
                raise WebhookNotFound(webhook_id)
            return await uow.webhooks.deliveries(webhook_id, before_id, limit)

    async def delivery(self, webhook_id: int, delivery_id: int) -> Delivery:
        async with self._uow() as uow:
            delivery = await uow.webhooks.delivery(delivery_id)
        if delivery is None or delivery.webhook_id != webhook_id:
            async with self._uow() as uow:
                if await uow.webhooks.get(webhook_id) is None:
                    raise WebhookNotFound(webhook_id)
            raise DeliveryNotFound(webhook_id, delivery_id)
        return delivery

    async def ping(self, webhook_id: int) -> Delivery:
        """Send a `webhook.ping` event to the webhook (whatever kinds it subscribed to)."""
        now = self._clock.now()
        body = json.dumps(
            {
                "kind": PING,
                "station_id": "",
                "at": now.isoformat(),
                "data": {"webhook_id": webhook_id},
            },
            separators=(",", ":"),
        )
        return await self._enqueue(webhook_id, NewDelivery(webhook_id, PING, "", body), now)

    async def redeliver(self, webhook_id: int, delivery_id: int) -> Delivery:
        """Send a delivery's event again, as a new delivery (with its own history)."""
        old = await self.delivery(webhook_id, delivery_id)
        new = NewDelivery(webhook_id, old.event_kind, old.station_id, old.body)
        return await self._enqueue(webhook_id, new, self._clock.now())

    async def _enqueue(self, webhook_id: int, new: NewDelivery, now: datetime) -> Delivery:
        async with self._uow() as uow:
            if await uow.webhooks.get(webhook_id) is None:
                raise WebhookNotFound(webhook_id)
            [delivery_id] = await uow.webhooks.add_deliveries([new], now)
            await uow.commit()
            delivery = await uow.webhooks.delivery(delivery_id)
        assert delivery is not None
        self.dispatcher.schedule(delivery_id, now)
        return delivery

    async def _refresh(self) -> None:
        async with self._uow() as uow:
            self.dispatcher.targets(await uow.webhooks.all())


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)
