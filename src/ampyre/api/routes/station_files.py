"""The file endpoint stations talk to, on the HTTP port beside the API (no bearer token):

- `PUT` or `POST /files/uploads/{token}[/{name}]`: a diagnostics or log upload, as the raw
  body or as multipart/form-data (the first file part, e.g. `curl -F file=@log.txt`).
  The token (from the URL a get-log command handed out) is the credential: an unknown one is
  404 before the body is read; past the size limit, 413.
- `GET /files/firmware/{name}`: a firmware image (uploaded through the API or placed in the
  firmware directory).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from ampyre.api.context import ApiContext, context
from ampyre.api.problems import Problem, responses
from ampyre.domain.diagnostics import UploadTooLarge

router = APIRouter(tags=["files (stations)"])

Ctx = Annotated[ApiContext, Depends(context)]

#: multipart framing allowed beyond the file size limit
MULTIPART_OVERHEAD = 64 * 1024
CHUNK = 64 * 1024


class UploadReceipt(BaseModel):
    id: int
    name: str | None
    size: int | None
    sha256: str | None


async def _bounded(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    """The request body, failing with UploadTooLarge once past `limit` bytes."""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise UploadTooLarge(f"the upload is larger than the limit of {limit} bytes")
        if chunk:
            yield chunk


async def _read(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


def _base_name(name: str | None) -> str | None:
    if not name:
        return None
    return name.replace("\\", "/").rsplit("/", 1)[-1] or None


async def receive(request: Request, ctx: ApiContext, token: str, name: str | None) -> UploadReceipt:
    diagnostics = ctx.diagnostics
    if not await diagnostics.expects(token):
        raise Problem(404, "no upload is expected at this URL")
    limit = diagnostics.max_upload_bytes
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit + MULTIPART_OVERHEAD:
        raise Problem(413, f"the upload is larger than the limit of {limit} bytes")
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("multipart/form-data"):
        parser = MultiPartParser(
            request.headers, _bounded(request, limit + MULTIPART_OVERHEAD), max_files=1
        )
        try:
            form = await parser.parse()
        except MultiPartException as exc:
            raise Problem(400, f"the multipart body cannot be read: {exc.message}") from exc
        try:
            files = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
            if not files:
                raise Problem(422, "the multipart body has no file part")
            upload = files[0]
            stored = await diagnostics.receive(
                token,
                _base_name(upload.filename) or _base_name(name),
                upload.content_type,
                _read(upload),
                request.method,
            )
        finally:
            await form.close()
    else:
        stored = await diagnostics.receive(
            token, _base_name(name), content_type or None, _bounded(request, limit), request.method
        )
    return UploadReceipt(id=stored.id, name=stored.name, size=stored.size, sha256=stored.sha256)


UPLOAD_PROBLEMS = responses(400, 404, 413, 422)


async def upload(token: str, request: Request, ctx: Ctx) -> UploadReceipt:
    return await receive(request, ctx, token, None)


async def upload_named(token: str, name: str, request: Request, ctx: Ctx) -> UploadReceipt:
    return await receive(request, ctx, token, name)


for _method in ("PUT", "POST"):
    router.add_api_route(
        "/files/uploads/{token}/",
        upload,
        methods=[_method],
        status_code=201,
        summary=f"A station uploads a diagnostics or log file ({_method})",
        operation_id=f"station_upload_{_method.lower()}",
        responses=UPLOAD_PROBLEMS,
    )
    router.add_api_route(
        "/files/uploads/{token}",
        upload,
        methods=[_method],
        status_code=201,
        include_in_schema=False,
    )
    router.add_api_route(
        "/files/uploads/{token}/{name}",
        upload_named,
        methods=[_method],
        status_code=201,
        summary=f"A station uploads a diagnostics or log file, named in the path ({_method})",
        operation_id=f"station_upload_named_{_method.lower()}",
        responses=UPLOAD_PROBLEMS,
    )


async def firmware(name: str, ctx: Ctx) -> FileResponse:
    path = ctx.firmware.image_path(name)
    return FileResponse(path, media_type="application/octet-stream", filename=name)


router.add_api_route(
    "/files/firmware/{name}",
    firmware,
    methods=["GET"],
    summary="A station downloads a firmware image",
    response_class=FileResponse,
    responses=responses(404),
)
router.add_api_route(
    "/files/firmware/{name}",
    firmware,
    methods=["HEAD"],
    response_class=FileResponse,
    include_in_schema=False,
)
