"""``/api/kernels``: start, list, get, interrupt, restart, shut down."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from folio.errors import BadRequest
from folio.server.models import Kernel, KernelCreate, body, responses
from folio.server.responses import json_response, read_json
from folio.server.state import FolioState, get_state

router = APIRouter(tags=["kernels"])
KID = "{kernel_id}"


@router.get("/api/kernels", responses=responses(200, Kernel))
async def list_kernels(state: FolioState = Depends(get_state)) -> Response:
    return json_response(state.kernels.list_models())


@router.post("/api/kernels", status_code=201, responses=responses(201, Kernel, 400, 501),
             openapi_extra=body(KernelCreate, required=False))
async def start_kernel(request: Request, state: FolioState = Depends(get_state)) -> Response:
    data = await read_json(request) or {}
    if not isinstance(data, dict):
        raise BadRequest("Body must be a JSON object")
    name = data.get("name") or None
    path = data.get("path")
    cwd = state.contents.kernel_cwd(path) if isinstance(path, str) else None
    env = data.get("env") or {}
    if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise BadRequest("env must be an object of string values")
    mk = await state.kernels.start_kernel(name, cwd=cwd, env=env, kernel_id=data.get("kernel_id") or None)
    loc = f"{state.settings.base_url}api/kernels/{mk.id}"
    return json_response(mk.model(), 201, headers={"Location": loc})


@router.get(f"/api/kernels/{KID}", responses=responses(200, Kernel, 404))
async def get_kernel(kernel_id: str, state: FolioState = Depends(get_state)) -> Response:
    return json_response(state.kernels.get(kernel_id).model())


@router.delete(f"/api/kernels/{KID}", status_code=204, responses=responses(204, None, 404))
async def delete_kernel(kernel_id: str, state: FolioState = Depends(get_state)) -> Response:
    await state.kernels.shutdown(kernel_id)
    return Response(status_code=204)


@router.post(f"/api/kernels/{KID}/interrupt", status_code=204, responses=responses(204, None, 404))
async def interrupt_kernel(kernel_id: str, state: FolioState = Depends(get_state)) -> Response:
    await state.kernels.interrupt(kernel_id)
    return Response(status_code=204)


@router.post(f"/api/kernels/{KID}/restart", responses=responses(200, Kernel, 404, 500))
async def restart_kernel(kernel_id: str, state: FolioState = Depends(get_state)) -> Response:
    mk = await state.kernels.restart(kernel_id)
    return json_response(mk.model())
