"""Health and identity: is the API up, and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from ampyre.api.auth import Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.problems import responses

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str
    version: str


class Identity(BaseModel):
    name: str
    role: str


@router.get("/health", summary="Is the API up (no token needed)")
async def health(ctx: Annotated[ApiContext, Depends(context)]) -> Health:
    return Health(status="ok", version=ctx.version)


@router.get("/whoami", summary="The token this request uses", responses=responses(401))
async def whoami(token: Reader) -> Identity:
    return Identity(name=token.name, role=token.role.value)
