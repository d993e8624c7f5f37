"""``/api``, ``/api/status``, ``/api/me``: the server's version, activity and the caller's identity."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from folio import __version__
from folio.errors import BadRequest
from folio.server.responses import json_response
from folio.server.state import FolioState, get_state, utcnow

router = APIRouter(tags=["server"])

# The Jupyter Server API version folio speaks; clients (JupyterLab's chunked upload among them) read it.
JUPYTER_SERVER_API_VERSION = "2.21.1"


def isoformat(dt: object) -> str:
    return dt.isoformat().replace("+00:00", "Z")  # type: ignore[attr-defined]


@router.get("/api", summary="Server version (no auth)")
async def version() -> Response:
    return json_response({"version": JUPYTER_SERVER_API_VERSION, "folio": __version__})


@router.get("/api/status", summary="Activity: kernels, connections, last activity")
async def status(state: FolioState = Depends(get_state)) -> Response:
    k = state.kernels
    return json_response({
        "connections": k.total_connections() if hasattr(k, "total_connections") else 0,
        "kernels": len(k.list_models()) if hasattr(k, "list_models") else 0,
        "last_activity": isoformat(k.last_activity() if hasattr(k, "last_activity") else utcnow()),
        "started": isoformat(state.started),
    })


@router.get("/api/me", summary="The caller's identity and permissions")
async def me(request: Request, permissions: str | None = None, state: FolioState = Depends(get_state)) -> Response:
    perms: dict[str, list[str]] = {}
    if permissions:
        try:
            asked = json.loads(permissions)
        except ValueError:
            raise BadRequest(f"permissions should be JSON like {{'contents': ['read']}}, got {permissions!r}") from None
        if not isinstance(asked, dict):
            raise BadRequest("permissions should be a JSON dict of {'resource': [actions]}")
        # Single-user server: the one authenticated user may do everything.
        perms = {str(r): [str(a) for a in acts] for r, acts in asked.items() if isinstance(acts, list)}
    return json_response({"identity": state.auth.user.model(), "permissions": perms})
