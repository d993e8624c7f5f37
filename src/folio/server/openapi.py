"""/api/openapi.json: FastAPI's generated document plus what it cannot see (the kernel websocket)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from folio.kernels.wire import V1_PROTOCOL

_CHANNELS_DOC: dict[str, Any] = {
    "get": {
        "tags": ["kernels"],
        "summary": "Kernel channels websocket",
        "description": (
            "WebSocket upgrade. Offer the subprotocol `" + V1_PROTOCOL + "` for binary frames "
            "(uint64 LE offsets: channel, header, parent_header, metadata, content, buffers...), or none for the "
            "legacy JSON protocol (text frames; uint32 BE binary frames when there are buffers). shell, control and "
            "stdin replies go to the requesting connection; iopub to all. Messages for a session_id that is away "
            "are buffered (bounded) and replayed when it reconnects."
        ),
        "parameters": [
            {"name": "kernel_id", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "session_id", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "The client's session id; reconnecting with the same id replays missed messages."},
        ],
        "responses": {
            "101": {"description": "Switching protocols"},
            "403": {"description": "No valid credentials"},
            "404": {"description": "No such kernel"},
        },
    }
}


def install(app: FastAPI, base: str) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            doc["paths"][f"{base}/api/kernels/{{kernel_id}}/channels"] = _CHANNELS_DOC
            doc["components"].setdefault("securitySchemes", {})["token"] = {
                "type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`token <TOKEN>`; or `?token=` in the URL, or the login cookie (with X-XSRFToken)."}
            doc["security"] = [{"token": []}]
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
