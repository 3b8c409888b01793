"""Id tokens for the operator. What a station gets at Authorize comes from the same records."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ampyre.domain.authorization import AuthorizationStatus, IdTokenQuery, IdTokenRecord
from ampyre.domain.errors import NotFound
from ampyre.services.id_tokens.csv_import import parse_csv
from ampyre.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

#: what `change` may set
CHANGEABLE = frozenset({"type", "status", "expiry", "group_id"})


@dataclasses.dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int


async def _require(uow: UnitOfWork, value: str) -> IdTokenRecord:
    record = await uow.id_tokens.get(value)
    if record is None:
        raise NotFound(f"there is no id token {value!r}")
    return record


class IdTokenService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def find(self, query: IdTokenQuery) -> list[IdTokenRecord]:
        async with self._uow() as uow:
            return await uow.id_tokens.list(query)

    async def get(self, value: str) -> IdTokenRecord:
        async with self._uow() as uow:
            return await _require(uow, value)

    async def create(self, record: IdTokenRecord) -> IdTokenRecord:
        """`Conflict` if the value is taken."""
        async with self._uow() as uow:
            await uow.id_tokens.add(record)
            await uow.commit()
        return record

    async def change(self, value: str, changes: Mapping[str, object]) -> IdTokenRecord:
        unknown = set(changes) - CHANGEABLE
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        async with self._uow() as uow:
            record = dataclasses.replace(await _require(uow, value), **changes)  # type: ignore[arg-type]
            await uow.id_tokens.save(record)
            await uow.commit()
        return record

    async def block(self, value: str) -> IdTokenRecord:
        return await self.change(value, {"status": AuthorizationStatus.BLOCKED})

    async def expire(self, value: str) -> IdTokenRecord:
        """Expired from now on (an earlier expiry stays)."""
        now = self._clock.now()
        async with self._uow() as uow:
            record = await _require(uow, value)
            expiry = now if record.expiry is None or record.expiry > now else record.expiry
            record = dataclasses.replace(record, status=AuthorizationStatus.EXPIRED, expiry=expiry)
            await uow.id_tokens.save(record)
            await uow.commit()
        return record

    async def delete(self, value: str) -> None:
        async with self._uow() as uow:
            if not await uow.id_tokens.delete(value):
                raise NotFound(f"there is no id token {value!r}")
            await uow.commit()

    async def import_csv(self, text: str) -> ImportResult:
        """All or nothing: every row is checked first (`InvalidInput` lists the bad ones), then
        all are written in one database transaction. A row whose value exists replaces it."""
        records = parse_csv(text)
        async with self._uow() as uow:
            known = await uow.id_tokens.existing([r.value for r in records])
            await uow.id_tokens.save_many(records)
            await uow.commit()
        return ImportResult(created=len(records) - len(known), updated=len(known))
