"""Webhooks and their deliveries (each delivery's state, attempts and last outcome)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update

from ampyre.domain.webhooks import Attempt, Delivery, DeliveryState, NewDelivery, Webhook
from ampyre.persistence.executor import Executor
from ampyre.persistence.tables import webhook_deliveries, webhooks


class SqlWebhookRepository:
    def __init__(self, executor: Executor) -> None:
        self._db = executor

    async def add(
        self,
        url: str,
        kinds: frozenset[str],
        secret: str,
        description: str | None,
        active: bool,
        now: datetime,
    ) -> Webhook:
        result = await self._db.execute(
            insert(webhooks)
            .values(
                url=url,
                kinds=sorted(kinds),
                secret=secret,
                description=description,
                active=active,
                created_at=now,
                updated_at=now,
            )
            .returning(webhooks.c.id)
        )
        return Webhook(
            id=int(result.scalar_one()),
            url=url,
            kinds=kinds,
            secret=secret,
            description=description,
            active=active,
            created_at=now,
            updated_at=now,
        )

    async def get(self, webhook_id: int) -> Webhook | None:
        result = await self._db.execute(select(webhooks).where(webhooks.c.id == webhook_id))
        row = result.one_or_none()
        return None if row is None else _webhook(row)

    async def all(self, after_id: int | None = None, limit: int | None = None) -> list[Webhook]:
        statement = select(webhooks)
        if after_id is not None:
            statement = statement.where(webhooks.c.id > after_id)
        result = await self._db.execute(statement.order_by(webhooks.c.id).limit(limit))
        return [_webhook(row) for row in result]

    async def save(self, webhook: Webhook) -> None:
        await self._db.execute(
            update(webhooks)
            .where(webhooks.c.id == webhook.id)
            .values(
                url=webhook.url,
                kinds=sorted(webhook.kinds),
                secret=webhook.secret,
                description=webhook.description,
                active=webhook.active,
                updated_at=webhook.updated_at,
            )
        )

    async def remove(self, webhook_id: int) -> bool:
        """Delete a webhook and (cascading) its deliveries; False if there was none."""
        await self._db.execute(
            delete(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id)
        )
        result = await self._db.execute(delete(webhooks).where(webhooks.c.id == webhook_id))
        return bool(result.rowcount)

    async def add_deliveries(self, deliveries: Sequence[NewDelivery], now: datetime) -> list[int]:
        """Store new pending deliveries, due at `now`; return their ids in order."""
        ids: list[int] = []
        for d in deliveries:
            result = await self._db.execute(
                insert(webhook_deliveries)
                .values(
                    webhook_id=d.webhook_id,
                    event_kind=d.event_kind,
                    station_id=d.station_id,
                    body=d.body,
                    state=DeliveryState.PENDING.value,
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                    next_attempt_at=now,
                )
                .returning(webhook_deliveries.c.id)
            )
            ids.append(int(result.scalar_one()))
        return ids

    async def delivery(self, delivery_id: int) -> Delivery | None:
        result = await self._db.execute(
            select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
        )
        row = result.one_or_none()
        return None if row is None else _delivery(row)

    async def record(self, delivery_id: int, attempt: Attempt) -> None:
        await self._db.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery_id)
            .values(
                state=attempt.state.value,
                attempts=attempt.attempts,
                status_code=attempt.status_code,
                error=attempt.error,
                updated_at=attempt.at,
                next_attempt_at=attempt.next_attempt_at,
            )
        )

    async def deliveries(
        self, webhook_id: int, before_id: int | None, limit: int
    ) -> list[Delivery]:
        """Newest first."""
        c = webhook_deliveries.c
        statement = select(webhook_deliveries).where(c.webhook_id == webhook_id)
        if before_id is not None:
            statement = statement.where(c.id < before_id)
        result = await self._db.execute(statement.order_by(c.id.desc()).limit(limit))
        return [_delivery(row) for row in result]

    async def delete_settled_before(self, cutoff: datetime) -> int:
        """Delete delivered and failed deliveries last tried before `cutoff`; return how many."""
        c = webhook_deliveries.c
        result = await self._db.execute(
            delete(webhook_deliveries).where(
                c.updated_at < cutoff, c.state != DeliveryState.PENDING.value
            )
        )
        return int(result.rowcount)

    async def pending(self) -> list[tuple[int, datetime]]:
        """Every pending delivery's id and next attempt time, oldest first."""
        c = webhook_deliveries.c
        result = await self._db.execute(
            select(c.id, c.next_attempt_at, c.updated_at)
            .where(c.state == DeliveryState.PENDING.value)
            .order_by(c.id)
        )
        return [(int(row[0]), row[1] or row[2]) for row in result]


def _webhook(row: Row[Any]) -> Webhook:
    m = row._mapping
    return Webhook(
        id=int(m["id"]),
        url=m["url"],
        kinds=frozenset(m["kinds"]),
        secret=m["secret"],
        description=m["description"],
        active=bool(m["active"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _delivery(row: Row[Any]) -> Delivery:
    m = row._mapping
    return Delivery(
        id=int(m["id"]),
        webhook_id=int(m["webhook_id"]),
        event_kind=m["event_kind"],
        station_id=m["station_id"],
        body=m["body"],
        state=DeliveryState(m["state"]),
        attempts=int(m["attempts"]),
        status_code=m["status_code"],
        error=m["error"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        next_attempt_at=m["next_attempt_at"],
    )
