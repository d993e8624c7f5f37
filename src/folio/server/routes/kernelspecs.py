"""``/api/kernelspecs`` and ``/kernelspecs/{name}/{file}``: every kernelspec jupyter_client finds."""

from __future__ import annotations

import mimetypes

import anyio
from fastapi import APIRouter, Depends
from starlette.responses import FileResponse, Response

from folio.kernels.specs import resource_path, spec_model, spec_models
from folio.server.models import KernelSpec, KernelSpecs, responses
from folio.server.responses import json_response
from folio.server.state import FolioState, get_state

router = APIRouter(tags=["kernelspecs"])


@router.get("/api/kernelspecs", responses=responses(200, KernelSpecs))
async def list_specs(state: FolioState = Depends(get_state)) -> Response:
    ksm = state.kernels.spec_manager
    specs = await anyio.to_thread.run_sync(spec_models, ksm, state.settings.base_url)
    default = state.settings.default_kernel
    return json_response({"default": default if default in specs else next(iter(specs), default),
                          "kernelspecs": specs})


@router.get("/api/kernelspecs/{name}", responses=responses(200, KernelSpec, 404))
async def get_spec(name: str, state: FolioState = Depends(get_state)) -> Response:
    model = await anyio.to_thread.run_sync(spec_model, state.kernels.spec_manager, name, state.settings.base_url)
    return json_response(model)


@router.get("/kernelspecs/{name}/{filename}", responses=responses(200, None, 404))
async def spec_resource(name: str, filename: str, state: FolioState = Depends(get_state)) -> Response:
    path = await anyio.to_thread.run_sync(resource_path, state.kernels.spec_manager, name, filename)
    headers = {"Cache-Control": "max-age=2592000"} if filename.endswith(".png") else {"Cache-Control": "no-cache"}
    return FileResponse(path, media_type=mimetypes.guess_type(filename)[0] or "application/octet-stream",
                        headers=headers)
