"""``POST /api/contents/{path}/trust``: mark a notebook trusted (jupyter_server's TrustNotebookHandler).

Registered before the contents router, whose ``/api/contents/{path}`` routes would otherwise match.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from folio.contents.trust import TrustStore
from folio.errors import BadRequest
from folio.server.state import FolioState, get_state


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # FastAPI merges an included router's lifespan into the app's: the record is live before any request.
    state = getattr(app.state, "folio", None)
    if state is not None:
        trust_store(state)
    yield


router = APIRouter(tags=["contents"], lifespan=_lifespan)


def trust_store(state: FolioState) -> Any:
    """The contents layer's record of trusted digests; a persistent TrustStore unless it brought its own."""
    contents: Any = state.contents
    store = getattr(contents, "_trusted", None)
    if not isinstance(store, TrustStore):
        persistent = TrustStore()
        if isinstance(store, set):
            for digest in store:
                persistent.add(digest)
        contents._trusted = persistent  # trust must outlive the process, like nbformat's signatures db
        store = persistent
    return store


@router.post("/api/contents/{path:path}/trust", status_code=201, responses={400: {}, 404: {}})
async def trust_notebook(path: str, state: FolioState = Depends(get_state)) -> Response:
    """Sign the notebook as it is on disk: its HTML and JavaScript outputs may then run in the browser."""

    def work() -> None:
        model = state.contents.get(path, content=False, type="notebook", hash=True)
        if model.get("type") != "notebook" or not model.get("hash"):
            raise BadRequest(f"{path} is not a notebook")
        trust_store(state).add(model["hash"])

    await run_in_threadpool(work)
    return Response(status_code=201)
