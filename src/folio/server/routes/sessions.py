"""``/api/sessions``: a document path bound to a kernel."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from folio.errors import BadRequest
from folio.server.models import Session, SessionCreate, SessionPatch, body, responses
from folio.server.responses import json_response, read_json
from folio.server.state import FolioState, get_state

router = APIRouter(tags=["sessions"])
SID = "{session_id}"


@router.get("/api/sessions", responses=responses(200, Session))
async def list_sessions(state: FolioState = Depends(get_state)) -> Response:
    return json_response(state.sessions.list())


@router.post("/api/sessions", status_code=201, responses=responses(201, Session, 400, 409, 501),
             openapi_extra=body(SessionCreate))
async def create_session(request: Request, state: FolioState = Depends(get_state)) -> Response:
    data = await read_json(request, required=True)
    if not isinstance(data, dict):
        raise BadRequest("Body must be a JSON object")
    path = data.get("path")
    if path is None and isinstance(data.get("notebook"), dict):  # the legacy {"notebook": {"path": ...}} body
        path = data["notebook"].get("path")
    if not isinstance(path, str):
        raise BadRequest("Missing field in JSON data: path")
    stype = data.get("type") or ("notebook" if "notebook" in data else None)
    if not isinstance(stype, str):
        raise BadRequest("Missing field in JSON data: type")
    kernel = data.get("kernel") or {}
    if not isinstance(kernel, dict):
        raise BadRequest("kernel must be an object")
    s = await state.sessions.create(path, stype, data.get("name"), kernel.get("name"), kernel.get("id"))
    loc = f"{state.settings.base_url}api/sessions/{s.id}"
    return json_response(state.sessions.model(s), 201, headers={"Location": loc})


@router.get(f"/api/sessions/{SID}", responses=responses(200, Session, 404))
async def get_session(session_id: str, state: FolioState = Depends(get_state)) -> Response:
    return json_response(state.sessions.model(state.sessions.get(session_id)))


@router.patch(f"/api/sessions/{SID}", responses=responses(200, Session, 400, 404, 501),
              openapi_extra=body(SessionPatch))
async def patch_session(session_id: str, request: Request, state: FolioState = Depends(get_state)) -> Response:
    data = await read_json(request, required=True)
    if not isinstance(data, dict):
        raise BadRequest("Body must be a JSON object")
    s = await state.sessions.update(session_id, data)
    return json_response(state.sessions.model(s))


@router.delete(f"/api/sessions/{SID}", status_code=204, responses=responses(204, None, 404))
async def delete_session(session_id: str, state: FolioState = Depends(get_state)) -> Response:
    await state.sessions.delete(session_id)
    return Response(status_code=204)
