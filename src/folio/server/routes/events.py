"""``/api/events``: jupyter_events' bus as JupyterLab uses it (it subscribes at start-up and retries).

folio emits no jupyter_events yet: the websocket stays open and quiet, and posted events are checked
and accepted, so clients see the statuses jupyter_server gives (101, 204) instead of retry loops.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from folio.errors import BadRequest
from folio.server.responses import read_json

router = APIRouter(tags=["events"])


@router.websocket("/api/events/subscribe")
async def subscribe(ws: WebSocket) -> None:
    await ws.accept()
    try:
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
    except WebSocketDisconnect:
        return


@router.post("/api/events", status_code=204, summary="Emit an event (accepted; folio has no event sinks yet)")
async def emit(request: Request) -> Response:
    body = await read_json(request, required=True)
    if not isinstance(body, dict) or not {"schema_id", "version", "data"} <= body.keys():
        raise BadRequest("An event needs schema_id, version and data")
    return Response(status_code=204)
