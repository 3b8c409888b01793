"""Create, list, revoke and check operator API tokens.

A token is `amp_` + 43 url-safe characters (256 random bits). Only its sha256 is stored:
with that much entropy a slow password hash adds nothing, and checking stays cheap enough
to do on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from ampyre.domain.access import ApiToken, Role
from ampyre.services.ports import Clock, UnitOfWorkFactory

PREFIX = "amp_"
#: characters of the secret kept in clear to tell tokens apart in listings
SHOWN = 8


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: ApiToken
    #: the secret, shown once; only its digest is stored
    secret: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def create(self, name: str, role: Role) -> IssuedToken:
        name = name.strip()
        if not name:
            raise ValueError("a token needs a name (who or what uses it)")
        secret = PREFIX + secrets.token_urlsafe(32)
        async with self._uow() as uow:
            token = await uow.api_tokens.add(
                name, role, secret[: len(PREFIX) + SHOWN], digest(secret), self._clock.now()
            )
            await uow.commit()
        return IssuedToken(token, secret)

    async def list(self) -> list[ApiToken]:
        async with self._uow() as uow:
            return await uow.api_tokens.list()

    async def revoke(self, token_id: int) -> bool:
        async with self._uow() as uow:
            revoked = await uow.api_tokens.revoke(token_id, self._clock.now())
            await uow.commit()
        return revoked

    async def verify(self, secret: str) -> ApiToken | None:
        """The active token with this secret, or None."""
        if not secret.startswith(PREFIX):
            return None
        async with self._uow() as uow:
            token = await uow.api_tokens.by_digest(digest(secret))
        return token if token is not None and token.active else None

    async def first_start(self) -> IssuedToken | None:
        """A fresh operator token when none has ever been created (so `make run` shows one)."""
        async with self._uow() as uow:
            existing = await uow.api_tokens.list()
        if existing:
            return None
        return await self.create("first start", Role.OPERATOR)
