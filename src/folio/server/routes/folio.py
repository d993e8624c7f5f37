"""folio's own additions under ``/api/folio``: what the Jupyter API has no place for."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from folio.server.responses import json_response
from folio.server.state import FolioState, get_state

router = APIRouter(tags=["folio"])


@router.get("/api/folio/kernels/{kernel_id}/running",
            summary="Cells of this kernel's notebook that are running, by request msg_id")
async def running_cells(kernel_id: str, state: FolioState = Depends(get_state)) -> Response:
    """Lets a page opened while a cell runs (a reload, another tab) attach the live outputs to the right
    cell: iopub messages carry the request's msg_id, and this maps it to the cell id."""
    state.kernels.get(kernel_id)  # 404 for an unknown kernel
    tap = state.recorder.taps.get(kernel_id) if state.recorder else None
    runs = [] if tap is None else [
        {"msg_id": mid, "cell_id": r.cell_id, "path": r.path, "execution_count": r.cell.execution_count}
        for mid, r in tap.runs.items() if not r.done]
    return json_response(runs)
