"""IdTokenRepository on SQLite and PostgreSQL."""

from __future__ import annotations

from persistence_builders import at

from ampyre.domain.authorization import AuthorizationStatus, IdTokenRecord
from ampyre.persistence import Database


async def test_round_trip_and_update(database: Database) -> None:
    full = IdTokenRecord(
        value="X" * 255,
        type="ISO14443",
        status=AuthorizationStatus.BLOCKED,
        expiry=at(3600),
        group_id="fleet",
    )
    minimal = IdTokenRecord(value="tag-1")
    async with database.unit_of_work() as uow:
        await uow.id_tokens.save(full)
        await uow.id_tokens.save(minimal)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.id_tokens.get(full.value) == full
        assert await uow.id_tokens.get("tag-1") == minimal
        assert await uow.id_tokens.get("unknown") is None
        await uow.id_tokens.save(IdTokenRecord("tag-1", status=AuthorizationStatus.EXPIRED))
        await uow.commit()
    async with database.unit_of_work() as uow:
        updated = await uow.id_tokens.get("tag-1")
    assert updated == IdTokenRecord("tag-1", status=AuthorizationStatus.EXPIRED)
