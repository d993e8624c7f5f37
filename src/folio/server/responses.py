"""JSON responses encoded with orjson, and the bodies helpers routes share."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from folio.errors import BadRequest


def _default(o: Any) -> Any:
    if isinstance(o, bytes):
        return o.decode("utf-8", "replace")
    raise TypeError


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj, default=_default)


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(dumps(body), status_code=status, headers=headers, media_type="application/json")


async def read_json(request: Request, *, required: bool = False) -> Any:
    """The request's JSON body, or None when it is empty; bad JSON is a 400 like jupyter_server's."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise BadRequest("No JSON data provided")
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:  # orjson refuses NaN/Infinity, which Python's json (and so Jupyter) accepts
            return json.loads(raw)
        except ValueError:
            raise BadRequest("Invalid JSON in body of request") from None
