"""Files through the operator API: what stations uploaded (list, metadata, download), and
the firmware images stations are handed (list, upload)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from ampyre.api.auth import Operator, Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.problems import Problem, responses
from ampyre.domain.diagnostics import StoredFile, UploadTooLarge
from ampyre.domain.firmware import FirmwareImage

router = APIRouter(tags=["files"])

Ctx = Annotated[ApiContext, Depends(context)]
FIRMWARE_NAME = r"^[A-Za-z0-9_][A-Za-z0-9._+-]{0,254}$"


class FileInfo(BaseModel):
    id: int
    station_id: str
    command_id: int | None = Field(description="the get-log / get-diagnostics command")
    log_type: str | None
    name: str | None = Field(description="the file name the station gave")
    content_type: str | None
    size: int | None = Field(description="bytes; null until the station uploaded")
    sha256: str | None
    method: str | None = Field(description="PUT or POST")
    created_at: datetime = Field(description="when the upload URL was handed out")
    received_at: datetime | None


def file_info(found: StoredFile) -> FileInfo:
    return FileInfo(
        id=found.id,
        station_id=found.station_id,
        command_id=found.command_id,
        log_type=found.log_type,
        name=found.name,
        content_type=found.content_type,
        size=found.size,
        sha256=found.sha256,
        method=found.method,
        created_at=found.created_at,
        received_at=found.received_at,
    )


@router.get(
    "/files",
    summary="Upload slots handed to stations and the files received, newest first",
    responses=responses(401, 422),
)
async def list_files(
    _: Reader,
    ctx: Ctx,
    station_id: Annotated[str | None, Query(max_length=48)] = None,
    command_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[FileInfo]:
    return [file_info(f) for f in await ctx.diagnostics.files(station_id, command_id, limit)]


@router.get("/files/{file_id}", summary="One file's metadata", responses=responses(401, 404, 422))
async def get_file(file_id: int, _: Reader, ctx: Ctx) -> FileInfo:
    found, _path = await ctx.diagnostics.file(file_id)
    return file_info(found)


@router.get(
    "/files/{file_id}/content",
    summary="Download a file a station uploaded",
    response_class=FileResponse,
    responses=responses(401, 404, 422),
)
async def file_content(file_id: int, _: Reader, ctx: Ctx) -> FileResponse:
    found, path = await ctx.diagnostics.file(file_id)
    if path is None:
        raise Problem(404, f"file {file_id} has not been uploaded yet")
    return FileResponse(
        path,
        media_type=found.content_type or "application/octet-stream",
        filename=found.name or f"upload-{file_id}",
    )


class FirmwareImageOut(BaseModel):
    name: str
    size: int
    modified_at: datetime
    url: str = Field(description="the URL stations download it from")


def _image(ctx: ApiContext, image: FirmwareImage) -> FirmwareImageOut:
    return FirmwareImageOut(
        name=image.name,
        size=image.size,
        modified_at=image.modified_at,
        url=ctx.firmware.image_url(image.name),
    )


@router.get("/firmware", summary="Firmware images we serve", responses=responses(401))
async def list_firmware(_: Reader, ctx: Ctx) -> list[FirmwareImageOut]:
    return [_image(ctx, image) for image in ctx.firmware.images()]


@router.put(
    "/firmware/{name}",
    summary="Upload a firmware image (the raw request body), replacing one of that name",
    description="e.g. `curl -T SimCharger-2.1.0.bin -H 'Authorization: Bearer ...' "
    "$API/firmware/SimCharger-2.1.0.bin`. Then update-firmware with `image`.",
    status_code=201,
    responses=responses(401, 403, 413, 422),
)
async def put_firmware(
    name: Annotated[str, Path(pattern=FIRMWARE_NAME)],
    request: Request,
    _: Operator,
    ctx: Ctx,
) -> FirmwareImageOut:
    if ".." in name:
        raise Problem(422, f"{name!r} is not a firmware file name")

    async def body() -> AsyncIterator[bytes]:
        async for chunk in request.stream():
            if chunk:
                yield chunk

    try:
        image = await ctx.firmware.add_image(name, body())
    except UploadTooLarge as exc:
        raise Problem(413, str(exc)) from exc
    return _image(ctx, image)
