"""Health and identity: is the API up, who am I, which processes serve the stations."""

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


class Worker(BaseModel):
    worker: int
    pid: int
    ready: bool
    #: ids of the stations whose OCPP-J connection this worker holds
    stations: list[str]


@router.get(
    "/workers",
    summary="The OCPP-J worker processes and the stations each holds (empty: one process)",
    responses=responses(401),
)
async def workers(ctx: Annotated[ApiContext, Depends(context)], token: Reader) -> list[Worker]:
    if ctx.workers is None:
        return []
    return [
        Worker(worker=w.worker, pid=w.pid, ready=w.ready, stations=w.stations)
        for w in ctx.workers()
    ]
