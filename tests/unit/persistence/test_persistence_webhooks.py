"""WebhookRepository on SQLite and PostgreSQL."""

from __future__ import annotations

from persistence_builders import at

from ampyre.domain.webhooks import Attempt, DeliveryState, NewDelivery
from ampyre.persistence import Database


async def test_webhooks_round_trip_page_change_and_remove(database: Database) -> None:
    async with database.unit_of_work() as uow:
        first = await uow.webhooks.add(
            "https://a.example/h", frozenset({"status.changed"}), "s" * 16, None, True, at(1)
        )
        second = await uow.webhooks.add(
            "http://b.example/h",
            frozenset({"transaction.ended", "command.result"}),
            "t" * 16,
            "billing",
            False,
            at(2),
        )
        await uow.commit()
    assert second.id > first.id
    async with database.unit_of_work() as uow:
        assert await uow.webhooks.all() == [first, second]
        assert await uow.webhooks.all(limit=1) == [first]
        assert await uow.webhooks.all(after_id=first.id) == [second]
        assert await uow.webhooks.get(second.id) == second
        assert await uow.webhooks.get(second.id + 100) is None
        changed = type(second)(
            id=second.id,
            url="https://c.example/",
            kinds=frozenset({"security.event"}),
            secret="u" * 16,
            description=None,
            active=True,
            created_at=second.created_at,
            updated_at=at(3),
        )
        await uow.webhooks.save(changed)
        await uow.webhooks.add_deliveries([NewDelivery(second.id, "x", "CS1", "{}")], at(3))
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.webhooks.get(second.id) == changed
        assert await uow.webhooks.remove(second.id) is True
        assert await uow.webhooks.remove(second.id) is False
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.webhooks.all() == [first]
        assert await uow.webhooks.pending() == []  # its deliveries went with it


async def test_deliveries_record_attempts_page_and_purge(database: Database) -> None:
    async with database.unit_of_work() as uow:
        hook = await uow.webhooks.add(
            "https://a.example/h", frozenset({"status.changed"}), "s" * 16, None, True, at(0)
        )
        ids = await uow.webhooks.add_deliveries(
            [NewDelivery(hook.id, "status.changed", f"CS{n}", f'{{"n":{n}}}') for n in range(3)],
            at(1),
        )
        await uow.commit()
    assert ids == sorted(ids) and len(set(ids)) == 3
    retry, failed, delivered = ids
    async with database.unit_of_work() as uow:
        first = await uow.webhooks.delivery(retry)
        assert first is not None
        assert (first.state, first.attempts, first.next_attempt_at) == ("pending", 0, at(1))
        assert (first.station_id, first.body, first.created_at) == ("CS0", '{"n":0}', at(1))
        await uow.webhooks.record(
            retry, Attempt(DeliveryState.PENDING, 1, 500, "HTTP 500", at(2), at(5))
        )
        await uow.webhooks.record(
            failed, Attempt(DeliveryState.FAILED, 3, None, "ConnectError", at(2), None)
        )
        await uow.webhooks.record(
            delivered, Attempt(DeliveryState.DELIVERED, 1, 204, None, at(4), None)
        )
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.webhooks.pending() == [(retry, at(5))]
        found = await uow.webhooks.deliveries(hook.id, None, 10)
        assert [d.id for d in found] == [delivered, failed, retry]
        assert [d.id for d in await uow.webhooks.deliveries(hook.id, delivered, 1)] == [failed]
        state = {d.id: (d.state, d.attempts, d.status_code, d.error, d.updated_at) for d in found}
        assert state == {
            retry: ("pending", 1, 500, "HTTP 500", at(2)),
            failed: ("failed", 3, None, "ConnectError", at(2)),
            delivered: ("delivered", 1, 204, None, at(4)),
        }
        # settled before the cutoff only: never a pending one, however old
        assert await uow.webhooks.delete_settled_before(at(3)) == 1
        await uow.commit()
    async with database.unit_of_work() as uow:
        remaining = [d.id for d in await uow.webhooks.deliveries(hook.id, None, 10)]
        assert remaining == [delivered, retry]
        assert await uow.webhooks.delete_settled_before(at(100)) == 1
        await uow.commit()
        assert [d.id for d in await uow.webhooks.deliveries(hook.id, None, 10)] == [retry]
