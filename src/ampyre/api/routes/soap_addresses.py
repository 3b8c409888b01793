"""Where a SOAP (OCPP-S) station is called: the address it announced, and the operator's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from ampyre.api.auth import Operator, Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.problems import Problem, responses
from ampyre.domain.errors import NotFound
from ampyre.domain.station import MAX_ADDRESS_LENGTH, StationAddress

router = APIRouter(tags=["stations"])

StationId = Annotated[str, Path(max_length=48)]


class SoapAddress(BaseModel):
    announced: str | None = Field(
        description="the address of the station's last WS-Addressing From"
    )
    override: str | None = Field(description="the operator's address, used when set")
    effective: str | None = Field(description="where commands to the station go")


class SoapAddressChange(BaseModel):
    override: str | None = Field(
        max_length=MAX_ADDRESS_LENGTH,
        description="an http:// or https:// URL; null to call the announced address again",
    )


def _shown(address: StationAddress) -> SoapAddress:
    return SoapAddress(
        announced=address.announced, override=address.override, effective=address.effective
    )


@router.get(
    "/stations/{station_id}/soap-address",
    summary="Where a SOAP station is called",
    responses=responses(401, 404),
)
async def get_soap_address(
    station_id: StationId, _: Reader, ctx: Annotated[ApiContext, Depends(context)]
) -> SoapAddress:
    try:
        return _shown(await ctx.station_addresses.get(station_id))
    except NotFound as exc:
        raise Problem(404, str(exc)) from None


@router.put(
    "/stations/{station_id}/soap-address",
    summary="Call a SOAP station at this address instead of the one it announces",
    responses=responses(401, 403, 404, 422),
)
async def set_soap_address(
    station_id: StationId,
    change: SoapAddressChange,
    _: Operator,
    ctx: Annotated[ApiContext, Depends(context)],
) -> SoapAddress:
    try:
        return _shown(await ctx.station_addresses.set_override(station_id, change.override))
    except NotFound as exc:
        raise Problem(404, str(exc)) from None
    except ValueError as exc:
        raise Problem(422, str(exc)) from None
