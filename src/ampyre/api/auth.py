"""Bearer-token authentication and the two roles (reader, operator)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ampyre.api.context import context
from ampyre.api.problems import Problem
from ampyre.domain.access import ApiToken, Role

_bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `ampyre token create` (`make run` prints one on first start).",
)

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def _token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiToken:
    if credentials is None:
        raise Problem(
            401,
            "send an API token as `Authorization: Bearer <token>` "
            "(create one with `ampyre token create`)",
            headers=_CHALLENGE,
        )
    token = await context(request).tokens.verify(credentials.credentials)
    if token is None:
        raise Problem(401, "this API token is unknown or revoked", headers=_CHALLENGE)
    return token


def _requires(role: Role) -> object:
    async def check(token: Annotated[ApiToken, Depends(_token)]) -> ApiToken:
        if not token.role.allows(role):
            raise Problem(403, f"token {token.name!r} is {token.role}; this needs the {role} role")
        return token

    return Depends(check)


#: any valid token
Reader = Annotated[ApiToken, _requires(Role.READER)]
#: a token with the operator role
Operator = Annotated[ApiToken, _requires(Role.OPERATOR)]
