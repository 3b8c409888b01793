"""Authorize: answer from the token store. Unknown tokens are Invalid."""

from __future__ import annotations

from datetime import datetime

from ampyre.domain.authorization import (
    AuthorizationResult,
    AuthorizationStatus,
    IdToken,
    IdTokenRecord,
)
from ampyre.services.ports import UnitOfWork, UnitOfWorkFactory


def decide(record: IdTokenRecord | None, token: IdToken, now: datetime) -> AuthorizationResult:
    """The status of a presented token given what the store holds about it."""
    if record is None:
        return AuthorizationResult(AuthorizationStatus.INVALID)
    if record.type is not None and token.type is not None and record.type != token.type:
        return AuthorizationResult(AuthorizationStatus.INVALID)
    status = record.status
    if (
        status is AuthorizationStatus.ACCEPTED
        and record.expiry is not None
        and record.expiry <= now
    ):
        status = AuthorizationStatus.EXPIRED
    return AuthorizationResult(status, record.expiry, record.group_id)


async def authorize_in(uow: UnitOfWork, token: IdToken, now: datetime) -> AuthorizationResult:
    return decide(await uow.id_tokens.get(token.value), token, now)


class AuthorizationService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def authorize(self, token: IdToken, now: datetime) -> AuthorizationResult:
        async with self._uow() as uow:
            return await authorize_in(uow, token, now)

    async def save_token(self, record: IdTokenRecord) -> None:
        async with self._uow() as uow:
            await uow.id_tokens.save(record)
            await uow.commit()
