"""Errors as RFC 9457 problem documents, mapped to HTTP in this one place.

Every error the API returns is `application/problem+json` with a `title` (the kind of
problem) and a `detail` an operator can act on. Bad input is always a 4xx.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ampyre.domain.commands import CommandFailed, CommandState, InvalidCall
from ampyre.domain.diagnostics import UploadTooLarge
from ampyre.domain.errors import Conflict, DomainError, InvalidInput, NotFound, StorageUnavailable

log = logging.getLogger("ampyre.api")

MEDIA_TYPE = "application/problem+json"


class ProblemDocument(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(default="about:blank", examples=["about:blank"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["no station CS001"])
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Each invalid field (validation errors only)."
    )


class Problem(Exception):
    """Raise anywhere in a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers
        self.extra = extra or {}


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    body.update(extra or {})
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    where = loc[0] if loc else ""
    name = ".".join(parts)
    return f"{where} {name}".strip() if where in ("query", "path", "header") else name or "body"


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(
        exc.status, exc.detail, title=exc.title, headers=exc.headers, extra=exc.extra
    )


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"there is nothing at {request.url.path}"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    elif exc.status_code == 400 and detail == _UNREADABLE_BODY:
        # FastAPI's answer to a JSON body that is not UTF-8: invalid JSON, like any other
        message = "the body is not JSON (it must be UTF-8 encoded JSON)"
        return problem_response(
            422,
            message,
            title="Invalid request",
            extra={"errors": [{"field": "body", "message": message}]},
        )
    return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))


_UNREADABLE_BODY = "There was an error parsing the body"


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _location(e.get("loc", ())), "message": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem_response(
        422, detail or "the request is not valid", title="Invalid request", extra={"errors": errors}
    )


async def _on_domain(request: Request, exc: Exception) -> JSONResponse:
    """What services refuse, as HTTP: the one place domain errors become status codes."""
    assert isinstance(exc, DomainError)
    detail = str(exc)
    if isinstance(exc, NotFound):
        return problem_response(404, detail)
    if isinstance(exc, Conflict):
        return problem_response(409, detail)
    if isinstance(exc, InvalidInput):
        extra: dict[str, Any] = {"errors": exc.errors} if exc.errors else {}
        return problem_response(422, detail, extra=extra)
    if isinstance(exc, InvalidCall):
        return problem_response(422, detail, title="Invalid call")
    if isinstance(exc, UploadTooLarge):
        return problem_response(413, detail)
    if isinstance(exc, CommandFailed):
        extra = {"command_id": exc.command_id, "state": exc.state.value}
        if exc.error_code is not None:
            extra["error_code"] = exc.error_code
        if exc.state is CommandState.TIMEOUT:
            return problem_response(504, detail, title="Station did not answer", extra=extra)
        title = "Station answered with an error" if exc.error_code else "Station unreachable"
        return problem_response(502, detail, title=title, extra=extra)
    if isinstance(exc, StorageUnavailable):
        return problem_response(503, "the database is unavailable; nothing was changed")
    log.error("%s %s: unmapped %r", request.method, request.url.path, exc)
    return problem_response(500, "an unexpected error occurred; it has been logged")


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s failed", request.method, request.url.path)
    return problem_response(500, "an unexpected error occurred; it has been logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(DomainError, _on_domain)
    app.add_exception_handler(Exception, _on_unexpected)


#: OpenAPI `responses=` entries for the problems a route may answer with
def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "model": ProblemDocument,
            "description": HTTPStatus(status).phrase,
            "content": {MEDIA_TYPE: {}},
        }
        for status in statuses
    }
