"""get-configuration, change-configuration, and the configuration kept of each station.

A setting is named by a key: in 1.x the configuration key, in 2.0.1
`Component[(instance)][@evse[.connector]]/Variable[(instance)][:AttributeType]`
(e.g. `OCPPCommCtrlr/HeartbeatInterval`, `EVSE@1/AvailabilityState`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field, StringConstraints

from ampyre.api.auth import Operator, Reader
from ampyre.api.problems import responses
from ampyre.api.routes.commands import COMMAND_PROBLEMS, Body, CommandResult, Ctx, run
from ampyre.domain.configuration import (
    ChangeConfiguration,
    GetConfiguration,
    SettingChange,
    SettingSource,
)

router = APIRouter(tags=["configuration"])

KEYS = (
    "1.x: the configuration key (HeartbeatInterval); 2.0.1: "
    "Component[(instance)][@evse[.connector]]/Variable[(instance)][:AttributeType], "
    "e.g. OCPPCommCtrlr/HeartbeatInterval, EVSE@1/AvailabilityState, "
    "DeviceDataCtrlr/ItemsPerMessage(GetReport)"
)

Key = Field(min_length=1, max_length=400, description=KEYS)


class GetConfigurationBody(Body):
    keys: list[Annotated[str, StringConstraints(min_length=1, max_length=400)]] = Field(
        default_factory=list,
        max_length=500,
        description="the settings to read; none: every key (1.x only: 2.0.1 refuses with 409, "
        "ask for a base report instead). " + KEYS,
    )


@router.post(
    "/stations/{station_id}/commands/get-configuration",
    summary="Read configuration keys (1.x GetConfiguration) or variables (2.0.1 GetVariables)",
    description="The answer's `result.settings` lists each key with its `status` (Accepted; "
    "1.x UnknownKey; 2.0.1 Rejected, UnknownComponent, UnknownVariable, "
    "NotSupportedAttributeType), `value` and, in 1.x, `readonly`. What is read is kept: "
    "see GET /stations/{station_id}/configuration.",
    responses=COMMAND_PROBLEMS,
)
async def get_configuration(
    station_id: str, body: GetConfigurationBody, _: Operator, ctx: Ctx
) -> CommandResult:
    return await run(ctx, station_id, GetConfiguration(keys=tuple(body.keys)))


class Change(Body):
    key: str = Key
    value: str = Field(max_length=2500, description="1.x: at most 500 characters, 2.0.1: 1000")


class ChangeConfigurationBody(Body):
    settings: list[Change] = Field(min_length=1, max_length=100)


@router.post(
    "/stations/{station_id}/commands/change-configuration",
    summary="Change settings (1.x ChangeConfiguration per key, 2.0.1 SetVariables)",
    description="`result.settings` gives each key's outcome: Accepted, RebootRequired, "
    "Rejected, 1.x NotSupported, 2.0.1 UnknownComponent, UnknownVariable, "
    "NotSupportedAttributeType. `status` is their common outcome, or `Partial`. Accepted and "
    "RebootRequired values are kept as the station's configuration.",
    responses=COMMAND_PROBLEMS,
)
async def change_configuration(
    station_id: str, body: ChangeConfigurationBody, _: Operator, ctx: Ctx
) -> CommandResult:
    changes = tuple(SettingChange(key=s.key, value=s.value) for s in body.settings)
    return await run(ctx, station_id, ChangeConfiguration(changes=changes))


class Setting(BaseModel):
    key: str
    value: str | None
    readonly: bool | None = Field(description="1.x: whether the station lets it be changed")
    status: str | None = Field(
        description="RebootRequired: changed, in effect after the next reboot"
    )
    source: SettingSource = Field(description="learnt from a get, a change or a report")
    updated_at: datetime


class Configuration(BaseModel):
    station_id: str
    settings: list[Setting]


@router.get(
    "/stations/{station_id}/configuration",
    summary="A station's configuration as last reported (or changed)",
    responses=responses(401, 404, 422),
)
async def stored_configuration(station_id: str, _: Reader, ctx: Ctx) -> Configuration:
    found = await ctx.configuration.stored(station_id)
    return Configuration(
        station_id=station_id,
        settings=[
            Setting(
                key=s.key,
                value=s.value,
                readonly=s.readonly,
                status=s.status,
                source=s.source,
                updated_at=s.updated_at,
            )
            for s in found
        ],
    )
