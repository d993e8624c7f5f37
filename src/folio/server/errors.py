"""The only place where folio errors become HTTP responses: ``{"message", "reason"}`` bodies like jupyter_server's."""

from __future__ import annotations

import logging

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from folio import errors
from folio.server.responses import json_response

log = logging.getLogger("folio.server")

STATUS: dict[type[errors.FolioError], int] = {
    errors.NotFound: 404,
    errors.Forbidden: 403,
    errors.Unauthorized: 403,
    errors.Conflict: 409,
    errors.BadRequest: 400,
    errors.TooLarge: 413,
    errors.TooManyRequests: 429,
    errors.KernelDied: 500,
    errors.KernelUnavailable: 501,
    errors.Timeout: 504,
}


def status_for(exc: errors.FolioError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_body(message: str, reason: str | None = None, **extra: object) -> dict[str, object]:
    return {"message": message, "reason": reason, **extra}


async def folio_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.FolioError)
    status = status_for(exc)
    body = error_body(exc.message, exc.reason)
    if isinstance(exc, errors.KernelUnavailable):
        body["short_message"] = f"{exc.name} not found"
    return json_response(body, status)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return json_response(error_body(str(exc.detail)), exc.status_code, headers=exc.headers)


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for e in exc.errors():
        loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
        parts.append(f"{loc}: {e.get('msg')}" if loc else str(e.get("msg")))
    return json_response(error_body("; ".join(parts) or "Invalid request", "bad request"), 400)


async def unhandled_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return json_response(error_body("Unhandled error", None, traceback=""), 500)


HANDLERS = {
    errors.FolioError: folio_error,
    HTTPException: http_error,
    RequestValidationError: validation_error,
    Exception: unhandled_error,
}
