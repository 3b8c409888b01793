"""Id tokens: what stations get at Authorize and transaction start. Bulk import from CSV."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ampyre.api.auth import Operator, Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.filters import as_utc
from ampyre.api.pagination import Page, Paging, page
from ampyre.api.problems import Problem, responses
from ampyre.domain.authorization import (
    ID_TOKEN_PATTERN,
    MAX_ID_TOKEN_LENGTH,
    AuthorizationStatus,
    IdTokenQuery,
    IdTokenRecord,
)
from ampyre.services.id_tokens import IMPORT_COLUMNS, MAX_IMPORT_ROWS

router = APIRouter(tags=["id tokens"])

#: largest import body: 10,000 rows of long lines
MAX_IMPORT_BYTES = 4 * 1024 * 1024

TokenType = Literal[
    "Central", "eMAID", "ISO14443", "ISO15693", "KeyCode", "Local", "MacAddress", "NoAuthorization"
]
TokenStatus = Literal["Accepted", "Blocked", "Expired", "Invalid"]


Expiry = Annotated[
    datetime | None,
    AfterValidator(as_utc),
    Field(description="after this time the token is Expired (ISO 8601; no offset means UTC)"),
]
GroupId = Annotated[str | None, Field(max_length=255, description="the token's group")]
TokenValue = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_ID_TOKEN_LENGTH,
        pattern=ID_TOKEN_PATTERN,
        description="the token value",
    ),
]


class IdTokenOut(BaseModel):
    value: str
    type: str | None = Field(description="its OCPP 2.0.1 type; null matches any type")
    status: AuthorizationStatus
    expiry: datetime | None
    group_id: str | None


class IdTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(
        min_length=1,
        max_length=MAX_ID_TOKEN_LENGTH,
        pattern=ID_TOKEN_PATTERN,
        description="printable ASCII without spaces and '/'",
        examples=["04A2B3C4D5E6"],
    )
    type: TokenType | None = Field(
        default=None,
        description="null matches any type (1.x idTags have none); a type must match the "
        "presented token's",
    )
    status: TokenStatus = "Accepted"
    expiry: Expiry = None
    group_id: GroupId = None


class IdTokenUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: TokenType | None = None
    status: TokenStatus | None = None
    expiry: Expiry = None
    group_id: GroupId = None


class ImportReport(BaseModel):
    created: int
    updated: int


def _out(record: IdTokenRecord) -> IdTokenOut:
    return IdTokenOut(
        value=record.value,
        type=record.type,
        status=record.status,
        expiry=record.expiry,
        group_id=record.group_id,
    )


@router.get(
    "/id-tokens",
    summary="List id tokens",
    description="By value. Filter with `status`, `group_id`, `type`.",
    responses=responses(400, 401, 422),
)
async def list_id_tokens(
    _: Reader,
    ctx: Annotated[ApiContext, Depends(context)],
    paging: Annotated[Paging, Depends()],
    status: TokenStatus | None = None,
    group_id: Annotated[str | None, Query(max_length=255)] = None,
    type: TokenType | None = None,
) -> Page[IdTokenOut]:
    found = await ctx.id_tokens.find(
        IdTokenQuery(
            status=None if status is None else AuthorizationStatus(status),
            group_id=group_id,
            type=type,
            after_value=paging.after_text(),
            limit=paging.fetch,
        )
    )
    return page(found, paging, _out, lambda r: r.value)


@router.get("/id-tokens/{value}", summary="One id token", responses=responses(401, 404, 422))
async def get_id_token(
    value: TokenValue, _: Reader, ctx: Annotated[ApiContext, Depends(context)]
) -> IdTokenOut:
    return _out(await ctx.id_tokens.get(value))


@router.post(
    "/id-tokens",
    status_code=201,
    summary="Create an id token",
    description="Stations asking to Authorize it (or starting with it) get its status from "
    "now on; a token the CSMS does not know is Invalid.",
    responses=responses(401, 403, 409, 422),
)
async def create_id_token(
    body: IdTokenCreate, _: Operator, ctx: Annotated[ApiContext, Depends(context)]
) -> IdTokenOut:
    record = IdTokenRecord(
        value=body.value,
        type=body.type,
        status=AuthorizationStatus(body.status),
        expiry=body.expiry,
        group_id=body.group_id,
    )
    return _out(await ctx.id_tokens.create(record))


@router.patch(
    "/id-tokens/{value}",
    summary="Change an id token",
    description="Fields left out stay as they are; `null` clears `type`, `expiry`, "
    '`group_id`. Unblock with `{"status": "Accepted"}`.',
    responses=responses(401, 403, 404, 422),
)
async def update_id_token(
    value: TokenValue,
    body: IdTokenUpdate,
    _: Operator,
    ctx: Annotated[ApiContext, Depends(context)],
) -> IdTokenOut:
    changes: dict[str, Any] = {name: getattr(body, name) for name in body.model_fields_set}
    if "status" in changes:
        if changes["status"] is None:
            raise Problem(
                422, "status cannot be null; give one of Accepted, Blocked, Expired, Invalid"
            )
        changes["status"] = AuthorizationStatus(changes["status"])
    return _out(await ctx.id_tokens.change(value, changes))


@router.post(
    "/id-tokens/{value}/block",
    summary="Block an id token",
    description="Stations get Blocked for it from now on.",
    responses=responses(401, 403, 404, 422),
)
async def block_id_token(
    value: TokenValue, _: Operator, ctx: Annotated[ApiContext, Depends(context)]
) -> IdTokenOut:
    return _out(await ctx.id_tokens.block(value))


@router.post(
    "/id-tokens/{value}/expire",
    summary="Expire an id token now",
    description="Stations get Expired for it from now on; its expiry becomes now (an earlier "
    "one stays).",
    responses=responses(401, 403, 404, 422),
)
async def expire_id_token(
    value: TokenValue, _: Operator, ctx: Annotated[ApiContext, Depends(context)]
) -> IdTokenOut:
    return _out(await ctx.id_tokens.expire(value))


@router.delete(
    "/id-tokens/{value}",
    status_code=204,
    summary="Delete an id token",
    description="Stations get Invalid for it from now on.",
    responses=responses(401, 403, 404, 422),
)
async def delete_id_token(
    value: TokenValue, _: Operator, ctx: Annotated[ApiContext, Depends(context)]
) -> Response:
    await ctx.id_tokens.delete(value)
    return Response(status_code=204)


_CSV_DOC = (
    f"Send `text/csv` (UTF-8) with a header row naming columns of {', '.join(IMPORT_COLUMNS)} "
    "(only `value` is required; any order). `type`: an OCPP 2.0.1 token type or empty; "
    "`status`: Accepted, Blocked, Expired or Invalid (empty: Accepted); `expiry`: ISO 8601, "
    "no offset means UTC, empty: none. A row whose value exists replaces that token. "
    f"**All or nothing**: at most {MAX_IMPORT_ROWS:,} rows; every row is checked first, and "
    "if any is wrong nothing is imported and the 422 problem lists each wrong row in `errors` "
    "(`row` is the line in the file, the header is line 1; at most 100 are listed)."
)


@router.post(
    "/id-tokens/import",
    summary="Import id tokens from CSV",
    description=_CSV_DOC,
    responses=responses(400, 401, 403, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "value,type,status,expiry,group_id\n"
                    "04A2B3C4,ISO14443,Accepted,2027-12-31T23:59:59Z,fleet\n"
                    "TAG-OLD,,Blocked,,\n",
                }
            },
        }
    },
)
async def import_id_tokens(
    request: Request, _: Operator, ctx: Annotated[ApiContext, Depends(context)]
) -> ImportReport:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in ("text/csv", "text/plain"):
        raise Problem(
            415, f"send the tokens as text/csv, not {media_type or 'without a content type'}"
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_IMPORT_BYTES:
            raise Problem(413, f"the file is larger than {MAX_IMPORT_BYTES // 1024 // 1024} MiB")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Problem(400, f"the file is not UTF-8 (byte {error.start})") from None
    result = await ctx.id_tokens.import_csv(text)
    return ImportReport(created=result.created, updated=result.updated)
