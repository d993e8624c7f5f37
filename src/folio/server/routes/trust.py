"""``POST /api/contents/{path}/trust``: mark a notebook trusted (jupyter_server's TrustNotebookHandler).

Registered before the contents router, whose ``/api/contents/{path}`` routes would otherwise match.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from folio.errors import BadRequest
from folio.server.state import FolioState, get_state

router = APIRouter(tags=["contents"])


@router.post("/api/contents/{path:path}/trust", status_code=201, responses={400: {}, 404: {}})
async def trust_notebook(path: str, state: FolioState = Depends(get_state)) -> Response:
    """Sign the notebook as it is on disk: its HTML and JavaScript outputs may then run in the browser."""

    def work() -> None:
        model = state.contents.get(path, content=False, type="notebook", hash=True)
        if model.get("type") != "notebook" or not model.get("hash"):
            raise BadRequest(f"{path} is not a notebook")
        state.contents.trusted.add(model["hash"])

    await run_in_threadpool(work)
    return Response(status_code=201)
